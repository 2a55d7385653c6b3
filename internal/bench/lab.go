package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/errdefs"

	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/lab"
)

// Options sets how many alternating runs each case gets.
type Options struct {
	WarmRuns int
	ColdRuns int
}

// Lab measures the lab against scripts/seed-lab.sh, side by side: warm and
// cold builds of the four tags with the classic builder on both sides (the
// docker CLI here has no buildx), our BuildKit figure beside them, and `all`
// end to end. It prints the table and returns ErrMissed if a target is
// missed.
func Lab(ctx context.Context, root string, out io.Writer, opt Options) error {
	c, err := engine.Connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	v, err := c.ServerVersion(ctx)
	if err != nil {
		return err
	}
	// What the engine held before the bench: anything untagged that is not
	// in it later is a cached step of the bench's own builds.
	before, err := imageIDs(ctx, c)
	if err != nil {
		return err
	}
	m := Describe(v.Version)

	dir, err := os.MkdirTemp("", "lab-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintln(out, "compiling the task binary on an empty Go build cache ...")
	bin, took, err := CompileTaskBinary(ctx, root, dir, true)
	if err != nil {
		return err
	}
	m.CompileSecond = took.Seconds()

	r := Runner{Dir: root, Log: out}
	quiet := []string{"LAB_PROGRESS=quiet"}
	classic := append([]string{"LAB_BUILDER=classic", "DOCKER_BUILDKIT=0"}, quiet...)
	ours := Side{Name: "lab build (classic)", Args: []string{bin, "build"}, Env: classic}
	seed := Side{Name: "seed-lab.sh (DOCKER_BUILDKIT=0)", Args: []string{"bash", filepath.Join(root, "scripts", "seed-lab.sh")}, Env: []string{"DOCKER_BUILDKIT=0"}}
	clean := func() error {
		_, err := r.Time(ctx, Side{Name: "lab clean", Args: []string{bin, "clean"}})
		return err
	}
	// A cold run builds a changed program, as after an edit: each run, on
	// either side, gets a helloworld.go of its own, so neither side's
	// classic cache (nor anything an earlier run left on the engine) can
	// serve it. Before it, the lab's clean, the seed script's tags on what
	// the bench made (clean keeps those: the lab did not build them), and
	// the untagged steps the bench's builds left, so the engine does not
	// fill up.
	app := filepath.Join(dir, "app")
	program, err := os.ReadFile(filepath.Join(root, "app", "helloworld.go"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(app, 0o755); err != nil {
		return err
	}
	coldRun := 0
	coldClean := func() error {
		if err := clean(); err != nil {
			return err
		}
		if err := untagSince(ctx, c, before, lab.Repository); err != nil {
			return err
		}
		n, err := removeUntaggedSince(ctx, c, before, baseIDs(ctx, c, lab.DefaultBaseRefs))
		if n > 0 {
			fmt.Fprintf(out, "  (removed %d cached build steps the bench's builds left)\n", n)
		}
		if err != nil {
			return err
		}
		coldRun++
		return os.WriteFile(filepath.Join(app, "helloworld.go"), fmt.Appendf(bytes.Clone(program), "\n// cold run %d of the bench at %d\n", coldRun, time.Now().UnixNano()), 0o644)
	}
	oursCold, seedCold := ours, seed
	oursCold.Env = append(slices.Clone(ours.Env), "LAB_APP="+app)
	seedCold.Env = append(slices.Clone(seed.Env), "LAB_APP="+app)

	var rows []Row
	// Warm: prime both sides' caches, then alternate.
	for _, s := range []Side{ours, seed} {
		if _, err := r.Time(ctx, s); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "warm builds of the four tags:")
	row, err := r.Pair(ctx, "warm, 4 builds", ours, seed, opt.WarmRuns, nil, 0.6)
	if err != nil {
		return err
	}
	rows = append(rows, row)

	bk := Side{Name: "lab build (buildkit)", Args: []string{bin, "build"}, Env: append([]string{"LAB_BUILDER=buildkit"}, quiet...)}
	if _, err := r.Time(ctx, bk); err != nil {
		return err
	}
	row, err = r.Pair(ctx, "warm, 4 builds", bk, Side{}, opt.WarmRuns, nil, 0)
	if err != nil {
		return err
	}
	rows = append(rows, row)

	fmt.Fprintln(out, "cold builds (a changed program before every run):")
	row, err = r.Pair(ctx, "cold, 4 builds", oursCold, seedCold, opt.ColdRuns, coldClean, 1.0)
	if err != nil {
		return err
	}
	rows = append(rows, row)

	fmt.Fprintln(out, "all, end to end:")
	row, err = r.Pair(ctx, "all (clean, build, verify, run, images)", Side{Name: "lab (buildkit)", Args: []string{bin}, Env: quiet}, Side{}, opt.ColdRuns, nil, 0)
	if err != nil {
		return err
	}
	rows = append(rows, row)

	fmt.Fprintln(out)
	WriteTable(out, m, rows)
	for _, r := range rows {
		if !r.Met() {
			return fmt.Errorf("%w: %s: ratio %.2f, target %.1f", ErrMissed, r.Case, r.Ratio(), r.Target)
		}
	}
	return nil
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
