package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/build"

	"github.com/multistage-lab/multistage-lab/internal/buildcontext"
	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/progress"
	"github.com/multistage-lab/multistage-lab/internal/settings"
)

// Built is one finished build.
type Built struct {
	Image    Image
	ID       string
	Duration time.Duration
	// Finished is when the build's stream ended (it started Duration before).
	Finished time.Time
	// Requested is when the build request went to the engine: before its
	// start for a build whose context was held back (buildSpec.Hold).
	Requested time.Time
}

// BuildAll builds the lab file's images and reports them in its order. The
// first (v1) is built alone; the rest (v2, builder and runtime in the
// seed's lab) then run side by side, at most build.parallel at a time: every
// stage they need is in the cache v1 just made (for the classic builder,
// which does not dedupe concurrent work, as for BuildKit, which does), so
// the engine does each step once and the wall time is the slowest build's,
// not the sum. With the classic builder, which commits each step as it
// goes, builder starts as soon as v1 enters its last stage: the stages
// builder needs are in the cache by then.
//
// The classic builder's three later builds are sent with v1, each holding
// back all of its context but the first block until it may start (see
// buildSpec.Hold): the engine unpacks a context in a helper process it
// starts on the first bytes, and that start-up, most of what a cached build
// costs the engine, then runs beside v1 instead of after it. No step of a
// held build can run before its context is whole. BuildKit's builds are
// not held: sent the same way they finished no sooner (376 against 377 ms
// for the four, warm, on the project's machine), so they go after v1 as
// before. Output is shown in order, each build's as it finishes.
func (l *Lab) BuildAll(ctx context.Context) ([]Built, error) {
	if err := l.prepareConcurrent(ctx); err != nil {
		return nil, err
	}
	images := l.Images()
	rest := images[1:]
	// slots bounds the later builds in flight to the lab file's
	// build.parallel.
	slots := make(chan struct{}, l.Def.Build.Parallel)
	type result struct {
		b   Built
		err error
		out bytes.Buffer
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]*result, len(rest))
	done := make([]chan struct{}, len(rest))
	launch := func(i int, hold func() error) {
		go func() {
			defer close(done[i])
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-bctx.Done():
				results[i].err = bctx.Err()
				return
			}
			results[i].b, results[i].err = l.buildTo(bctx, rest[i], &results[i].out, nil, hold)
		}()
	}
	for i := range rest {
		results[i], done[i] = &result{}, make(chan struct{})
	}
	// v1Staged opens when v1 has entered its last stage, v1Done when v1
	// is built; both open failed if v1 fails.
	v1Staged, v1Done := newLatch(), newLatch()
	classic := l.Settings.Builder == settings.Classic
	if classic {
		for i, im := range rest {
			gate := v1Done
			if stops, err := l.stopsBeforeLastStage(l.dockerfilePath(im), im.Target); err == nil && stops {
				gate = v1Staged
			}
			launch(i, func() error { return gate.wait(bctx) })
		}
	}
	first, err := l.buildTo(ctx, images[0], nil, func() { v1Staged.open(true) }, nil)
	if err != nil {
		v1Staged.open(false)
		v1Done.open(false)
		cancel()
		if classic {
			for i := range rest {
				<-done[i]
			}
		}
		return nil, err
	}
	v1Staged.open(true)
	v1Done.open(true)
	if !classic {
		for i := range rest {
			launch(i, nil)
		}
	}
	out := []Built{first}
	var firstErr error
	for i := range rest {
		<-done[i]
		_, _ = l.Out.Write(results[i].out.Bytes())
		if results[i].err != nil && firstErr == nil {
			firstErr = results[i].err
		}
		out = append(out, results[i].b)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// latch opens once, for every waiter, as passed or failed.
type latch struct {
	once sync.Once
	ch   chan struct{}
	ok   bool
}

func newLatch() *latch { return &latch{ch: make(chan struct{})} }

func (g *latch) open(ok bool) {
	g.once.Do(func() {
		g.ok = ok
		close(g.ch)
	})
}

// errNotReleased ends a held build whose wait failed: the build it waited
// for did not succeed.
var errNotReleased = errors.New("not started: the build it waits for failed")

func (g *latch) wait(ctx context.Context) error {
	select {
	case <-g.ch:
		if !g.ok {
			return errNotReleased
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// prepareConcurrent does once what every build would otherwise race to do:
// the bases, the credentials and the BuildKit session.
func (l *Lab) prepareConcurrent(ctx context.Context) error {
	if err := l.EnsureBases(ctx); err != nil {
		return err
	}
	if _, err := l.credentials(); err != nil {
		return err
	}
	if l.Settings.Builder == settings.BuildKit {
		if _, err := l.buildSession(ctx); err != nil {
			return err
		}
	}
	return nil
}

// API versions the builds need: --target arrived in 1.29 (Docker 17.05, the
// release that brought multi-stage builds), BuildKit builds in 1.39 (18.09).
var (
	needMultiStage = engine.Requirement{What: "a multi-stage build with --target", Version: "1.29", Remedy: "use Docker 17.05 or newer"}
	needBuildKit   = engine.Requirement{What: "a BuildKit build", Version: "1.39", Remedy: "set LAB_BUILDER=classic, or use Docker 18.09 or newer"}
)

// Build builds one lab image, making the base images first if needed.
func (l *Lab) Build(ctx context.Context, im Image) (Built, error) {
	return l.buildTo(ctx, im, nil, nil, nil)
}

// buildTo builds im, writing its output to out (nil: the lab's), calls
// lastStage, if set, when a classic build enters its Dockerfile's last
// stage, and holds back the context until hold returns (see buildSpec.Hold).
func (l *Lab) buildTo(ctx context.Context, im Image, out io.Writer, lastStage func(), hold func() error) (Built, error) {
	requested := time.Now()
	id, took, err := l.build(ctx, buildSpec{
		Tags:       []string{im.Tag},
		Dockerfile: l.dockerfilePath(im),
		Display:    im.Dockerfile,
		Target:     im.Target,
		NoCache:    l.noCache,
		Out:        out,
		LastStage:  lastStage,
		Hold:       hold,
	})
	if err != nil {
		return Built{}, err
	}
	b := Built{Image: im, ID: id, Duration: took, Finished: time.Now(), Requested: requested}
	l.mu.Lock()
	l.builds = append(l.builds, b)
	l.mu.Unlock()
	return b, nil
}

// buildSpec is one image build: its tags, Dockerfile, stage, and what the
// context holds besides the Dockerfile (the program, unless Files says).
type buildSpec struct {
	Tags       []string
	Dockerfile string
	Display    string
	Target     string
	NoCache    bool
	// Out receives this build's output instead of the lab's (a build that
	// runs beside others writes to a buffer, shown when it is done).
	Out io.Writer
	// Files are extra context entries (name and content); nil means the
	// program, app/helloworld.go, as helloworld.go.
	Files map[string][]byte
	// LastStage, if set, is called once when a classic build enters the
	// Dockerfile's last stage: every earlier stage is committed by then.
	LastStage func()
	// Hold, if set, is called once the context's first block is on its
	// way, and the rest is sent when it returns nil (an error ends the
	// build unsent). The engine starts unpacking on the first bytes, and
	// no step runs before the context is whole. The build's time counts
	// from Hold's return.
	Hold func() error
}

// build sends one build to the engine, shows its progress, and returns the
// image ID and how long it took.
func (l *Lab) build(ctx context.Context, spec buildSpec) (string, time.Duration, error) {
	if err := engine.Require(l.Client, needMultiStage); err != nil {
		return "", 0, err
	}
	if l.Settings.Builder == settings.BuildKit {
		if err := engine.Require(l.Client, needBuildKit); err != nil {
			return "", 0, err
		}
	}
	if err := l.EnsureBases(ctx); err != nil {
		return "", 0, err
	}
	cmd := "docker image build"
	if spec.Target != "" {
		cmd += " --target " + spec.Target
	}
	if spec.NoCache {
		cmd += " --no-cache"
	}
	tag := spec.Tags[0]
	out := spec.Out
	if out == nil {
		out = l.Out
	}
	mode := l.Settings.Progress
	if spec.Out != nil && mode != settings.ProgressQuiet {
		mode = settings.ProgressPlain // a buffer is no terminal
	}
	labels := l.buildLabels(spec)
	fmt.Fprintf(out, "==> %s -t %s .   (%s, %s builder)\n", cmd, strings.Join(spec.Tags, " -t "), spec.Display, l.Settings.Builder)
	start := time.Now()
	opts := build.ImageBuildOptions{
		Tags:        spec.Tags,
		Dockerfile:  "Dockerfile",
		Target:      spec.Target,
		Labels:      labels,
		NoCache:     spec.NoCache,
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
		// LAB_BASE=pull builds from the registry's current base images,
		// as `docker build --pull` does.
		PullParent: l.Settings.Base == settings.BasePull,
	}
	if l.Settings.Builder == settings.BuildKit {
		opts.Version = build.BuilderBuildKit
		var err error
		if opts.SessionID, err = l.buildSession(ctx); err != nil {
			return "", 0, err
		}
	} else {
		creds, err := l.credentials()
		if err != nil {
			return "", 0, err
		}
		if opts.AuthConfigs, err = creds.All(); err != nil {
			return "", 0, fmt.Errorf("%w: %v", ErrBadCredentials, err)
		}
	}
	previous := l.unlabelledImage(ctx, spec)
	pr, pw := io.Pipe()
	released := make(chan time.Time, 1)
	var w io.Writer = pw
	if spec.Hold != nil {
		w = &heldWriter{w: pw, first: contextFirstBlock, hold: spec.Hold, released: released}
	}
	go func() { pw.CloseWithError(l.writeContext(w, spec)) }()
	resp, err := l.Client.ImageBuild(ctx, pr, opts)
	if err != nil {
		pr.CloseWithError(err)
		return "", 0, fmt.Errorf("build %s: %w", tag, err)
	}
	defer resp.Body.Close()
	var body io.Reader = resp.Body
	if spec.LastStage != nil && l.Settings.Builder == settings.Classic {
		stages, err := l.stages(spec.Dockerfile, "")
		if err != nil {
			return "", 0, err
		}
		body = progress.WatchSteps(body, len(stages), spec.LastStage)
	}
	var committed []string
	if l.Settings.Builder == settings.Classic {
		body = progress.WatchCommits(body, func(id string) { committed = append(committed, id) })
	}
	id, err := progress.Read(ctx, body, l.Settings.Builder, mode, out)
	// What the build committed is the lab's, whether it succeeded or not:
	// a failed build's steps stay as the classic builder's cache, and
	// clean removes them.
	l.record(ctx, committed, out)
	if err != nil {
		return "", 0, fmt.Errorf("build %s: %w", tag, err)
	}
	select {
	case start = <-released:
	default:
	}
	took := time.Since(start)
	fmt.Fprintf(out, "    %s = %s (%.1fs)\n", tag, display.ShortID(id), took.Seconds())
	if previous != "" && previous != id {
		l.retire(ctx, previous, tag, out)
	}
	return id, took, nil
}

// contextFirstBlock is what a held build sends at once: one tar block, the
// header of the context's first entry.
const contextFirstBlock = 512

// heldWriter passes the first bytes through, then waits for hold before
// the rest, and tells released when it let them go.
type heldWriter struct {
	w        io.Writer
	first    int
	hold     func() error
	released chan<- time.Time
}

func (h *heldWriter) Write(p []byte) (int, error) {
	written := 0
	if h.first > 0 {
		n, err := h.w.Write(p[:min(h.first, len(p))])
		written += n
		h.first -= n
		if err != nil || written == len(p) {
			return written, err
		}
		p = p[n:]
	}
	if h.hold != nil {
		if err := h.hold(); err != nil {
			return written, err
		}
		h.hold = nil
		h.released <- time.Now()
	}
	n, err := h.w.Write(p)
	return written + n, err
}

// buildLabels is the label a build puts on its image: the lab's, so clean
// can tell the lab's untagged leftovers from anyone else's. The classic
// builder's builds of the lab's own tags go without. The classic builder
// applies a build label as one more LABEL step, a container commit that
// the seed's builds do not make: about 1 s on the alpine stage cold, and on
// --target builder, where the seed's build is a pure cache hit, a commit of
// the whole golang tree (about 7 s on fuse-overlayfs, which diffs
// naively). The lab keeps a record of the images its classic builds
// commit instead (see package ledger), so it can tell them from the same
// Dockerfile built by hand.
func (l *Lab) buildLabels(spec buildSpec) map[string]string {
	if l.Settings.Builder == settings.Classic && l.isLabTag(spec.Tags[0]) {
		return nil
	}
	return map[string]string{LabelLab: LabValue}
}

// unlabelledImage is the image a build's lab tag names now, if it has no
// lab label (a classic build, the lab's or a person's, made it); else "".
// Once the build has moved the tag, retire decides what becomes of it.
func (l *Lab) unlabelledImage(ctx context.Context, spec buildSpec) string {
	if !l.isLabTag(spec.Tags[0]) {
		return ""
	}
	in, err := l.Client.ImageInspect(ctx, spec.Tags[0])
	if err != nil || (in.Config != nil && in.Config.Labels[LabelLab] == LabValue) {
		return ""
	}
	return in.ID
}

// stopsBeforeLastStage reports whether --target names a stage other than
// the Dockerfile's last.
func (l *Lab) stopsBeforeLastStage(dockerfilePath, target string) (bool, error) {
	if target == "" {
		return false, nil
	}
	stages, err := l.stages(dockerfilePath, "")
	if err != nil {
		return false, err
	}
	return len(stages) > 0 && !strings.EqualFold(target, stages[len(stages)-1].Label()), nil
}

// appDir is the folder sent as the build context: LAB_APP, else app/.
func (l *Lab) appDir() string {
	if l.Settings.App != "" {
		return l.Settings.App
	}
	return filepath.Join(l.Root, "app")
}

// buildContext is the context for a Dockerfile: the app folder, carrying
// only what the Dockerfile's COPY and ADD read.
func (l *Lab) buildContext(dockerfilePath string) (buildcontext.Context, error) {
	sources, err := l.sources(dockerfilePath)
	if err != nil {
		return buildcontext.Context{}, err
	}
	f, err := l.readDockerfile(dockerfilePath)
	if err != nil {
		return buildcontext.Context{}, fmt.Errorf("build context: %w", err)
	}
	return buildcontext.Context{Dir: l.appDir(), Dockerfile: dockerfilePath, DockerfileData: f.data, DockerfileInfo: f.info, Sources: sources}, nil
}

// writeContext streams the build context: the Dockerfile and what it reads
// from the app folder (as the seed's working folder holds them), or only the
// spec's own files.
func (l *Lab) writeContext(w io.Writer, spec buildSpec) error {
	if spec.Files != nil {
		f, err := l.readDockerfile(spec.Dockerfile)
		if err != nil {
			return fmt.Errorf("build context: %w", err)
		}
		return buildcontext.Context{Dockerfile: spec.Dockerfile, DockerfileData: f.data, DockerfileInfo: f.info, Files: spec.Files}.Write(w)
	}
	c, err := l.buildContext(spec.Dockerfile)
	if err != nil {
		return err
	}
	return c.Write(w)
}

// WriteContextTar writes the build context of a lab image to w, as the
// engine receives it, for a look with `tar t`.
func (l *Lab) WriteContextTar(w io.Writer, im Image) error {
	c, err := l.buildContext(l.dockerfilePath(im))
	if err != nil {
		return err
	}
	return c.Write(w)
}

// isLabTag reports whether ref is a tag in one of the lab file's
// repositories.
func (l *Lab) isLabTag(ref string) bool {
	return Engine{Repositories: l.Def.Repositories()}.isLabTag(ref)
}
