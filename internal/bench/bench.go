// Package bench times the lab against the seed's own docker CLI commands,
// side by side in one run: the two sides alternate, and the result is a
// ratio of medians, since the machine is shared and noisy.
package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/magecompile"
)

// Side is one command under test.
type Side struct {
	Name string
	Args []string
	Env  []string
}

// Row is one measured pair (or a single side when Other is empty).
type Row struct {
	Case       string
	Ours       []time.Duration
	Other      []time.Duration
	OursName   string
	OtherName  string
	Target     float64 // the ratio to stay under, 0 for none
	Annotation string
}

// Median of the samples.
func Median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Ratio is ours over the other side's median.
func (r Row) Ratio() float64 {
	o := Median(r.Other)
	if o == 0 {
		return 0
	}
	return float64(Median(r.Ours)) / float64(o)
}

// Met reports whether the row meets its target.
func (r Row) Met() bool { return r.Target == 0 || len(r.Other) == 0 || r.Ratio() <= r.Target }

// Runner runs sides in a folder.
type Runner struct {
	Dir string
	Log io.Writer
}

// Time runs a side once and returns how long it took.
func (r Runner) Time(ctx context.Context, s Side) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, s.Args[0], s.Args[1:]...)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(), s.Env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%s: %w\n%s", s.Name, err, tail(out.String(), 2000))
	}
	return took, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Pair times ours and other alternately n times, running prepare (if set)
// before every single run.
func (r Runner) Pair(ctx context.Context, name string, ours, other Side, n int, prepare func() error, target float64) (Row, error) {
	row := Row{Case: name, OursName: ours.Name, OtherName: other.Name, Target: target}
	for i := 0; i < n; i++ {
		for _, side := range []struct {
			s   Side
			out *[]time.Duration
		}{{ours, &row.Ours}, {other, &row.Other}} {
			if side.s.Args == nil {
				continue
			}
			if prepare != nil {
				if err := prepare(); err != nil {
					return row, err
				}
			}
			d, err := r.Time(ctx, side.s)
			if err != nil {
				return row, err
			}
			*side.out = append(*side.out, d)
			fmt.Fprintf(r.Log, "  %-28s run %d: %.3fs\n", side.s.Name, i+1, d.Seconds())
		}
	}
	return row, nil
}

// Machine describes where the figures were measured.
type Machine struct {
	CPUs          int
	Memory        string
	Engine        string
	Date          string
	CompileSecond float64
}

// Describe fills what can be read here.
func Describe(engine string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Engine: engine, Date: time.Now().UTC().Format("2006-01-02")}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				m.Memory = strings.TrimSpace(strings.TrimPrefix(line, "MemTotal:"))
			}
		}
	}
	return m
}

// WriteTable prints the figures as the README shows them.
func WriteTable(w io.Writer, m Machine, rows []Row) {
	fmt.Fprintf(w, "machine: %d CPUs, %s memory; engine %s; %s\n", m.CPUs, m.Memory, m.Engine, m.Date)
	if m.CompileSecond > 0 {
		fmt.Fprintf(w, "task binary, first compile on an empty Go build cache: %.1fs\n", m.CompileSecond)
	}
	tw := tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "case\truns\tours\tmedian\tdocker CLI\tmedian\tratio\ttarget\t")
	for _, r := range rows {
		other, om, ratio, target := "-", "-", "-", "-"
		if len(r.Other) > 0 {
			other, om, ratio = r.OtherName, fmt.Sprintf("%.3fs", Median(r.Other).Seconds()), fmt.Sprintf("%.2f", r.Ratio())
		}
		if r.Target > 0 {
			met := "met"
			if !r.Met() {
				met = "MISSED"
			}
			target = fmt.Sprintf("<= %.1f %s", r.Target, met)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.3fs\t%s\t%s\t%s\t%s\t\n", r.Case, len(r.Ours), r.OursName, Median(r.Ours).Seconds(), other, om, ratio, target)
	}
	tw.Flush()
	fmt.Fprintln(w, "(medians of the runs of each side; the two sides of a case alternate)")
}

// CompileTaskBinary compiles the Mage targets into dir/lab and returns the
// binary's path and how long it took; with emptyCache, on an empty Go build
// cache, as a newcomer's first `go tool mage` does.
func CompileTaskBinary(ctx context.Context, root, dir string, emptyCache bool) (string, time.Duration, error) {
	var env []string
	if emptyCache {
		cache, err := os.MkdirTemp("", "lab-gocache")
		if err != nil {
			return "", 0, err
		}
		defer os.RemoveAll(cache)
		env = append(env, "GOCACHE="+cache)
	}
	bin := filepath.Join(dir, "lab")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	start := time.Now()
	if err := magecompile.Compile(ctx, root, bin, env); err != nil {
		return "", 0, err
	}
	return bin, time.Since(start), nil
}

// ErrMissed says a ratio missed its target.
var ErrMissed = errors.New("a benchmark missed its target")
