// Package seed is this repository's own targets, for the seed's lab only:
// build:v1, build:v2, build:builder and build:runtime (the seed's four
// tags by name), and the benchmarks, which measure the lab against the
// seed's docker CLI commands (scripts/seed-lab.sh). magefiles/magefile.go
// imports it beside labtargets and labtargets/namespaces; another
// repository imports those two.
package seed

import (
	"context"

	"github.com/magefile/mage/mg"

	"github.com/multistage-lab/multistage-lab/internal/bench"
	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/output"
	"github.com/multistage-lab/multistage-lab/internal/targets"
)

// Build builds one of the seed's four images.
type Build mg.Namespace

// V1 builds multi-state:v1 from the Dockerfile with numbered stages.
func (Build) V1(ctx context.Context) error { return targets.Build(ctx, targets.Process(), "v1") }

// V2 builds multi-state:v2 from the Dockerfile with named stages.
func (Build) V2(ctx context.Context) error { return targets.Build(ctx, targets.Process(), "v2") }

// Builder builds multi-state:builder, the v2 Dockerfile's builder stage.
func (Build) Builder(ctx context.Context) error {
	return targets.Build(ctx, targets.Process(), "builder")
}

// Runtime builds multi-state:runtime, the v2 Dockerfile's runtime stage.
func (Build) Runtime(ctx context.Context) error {
	return targets.Build(ctx, targets.Process(), "runtime")
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
