//go:build mage

// The multi-stage build lab, done through the Docker Engine API. The
// targets are thin: the lab's own (all, build, verify, ...) are the
// labtargets package's, which any repository's magefile imports the same
// way; the lab lives in internal/lab.
package main

import (
	"context"

	"github.com/multistage-lab/multistage-lab/internal/bench"
	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/output"
	"github.com/multistage-lab/multistage-lab/internal/targets"

	//mage:import
	"github.com/multistage-lab/multistage-lab/labtargets"
	//mage:import
	_ "github.com/multistage-lab/multistage-lab/magefiles/namespaces"
)

// Default runs the whole lab.
var Default = labtargets.All

// Context writes the first image's (multi-state:v1's) build context to standard output as a tar stream (try: go tool mage context | tar t).
func Context() error {
	return targets.RunOffline(targets.Process(), func(l *lab.Lab) error {
		return l.WriteContextTar(l.Out, l.Images()[0])
	})
}

// Bench times the lab's builds against the docker CLI's on every engine (LAB_ENGINES) with each builder, warm and cold, and prints the table; exit 1 if a figure misses its target.
func Bench(ctx context.Context) error {
	return targets.RunOffline(targets.Process(), func(l *lab.Lab) error {
		b, err := bench.Lab(ctx, l.Root, bench.Options{
			Engines:  l.Settings.Engines,
			WarmRuns: l.Settings.BenchWarm,
			ColdRuns: l.Settings.BenchCold,
			Events:   l.Events,
		})
		if len(b.Cells) > 0 {
			output.WriteBench(l.Out, b)
		}
		return err
	})
}

// BenchContext streams a generated 1 GiB build context and reports throughput and peak memory.
func BenchContext(ctx context.Context) error {
	return targets.RunOffline(targets.Process(), func(l *lab.Lab) error {
		c, err := bench.Context(ctx, l.Root, bench.ContextOptions{Files: 64, FileSize: 16 << 20, Runs: 3, Ratio: 1.5, PeakLimit: 64 << 20, Build: true, Events: l.Events})
		if c.Stream.Measured() {
			output.WriteContextBench(l.Out, c)
		}
		return err
	})
}
