//go:build mage

// The multi-stage build lab, done through the Docker Engine API. The targets
// are thin: the lab lives in internal/lab.
package main

import (
	"context"
	"os"

	"github.com/multistage-lab/multistage-lab/internal/bench"
	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/targets"

	//mage:import
	_ "github.com/multistage-lab/multistage-lab/magefiles/namespaces"
)

// Default runs the whole lab.
var Default = All

// All runs the whole lab: clean, build, verify, run, then the image table.
func All(ctx context.Context) error {
	return targets.Run(ctx, (*lab.Lab).All)
}

// Build builds the lab file's images in its order: multi-state:v1, v2, builder and runtime.
func Build(ctx context.Context) error {
	return targets.Run(ctx, func(l *lab.Lab, ctx context.Context) error {
		_, err := l.BuildAll(ctx)
		return err
	})
}

// Clean removes the lab's containers and multi-state images, and nothing else.
func Clean(ctx context.Context) error {
	return targets.Run(ctx, (*lab.Lab).Clean)
}

// Images prints the lab's and the base images as `docker image ls` does.
func Images(ctx context.Context) error {
	return targets.Read(ctx, (*lab.Lab).ShowImages)
}

// Verify checks the lab's assertions on the engine; exits 1 if any fails.
func Verify(ctx context.Context) error {
	return targets.Run(ctx, func(l *lab.Lab, ctx context.Context) error {
		_, err := l.Verify(ctx)
		return err
	})
}

// Sizes shows where the megabytes went: each image's layers, by stage, and a chart.
func Sizes(ctx context.Context) error {
	return targets.Show(ctx, (*lab.Lab).ShowSizes)
}

// Compare builds the program four ways (one stage, builder pattern, multi-stage, scratch) and compares them.
func Compare(ctx context.Context) error {
	return targets.Show(ctx, (*lab.Lab).ShowComparison)
}

// Walkthrough replays the seed step by step: its commands, then the same through the API.
func Walkthrough(ctx context.Context) error {
	return targets.Show(ctx, func(l *lab.Lab, ctx context.Context) error {
		return l.Walkthrough(ctx, os.Stdin)
	})
}

// Context writes the first image's (multi-state:v1's) build context to standard output as a tar stream (try: go tool mage context | tar t).
func Context() error {
	return targets.RunOffline(func(l *lab.Lab) error {
		return l.WriteContextTar(os.Stdout, l.Images()[0])
	})
}

// Bench times the lab against the seed's docker CLI commands, side by side, and prints the table.
func Bench(ctx context.Context) error {
	return targets.RunOffline(func(l *lab.Lab) error {
		return bench.Lab(ctx, l.Root, os.Stdout, bench.Options{WarmRuns: 7, ColdRuns: 5})
	})
}

// BenchContext streams a generated 1 GiB build context and reports throughput and peak memory.
func BenchContext(ctx context.Context) error {
	return targets.RunOffline(func(l *lab.Lab) error {
		return bench.Context(ctx, l.Root, os.Stdout, bench.ContextOptions{Files: 64, FileSize: 16 << 20, Runs: 3, Ratio: 1.5, PeakLimit: 64 << 20, Build: true})
	})
}

// Run runs multi-state:runtime, prints its output and removes the container.
func Run(ctx context.Context) error {
	return targets.Show(ctx, (*lab.Lab).RunRuntime)
}
