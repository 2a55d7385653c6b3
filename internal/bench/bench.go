// Package bench times the lab against the docker CLI doing the same
// builds, side by side in one run: the two sides alternate, and each
// figure is a ratio of medians, since the machine is shared and noisy. It
// returns what it measured (report.Bench) and says what it is doing as
// events; package output renders both.
package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/magecompile"
)

// Side is one command under test.
type Side struct {
	Name string
	Args []string
	Env  []string
}

// Runner runs sides in a folder.
type Runner struct {
	Dir string
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
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
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
// before every single run, and calls ran after each run. The order turns
// each round (ours, other, other, ours, ...), so neither side always runs
// first, after the other's run has warmed what both read.
func (r Runner) Pair(ctx context.Context, ours, other Side, n int, prepare func() error, ran func(side string, i int, d time.Duration)) (o, c []time.Duration, err error) {
	type side struct {
		s   Side
		out *[]time.Duration
	}
	for i := 0; i < n; i++ {
		round := []side{{ours, &o}, {other, &c}}
		if i%2 == 1 {
			round[0], round[1] = round[1], round[0]
		}
		for _, side := range round {
			if prepare != nil {
				if err := prepare(); err != nil {
					return o, c, err
				}
			}
			d, err := r.Time(ctx, side.s)
			if err != nil {
				return o, c, err
			}
			*side.out = append(*side.out, d)
			if ran != nil {
				ran(side.s.Name, i+1, d)
			}
		}
	}
	return o, c, nil
}

// memory is the machine's memory as /proc/meminfo says it ("" elsewhere).
func memory() string {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "MemTotal:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "MemTotal:"))
		}
	}
	return ""
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

// ErrMissed says a figure missed its target.
var ErrMissed = errors.New("a benchmark missed its target")
