package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/event"
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
	// Events receives what the benchmark is doing (nil: nothing).
	Events event.Sink
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
// into a pipe that is read to the end, then, with opt.Build, one real build
// that sends it all to the engine. It returns the wall times and the lab's
// peak memory, with ErrMissed if a figure is over its target, and says
// what it does as events.
func Context(ctx context.Context, root string, opt ContextOptions) (report.ContextBench, error) {
	say := opt.Events
	if say == nil {
		say = event.Discard
	}
	total := int64(opt.Files) * opt.FileSize
	res := report.ContextBench{Files: opt.Files, Bytes: total, PeakLimit: opt.PeakLimit, Stream: report.BenchRow{Target: opt.Ratio}}
	work, err := os.MkdirTemp("", "lab-ctxbench")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(work)
	app, dfs := filepath.Join(work, "app"), filepath.Join(work, "dockerfiles")
	for _, d := range []string{filepath.Join(app, "data"), dfs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return res, err
		}
	}
	say(event.Step{Text: fmt.Sprintf("generating %d files of %d MiB (%.2f GiB) of random data", opt.Files, opt.FileSize>>20, float64(total)/(1<<30))})
	for i := 0; i < opt.Files; i++ {
		f, err := os.Create(filepath.Join(app, "data", fmt.Sprintf("blob%03d", i)))
		if err != nil {
			return res, err
		}
		_, err = io.CopyN(f, rand.Reader, opt.FileSize)
		f.Close()
		if err != nil {
			return res, err
		}
	}
	src, err := os.ReadFile(filepath.Join(root, "app", "helloworld.go"))
	if err != nil {
		return res, err
	}
	if err := os.WriteFile(filepath.Join(app, "helloworld.go"), src, 0o644); err != nil {
		return res, err
	}
	// The data stage copies everything, so all of it is sent; BuildKit
	// skips the stage itself, since runtime does not need it.
	v1 := "FROM alpine AS data\nCOPY data /data\n\nFROM alpine\nCOPY helloworld.go /\n"
	lab := "version: 1\nimages: [{tag: multi-state:v1, dockerfile: v1.Dockerfile}]\nbases: [{role: alpine, image: v1}]\n"
	for n, text := range map[string]string{"v1.Dockerfile": v1, "lab.yaml": lab} {
		if err := os.WriteFile(filepath.Join(dfs, n), []byte(text), 0o644); err != nil {
			return res, err
		}
	}

	dir, err := os.MkdirTemp("", "lab-bench")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	say(event.Step{Text: "compiling the task binary"})
	bin, _, err := CompileTaskBinary(ctx, root, dir, false)
	if err != nil {
		return res, err
	}
	env := []string{"LAB_APP=" + app, "LAB_DOCKERFILES=" + dfs, "LAB_PROGRESS=quiet"}

	for i := 0; i < opt.Runs; i++ {
		m, err := runMeasured(ctx, root, env, bin, "context")
		if err != nil {
			return res, err
		}
		t, err := runMeasured(ctx, work, nil, "tar", "c", "-C", "app", ".")
		if err != nil {
			return res, err
		}
		res.Stream.Ours, res.Stream.CLI, res.Peak = append(res.Stream.Ours, m.took), append(res.Stream.CLI, t.took), max(res.Peak, m.rss)
		say(event.ContextRun{N: i + 1, Lab: m.took, Tar: t.took, Peak: m.rss})
	}
	if opt.Build {
		say(event.Step{Text: "one real build that sends the whole context to the engine"})
		b, err := runMeasured(ctx, root, env, bin, "build:v1")
		if err != nil {
			return res, err
		}
		res.Build, res.BuildPeak = b.took, b.rss
	}
	if missed := res.Missed(); len(missed) > 0 {
		return res, fmt.Errorf("%w: %s", ErrMissed, strings.Join(missed, ", "))
	}
	return res, nil
}
