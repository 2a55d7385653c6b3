package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/multistage-lab/multistage-lab/internal/engine"
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
	v, err := c.ServerVersion(ctx)
	c.Close()
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

	fmt.Fprintln(out, "cold builds (the lab's images removed before every run):")
	row, err = r.Pair(ctx, "cold, 4 builds", ours, seed, opt.ColdRuns, clean, 1.0)
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
