package lab

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"

	"github.com/multistage-lab/multistage-lab/internal/buildcontext"
	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
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

// API versions the builds need: --target arrived in 1.29 (Docker 17.05, the
// release that brought multi-stage builds), BuildKit builds in 1.39 (18.09).
var (
	needMultiStage = engine.Requirement{What: "a multi-stage build with --target", Version: "1.29", Remedy: "use Docker 17.05 or newer"}
	needBuildKit   = engine.Requirement{What: "a BuildKit build", Version: "1.39", Remedy: "set LAB_BUILDER=classic, or use Docker 18.09 or newer"}
)

// Build builds one lab image, making the base images first if needed.
func (l *Lab) Build(ctx context.Context, im Image) (Built, error) {
	return l.buildImage(ctx, imageBuild{Image: im})
}

// imageBuild is one build of a lab image, and how it goes beside others.
type imageBuild struct {
	Image Image
	// NoCache builds it without the cache, as the image's own no-cache does.
	NoCache bool
	// Out keeps its output and events (nil: the lab's own).
	Out *recording
	// LastStage, Hold, Ready and Shared are buildSpec's.
	LastStage   func()
	Hold, Ready func() error
	Shared      *progress.Shared
}

// buildImage builds b.Image, and notes what it built.
func (l *Lab) buildImage(ctx context.Context, b imageBuild) (Built, error) {
	im, hold, ready := b.Image, b.Hold, b.Ready
	requested := time.Now()
	if ready != nil && hold == nil {
		hold = func() error { return nil }
	}
	// A held build is building once its context is released.
	if hold == nil {
		l.buildingNow(im.Name, true)
	} else {
		wait := hold
		hold = func() error {
			err := wait()
			if err == nil {
				l.buildingNow(im.Name, true)
			}
			return err
		}
	}
	defer l.buildingNow(im.Name, false)
	id, took, err := l.build(ctx, buildSpec{
		Tags:       []string{im.Tag},
		Dockerfile: l.dockerfilePath(im),
		Display:    im.Dockerfile,
		Target:     im.Target,
		NoCache:    b.NoCache || im.NoCache,
		Args:       l.Def.ArgsOf(im),
		Labels:     im.Labels,
		ContextDir: l.Def.ContextDir(im),
		LastStage:  b.LastStage,
		Hold:       hold,
		Ready:      ready,
		Shared:     b.Shared,
		Name:       im.Name,
	}.to(b.Out))
	if err != nil {
		return Built{}, err
	}
	done := Built{Image: im, ID: id, Duration: took, Finished: time.Now(), Requested: requested}
	l.mu.Lock()
	l.builds = append(l.builds, done)
	l.mu.Unlock()
	return done, nil
}

// buildSpec is one image build: its tags, Dockerfile, stage, and what the
// context holds besides the Dockerfile (the program, unless Files says).
type buildSpec struct {
	Tags       []string
	Dockerfile string
	Display    string
	Target     string
	NoCache    bool
	// Args and Labels are the build's --build-arg and --label values;
	// ContextDir its context folder ("": the app folder).
	Args       map[string]string
	Labels     map[string]string
	ContextDir string
	// Out and Events receive this build's output and events instead of the
	// lab's (a build that runs beside others keeps them in a recording,
	// shown when it is done).
	Out    io.Writer
	Events event.Sink
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
	// Ready, if set, is the lab getting ready for the build (its bases
	// seen to, the images its tags name listed) beside the build's start:
	// the build is held (see Hold) until Ready returns nil, and EnsureBases
	// is left to it. It may be called more than once.
	Ready func() error
	// Shared, if set, is the live display a BuildKit build shows its
	// progress in, beside the builds that run with it, its steps under
	// Name.
	Shared *progress.Shared
	Name   string
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
	if err := l.classicCanBuild(spec.Dockerfile); err != nil {
		return "", 0, err
	}
	if spec.Ready == nil {
		if err := l.EnsureBases(ctx); err != nil {
			return "", 0, err
		}
	}
	cmd := "docker image build"
	if spec.Target != "" {
		cmd += " --target " + spec.Target
	}
	if spec.NoCache {
		cmd += " --no-cache"
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Args)) {
		cmd += " --build-arg " + k + "=" + spec.Args[k]
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Labels)) {
		cmd += " --label " + k + "=" + spec.Labels[k]
	}
	contextDir := "."
	if spec.ContextDir != "" {
		contextDir = l.displayPath(spec.ContextDir)
	}
	tag := spec.Tags[0]
	out, say := spec.Out, spec.Events
	if out == nil {
		out, say = l.Out, l.Events
	}
	mode := l.Settings.Progress
	if spec.Out != nil && mode != progress.Quiet {
		mode = progress.Plain // a buffer is no terminal
	}
	labels := l.buildLabels(spec)
	if len(spec.Labels) > 0 {
		labels = maps.Clone(spec.Labels)
		maps.Copy(labels, l.buildLabels(spec))
	}
	var args map[string]*string
	for k, v := range spec.Args {
		if args == nil {
			args = map[string]*string{}
		}
		args[k] = &v
	}
	started := event.BuildStarted{Command: cmd, Tags: spec.Tags, Context: contextDir, Dockerfile: spec.Display, Builder: string(l.Settings.Builder)}
	if spec.Ready == nil {
		say(started)
	}
	start := time.Now()
	opts := build.ImageBuildOptions{
		Tags:        spec.Tags,
		Dockerfile:  "Dockerfile",
		Target:      spec.Target,
		BuildArgs:   args,
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
	// What the tag names before the build moves it: read now, or, for a
	// build sent before the lab is ready (spec.Ready), once it is and
	// before the build is released, so before any step of it runs.
	var previous atomic.Pointer[string]
	hold := spec.Hold
	if spec.Ready != nil {
		hold = func() error {
			if err := spec.Ready(); err != nil {
				return err
			}
			previous.Store(new(l.previousOf(ctx, spec)))
			if spec.Hold != nil {
				return spec.Hold()
			}
			return nil
		}
	} else {
		previous.Store(new(l.previousOf(ctx, spec)))
	}
	pr, pw := io.Pipe()
	released := make(chan time.Time, 1)
	var w io.Writer = pw
	if hold != nil {
		w = &buildcontext.Held{W: pw, First: buildcontext.FirstBlock, Hold: hold, Released: released}
	}
	go func() { pw.CloseWithError(l.writeContext(w, spec)) }()
	resp, err := l.Client.ImageBuild(ctx, pr, opts)
	if err != nil {
		pr.CloseWithError(err)
		if spec.Ready != nil {
			if rerr := spec.Ready(); rerr != nil {
				return "", 0, rerr
			}
		}
		return "", 0, fmt.Errorf("build %s: %w", tag, err)
	}
	defer resp.Body.Close()
	if spec.Ready != nil {
		// Said to start once the lab is ready, so what it said getting
		// ready (a stand-in made) comes first.
		if err := spec.Ready(); err != nil {
			return "", 0, err
		}
		say(started)
	}
	var body io.Reader = resp.Body
	if spec.LastStage != nil && l.Settings.Builder == settings.Classic {
		stages, err := l.stages(spec.Dockerfile, "", spec.Args)
		if err != nil {
			return "", 0, err
		}
		body = progress.WatchSteps(body, len(stages), spec.LastStage)
	}
	var committed []string
	if l.Settings.Builder == settings.Classic {
		body = progress.WatchCommits(body, func(id string) { committed = append(committed, id) })
	}
	var id string
	if spec.Shared != nil && l.Settings.Builder == settings.BuildKit {
		id, err = spec.Shared.Read(ctx, body, spec.Name)
	} else {
		id, err = progress.Read(ctx, body, l.Settings.Builder == settings.BuildKit, mode, out)
	}
	// What the build committed is the lab's, whether it succeeded or not:
	// a failed build's steps stay as the classic builder's cache, and
	// clean removes them.
	l.cleaner().Record(ctx, committed, say)
	if err != nil {
		return "", 0, fmt.Errorf("build %s: %w", tag, err)
	}
	select {
	case start = <-released:
	default:
	}
	took := time.Since(start)
	say(event.BuildDone{Tag: tag, ID: id, Took: took})
	if p := previous.Load(); p != nil && *p != "" && *p != id {
		l.cleaner().Retire(ctx, *p, tag, say)
	}
	return id, took, nil
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
	return map[string]string{LabelLab: l.labValue()}
}

// labValue is what the lab's labels say: its lab file's first repository
// (multi-state, LabValue, in the seed's lab), so two labs on one engine
// each clean only what they made.
func (l *Lab) labValue() string { return l.Def.Repositories()[0] }

// unlabelledImage is the image a build's lab tag names now, if it has no
// lab label (a classic build, the lab's or a person's, made it); else "".
// Once the build has moved the tag, retire decides what becomes of it.
func (l *Lab) unlabelledImage(ctx context.Context, spec buildSpec) string {
	if !l.isLabTag(spec.Tags[0]) {
		return ""
	}
	in, err := l.Client.ImageInspect(ctx, spec.Tags[0])
	if err != nil || (in.Config != nil && in.Config.Labels[LabelLab] == l.labValue()) {
		return ""
	}
	return in.ID
}

// previousOf is unlabelledImage for spec, as the images BuildAll listed
// before its builds say, if they name its tag (see listBeforeBuilds).
func (l *Lab) previousOf(ctx context.Context, spec buildSpec) string {
	l.mu.Lock()
	in, ok := l.listed[spec.Tags[0]]
	delete(l.listed, spec.Tags[0])
	l.mu.Unlock()
	if !ok || !l.isLabTag(spec.Tags[0]) {
		return l.unlabelledImage(ctx, spec)
	}
	if in.Labels[LabelLab] == l.labValue() {
		return ""
	}
	return in.ID
}

// listBeforeBuilds lists, in one call, the images the bases and the lab's
// tags name, for EnsureBases and the builds that follow (see previousOf):
// on the containerd store an inspect costs the engine 15 ms or more, and
// one list of these few images about three inspects' worth, where the
// bases and the four tags took six. A name the list does not show is
// inspected as before.
func (l *Lab) listBeforeBuilds(ctx context.Context, images []Image) {
	refs := filters.NewArgs()
	for _, ref := range l.BaseRefs() {
		if ref != labfile.Scratch {
			refs.Add("reference", ref)
		}
	}
	for _, im := range images {
		refs.Add("reference", im.Tag)
	}
	list, err := l.Client.ImageList(ctx, image.ListOptions{Filters: refs})
	if err != nil {
		return // each is inspected, and an error said, where it is read
	}
	listed := map[string]image.Summary{}
	for _, s := range list {
		for _, tag := range s.RepoTags {
			listed[tag] = s
		}
	}
	l.mu.Lock()
	l.listed = listed
	l.mu.Unlock()
}

// forgetListed drops what listBeforeBuilds listed and no build took.
func (l *Lab) forgetListed() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.listed = nil
}

// isLabTag reports whether ref is a tag in one of the lab file's
// repositories.
func (l *Lab) isLabTag(ref string) bool {
	return Engine{Repositories: l.Def.Repositories()}.IsLabTag(ref)
}
