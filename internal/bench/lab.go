package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// The targets, as ratios of the lab's median to the docker CLI's: a warm
// build of the four tags at most 0.6 of the CLI's (0.4 with BuildKit,
// where the CLI is buildx), a cold one no slower.
const (
	WarmTarget         = 0.6
	WarmBuildKitTarget = 0.4
	ColdTarget         = 1.0
)

// Builders the bench measures, in order.
var Builders = []string{"classic", "buildkit"}

// Options says what the bench measures and how often.
type Options struct {
	// Engines are the engines to measure, as LAB_ENGINES lists them (an
	// engine URL or a docker context's name); none: the one engine the
	// environment names.
	Engines []string
	// WarmRuns and ColdRuns are the alternating runs of each side (no
	// cold runs: the cold figures stay unmeasured).
	WarmRuns, ColdRuns int
	// CachedCompile compiles the task binary with the Go build cache as it
	// is, not an empty one, and leaves its time unmeasured.
	CachedCompile bool
	// Cache is the folder the bench keeps the buildx it builds in
	// (default: multistage-lab in the user's cache folder).
	Cache string
	// Events receives what the bench is doing (nil: nothing).
	Events event.Sink
	// Env is added to both sides' environment (a lab file elsewhere,
	// LAB_DOCKERFILES, with LAB_SEED_REPOSITORY naming its repository for
	// the CLI's side); Repository is the repository both sides' tags are
	// in (default the seed's, multi-state).
	Env        []string
	Repository string
}

// Lab measures the lab's `build` against scripts/seed-lab.sh (the seed's
// four docker CLI commands) on every engine, with each builder, warm and
// cold: DOCKER_BUILDKIT=0 on the CLI's classic side, buildx on its
// BuildKit side. It returns every figure, and ErrMissed if one missed its
// target; a cell that could not be measured says why in its Err, and the
// bench goes on with the next.
func Lab(ctx context.Context, root string, opt Options) (report.Bench, error) {
	say := opt.Events
	if say == nil {
		say = event.Discard
	}
	b := report.Bench{CPUs: runtime.NumCPU(), Memory: memory(), Date: time.Now().UTC().Format("2006-01-02")}
	if opt.Cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return b, fmt.Errorf("the bench's cache folder: %w", err)
		}
		opt.Cache = filepath.Join(base, "multistage-lab")
	}
	bx, err := FindBuildx(ctx, opt.Cache, say)
	if err != nil {
		return b, err
	}
	b.Buildx = bx.About

	dir, err := os.MkdirTemp("", "lab-bench")
	if err != nil {
		return b, err
	}
	defer os.RemoveAll(dir)
	if opt.CachedCompile {
		say(event.Step{Text: "compiling the task binary"})
	} else {
		say(event.Step{Text: "compiling the task binary on an empty Go build cache"})
	}
	bin, took, err := CompileTaskBinary(ctx, root, dir, !opt.CachedCompile)
	if err != nil {
		return b, err
	}
	if !opt.CachedCompile {
		b.Compile = took
	}
	program, err := os.ReadFile(filepath.Join(root, "app", "helloworld.go"))
	if err != nil {
		return b, err
	}
	app := filepath.Join(dir, "app")
	if err := os.MkdirAll(app, 0o755); err != nil {
		return b, err
	}

	targets := opt.Engines
	if len(targets) == 0 {
		targets = []string{""}
	}
	for _, target := range targets {
		m := &machine{root: root, bin: bin, app: app, program: program, bx: bx, opt: opt, say: say, target: target}
		cells, err := m.measure(ctx)
		b.Cells = append(b.Cells, cells...)
		if ctx.Err() != nil {
			return b, ctx.Err()
		}
		if err != nil {
			b.Cells = append(b.Cells, report.BenchCell{Engine: m.name(), Err: err.Error()})
		}
	}
	if missed := b.Missed(); len(missed) > 0 {
		return b, fmt.Errorf("%w: %s", ErrMissed, strings.Join(missed, "; "))
	}
	return b, nil
}

// machine is the bench on one engine.
type machine struct {
	root, bin, app string
	program        []byte
	bx             Buildx
	opt            Options
	say            event.Sink
	target         string // as listed; "" for the environment's engine
	host           string // the engine's address, once connected
	version        string
	coldRun        int
}

func (m *machine) name() string {
	switch {
	case m.target != "":
		return m.target
	case m.host != "":
		return m.host
	}
	return "the environment's engine"
}

// env is what a side's environment adds to reach this engine: its URL or
// context, never LAB_ENGINES (each run is one engine's).
func (m *machine) env() []string {
	env := append([]string{"LAB_ENGINES=", "LAB_PROGRESS=quiet"}, m.opt.Env...)
	switch {
	case strings.Contains(m.target, "://"):
		env = append(env, "DOCKER_HOST="+m.target, "DOCKER_CONTEXT=")
	case m.target != "":
		env = append(env, "DOCKER_HOST=", "DOCKER_CONTEXT="+m.target)
	default:
		// A CLI that reads the bench's config folder still finds the
		// user's current context.
		if name := currentContext(); name != "" {
			env = append(env, "DOCKER_CONTEXT="+name)
		}
	}
	return env
}

// measure times both builders on the engine, warm then cold.
func (m *machine) measure(ctx context.Context) ([]report.BenchCell, error) {
	var c *client.Client
	var err error
	if m.target == "" {
		c, err = engine.Connect(ctx)
	} else {
		c, err = engine.ConnectTo(ctx, m.target)
	}
	if err != nil {
		return nil, err
	}
	defer c.Close()
	m.host = c.DaemonHost()
	v, err := c.ServerVersion(ctx)
	if err != nil {
		return nil, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return nil, err
	}
	m.version = v.Version
	store := checks.StoreOf(info.Driver, info.DriverStatus).String()
	// What the engine held before: anything untagged that is not in it
	// later is a cached step of the bench's own builds.
	before, err := imageIDs(ctx, c)
	if err != nil {
		return nil, err
	}
	r := Runner{Dir: m.root}
	var cells []report.BenchCell
	for _, builder := range Builders {
		cell := report.BenchCell{Engine: m.name(), Version: v.Version, Store: store, Builder: builder}
		ours := Side{Name: "lab build", Args: []string{m.bin, "build"}, Env: append(m.env(), "LAB_BUILDER="+builder)}
		cli := Side{Name: "docker CLI", Args: []string{"bash", filepath.Join(m.root, "scripts", "seed-lab.sh")}, Env: append(m.env(), "DOCKER_BUILDKIT=0")}
		cell.Warm.Target = WarmTarget
		if builder == "buildkit" {
			cli.Env = append(append(m.env(), "DOCKER_BUILDKIT=1"), m.bx.Env...)
			cell.Warm.Target = WarmBuildKitTarget
		}
		cell.Cold.Target = ColdTarget
		ran := func(what string) func(string, int, time.Duration) {
			return func(side string, n int, d time.Duration) {
				m.say(event.BenchRun{Engine: v.Version + " at " + m.name(), Builder: builder, Case: what, Side: side, N: n, Took: d})
			}
		}
		err := func() error {
			// Warm: prime both sides' caches, then alternate.
			for _, s := range []Side{ours, cli} {
				if _, err := r.Time(ctx, s); err != nil {
					return err
				}
			}
			var err error
			if cell.Warm.Ours, cell.Warm.CLI, err = r.Pair(ctx, ours, cli, m.opt.WarmRuns, nil, ran("warm")); err != nil {
				return err
			}
			if m.opt.ColdRuns == 0 {
				return nil
			}
			// Cold: a changed program before every run (see coldClean).
			oursCold, cliCold := ours, cli
			oursCold.Env = append(slices.Clone(ours.Env), "LAB_APP="+m.app)
			cliCold.Env = append(slices.Clone(cli.Env), "LAB_APP="+m.app)
			clean := func() error { return m.coldClean(ctx, r, c, before, ours.Env) }
			cell.Cold.Ours, cell.Cold.CLI, err = r.Pair(ctx, oursCold, cliCold, m.opt.ColdRuns, clean, ran("cold"))
			return err
		}()
		if err != nil {
			if ctx.Err() != nil {
				return cells, ctx.Err()
			}
			cell.Err = brief(err)
		}
		cells = append(cells, cell)
	}
	return cells, nil
}

// coldClean readies a cold run, which builds a changed program, as after
// an edit: each run, on either side, gets a helloworld.go of its own, so
// neither side's cache (nor anything an earlier run left on the engine)
// can serve it; the steps before its COPY stay cached, as they would.
// Before it: the lab's clean, the seed script's tags on what the bench
// made (clean keeps those: the lab did not build them), and the untagged
// steps the bench's builds left, so the engine does not fill up.
func (m *machine) coldClean(ctx context.Context, r Runner, c engine.Client, before map[string]bool, env []string) error {
	if _, err := r.Time(ctx, Side{Name: "lab clean", Args: []string{m.bin, "clean"}, Env: env}); err != nil {
		return err
	}
	repo := m.opt.Repository
	if repo == "" {
		repo = lab.Repository
	}
	if err := untagSince(ctx, c, before, repo); err != nil {
		return err
	}
	n, err := removeUntaggedSince(ctx, c, before, baseIDs(ctx, c, lab.DefaultBaseRefs))
	if n > 0 {
		m.say(event.Said{Text: fmt.Sprintf("  (removed %d cached build steps the bench's builds left)", n)})
	}
	if err != nil {
		return err
	}
	m.coldRun++
	return os.WriteFile(filepath.Join(m.app, "helloworld.go"), fmt.Appendf(bytes.Clone(m.program), "\n// cold run %d of the bench at %d\n", m.coldRun, time.Now().UnixNano()), 0o644)
}

// imageIDs is every image on the engine, intermediate ones included.
func imageIDs(ctx context.Context, c engine.Client) (map[string]bool, error) {
	list, err := c.ImageList(ctx, image.ListOptions{All: true})
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	ids := map[string]bool{}
	for _, s := range list {
		ids[s.ID] = true
	}
	return ids, nil
}

// untagSince takes repo's tags off the images that are not in before: the
// bench's own builds, the seed script's side among them.
func untagSince(ctx context.Context, c engine.Client, before map[string]bool, repo string) error {
	list, err := c.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("reference", repo))})
	if err != nil {
		return fmt.Errorf("list images: %w", err)
	}
	for _, s := range list {
		if before[s.ID] {
			continue
		}
		for _, ref := range s.RepoTags {
			if _, err := c.ImageRemove(ctx, ref, image.RemoveOptions{}); err != nil && !errdefs.IsNotFound(err) {
				return fmt.Errorf("remove %s: %w", ref, err)
			}
		}
	}
	return nil
}

// removeUntaggedSince removes the untagged images that are not in before
// and that descend from one of the bases (image IDs), with their untagged
// parents, and says how many images went.
func removeUntaggedSince(ctx context.Context, c engine.Client, before map[string]bool, bases []string) (int, error) {
	list, err := c.ImageList(ctx, image.ListOptions{All: true})
	if err != nil {
		return 0, fmt.Errorf("list images: %w", err)
	}
	parent := map[string]string{}
	for _, s := range list {
		parent[s.ID] = s.ParentID
	}
	descends := func(id string) bool {
		for seen := 0; id != "" && seen < len(list); seen++ {
			if slices.Contains(bases, id) {
				return true
			}
			id = parent[id]
		}
		return false
	}
	removed := 0
	for _, s := range list {
		if before[s.ID] || (len(s.RepoTags) > 0 && s.RepoTags[0] != "<none>:<none>") || !descends(s.ID) {
			continue
		}
		resp, err := c.ImageRemove(ctx, s.ID, image.RemoveOptions{PruneChildren: true})
		if err != nil {
			// Gone with a child removed before it, or a parent whose
			// child goes later: either way not this call's to remove.
			if errdefs.IsNotFound(err) || errdefs.IsConflict(err) {
				continue
			}
			return removed, fmt.Errorf("remove %s: %w", s.ID, err)
		}
		for _, d := range resp {
			if d.Deleted != "" {
				removed++
			}
		}
	}
	return removed, nil
}

// baseIDs are the image IDs of the lab's base images that are present.
func baseIDs(ctx context.Context, c engine.Client, refs []string) []string {
	var ids []string
	for _, ref := range refs {
		if in, err := c.ImageInspect(ctx, ref); err == nil {
			ids = append(ids, in.ID)
		}
	}
	return ids
}

// brief is an error in one line: its first, and the last of the output
// behind it.
func brief(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	if len(lines) == 1 {
		return lines[0]
	}
	return lines[0] + ": " + strings.TrimSpace(lines[len(lines)-1])
}
