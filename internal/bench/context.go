package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/report"
)

// ContextOptions sizes the context benchmark.
type ContextOptions struct {
	Files    int
	FileSize int64
	Runs     int
	// Ratio is the most the lab's streaming may take over tar's, 0 for no
	// check (a small context measures mostly process start).
	Ratio float64
	// PeakLimit is the most memory the lab may use, 0 for no check.
	PeakLimit int64
	// Build also runs a real build that sends the context to the engine
	// (it tags multi-state:v1).
	Build bool
}

// measured is one run's wall time and peak memory.
type measured struct {
	took time.Duration
	rss  int64
}

// runMeasured runs a command whose output goes into a pipe that this process
// reads and throws away, so every byte is really produced and moved, as in
// a shell pipeline (a file such as /dev/null would let the kernel skip the
// copy).
func runMeasured(ctx context.Context, dir string, env []string, args ...string) (measured, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	pr, pw, err := os.Pipe()
	if err != nil {
		return measured{}, err
	}
	drained := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, pr); pr.Close(); close(drained) }()
	cmd.Stdout = pw
	errOut := &tailWriter{}
	cmd.Stderr = errOut
	start := time.Now()
	err = cmd.Start()
	pw.Close()
	if err == nil {
		err = cmd.Wait()
	}
	<-drained
	m := measured{took: time.Since(start)}
	if cmd.ProcessState != nil {
		m.rss = maxRSS(cmd.ProcessState)
	}
	if err != nil {
		return m, fmt.Errorf("%v: %w: %s", args, err, errOut.String())
	}
	return m, nil
}

type tailWriter struct{ b []byte }

func (t *tailWriter) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4000 {
		t.b = t.b[len(t.b)-4000:]
	}
	return len(p), nil
}
func (t *tailWriter) String() string { return string(t.b) }

// Context generates a large build context and measures, side by side, the
// lab streaming it (`lab context`) against `tar c` of the same files, both
// into a pipe that is read to the end, then one real build that sends it
// all to the engine. It
// reports wall times, throughput and the lab's peak memory.
func Context(ctx context.Context, root string, out io.Writer, opt ContextOptions) error {
	work, err := os.MkdirTemp("", "lab-ctxbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	app, dfs := filepath.Join(work, "app"), filepath.Join(work, "dockerfiles")
	for _, d := range []string{filepath.Join(app, "data"), dfs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	total := int64(opt.Files) * opt.FileSize
	fmt.Fprintf(out, "generating %d files of %d MiB (%.2f GiB) of random data ...\n", opt.Files, opt.FileSize>>20, float64(total)/(1<<30))
	for i := 0; i < opt.Files; i++ {
		f, err := os.Create(filepath.Join(app, "data", fmt.Sprintf("blob%03d", i)))
		if err != nil {
			return err
		}
		_, err = io.CopyN(f, rand.Reader, opt.FileSize)
		f.Close()
		if err != nil {
			return err
		}
	}
	src, err := os.ReadFile(filepath.Join(root, "app", "helloworld.go"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(app, "helloworld.go"), src, 0o644); err != nil {
		return err
	}
	// The data stage copies everything, so all of it is sent; BuildKit
	// skips the stage itself, since runtime does not need it.
	v1 := "FROM alpine AS data\nCOPY data /data\n\nFROM alpine\nCOPY helloworld.go /\n"
	lab := "version: 1\nimages: [{tag: multi-state:v1, dockerfile: v1.Dockerfile}]\nbases: [{role: alpine, image: v1}]\n"
	for n, text := range map[string]string{"v1.Dockerfile": v1, "lab.yaml": lab} {
		if err := os.WriteFile(filepath.Join(dfs, n), []byte(text), 0o644); err != nil {
			return err
		}
	}

	dir, err := os.MkdirTemp("", "lab-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, _, err := CompileTaskBinary(ctx, root, dir, false)
	if err != nil {
		return err
	}
	env := []string{"LAB_APP=" + app, "LAB_DOCKERFILES=" + dfs, "LAB_PROGRESS=quiet"}

	var ours, tars []time.Duration
	var peak int64
	for i := 0; i < opt.Runs; i++ {
		m, err := runMeasured(ctx, root, env, bin, "context")
		if err != nil {
			return err
		}
		ours, peak = append(ours, m.took), max(peak, m.rss)
		t, err := runMeasured(ctx, work, nil, "tar", "c", "-C", "app", ".")
		if err != nil {
			return err
		}
		tars = append(tars, t.took)
		fmt.Fprintf(out, "  run %d: lab context | (pipe) %.2fs (peak %d MiB), tar c | (pipe) %.2fs\n", i+1, m.took.Seconds(), m.rss>>20, t.took.Seconds())
	}
	row := report.BenchRow{Ours: ours, CLI: tars, Target: opt.Ratio}

	var b measured
	if opt.Build {
		fmt.Fprintln(out, "one real build that sends the whole context to the engine ...")
		if b, err = runMeasured(ctx, root, env, bin, "build:v1"); err != nil {
			return err
		}
	}
	mib := float64(total) / (1 << 20)
	fmt.Fprintf(out, "\ncontext: %.0f MiB in %d files\n", mib, opt.Files)
	fmt.Fprintf(out, "streaming into a pipe: lab %.2fs (%.0f MiB/s), tar c %.2fs (%.0f MiB/s), ratio %.2f (target <= %.1f)\n",
		report.Median(ours).Seconds(), mib/report.Median(ours).Seconds(), report.Median(tars).Seconds(), mib/report.Median(tars).Seconds(), row.Ratio(), opt.Ratio)
	fmt.Fprintf(out, "peak memory of the lab: streaming %d MiB", peak>>20)
	if opt.Build {
		fmt.Fprintf(out, ", the real build %d MiB (it took %.1fs)", b.rss>>20, b.took.Seconds())
	}
	fmt.Fprintf(out, " (target < %d MiB)\n", opt.PeakLimit>>20)
	if !row.Met() {
		return fmt.Errorf("%w: streaming ratio %.2f", ErrMissed, row.Ratio())
	}
	if opt.PeakLimit > 0 && max(peak, b.rss) >= opt.PeakLimit {
		return fmt.Errorf("%w: peak memory %d MiB", ErrMissed, max(peak, b.rss)>>20)
	}
	return nil
}
