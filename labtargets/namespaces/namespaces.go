// Package namespaces is the lab's namespaced Mage targets (build:image,
// verify:rebuild, clean:all, base:standins, base:remove), for any
// repository's magefile, beside package labtargets. They live apart from
// it because Go cannot have both a func Build (the "build" target) and a
// type Build (the "build:" namespace) in one package; one alias puts both
// under one namespace:
//
//	import (
//		//mage:import lab
//		_ "github.com/multistage-lab/multistage-lab/labtargets"
//		//mage:import lab
//		_ "github.com/multistage-lab/multistage-lab/labtargets/namespaces"
//	)
//
// The settings and exit codes are package labtargets's.
package namespaces

import (
	"context"

	"github.com/magefile/mage/mg"

	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/targets"
)

// Build builds one lab image.
type Build mg.Namespace

// Image builds the lab file's image of that name (try: go tool mage build:image v1).
func (Build) Image(ctx context.Context, name string) error {
	return targets.Build(ctx, targets.Process(), name)
}

// Verify holds the checks beyond the lab's assertions.
type Verify mg.Namespace

// Rebuild rebuilds the lab without the cache and checks the binary is byte-identical.
func (Verify) Rebuild(ctx context.Context) error {
	return targets.Run(ctx, targets.Process(), func(l *lab.Lab, ctx context.Context) error {
		_, err := l.VerifyRebuild(ctx)
		return err
	})
}

// Clean removes more than the lab's own images.
type Clean mg.Namespace

// All removes every container and image on the engine; needs LAB_CONFIRM=clean-all.
func (Clean) All(ctx context.Context) error {
	return targets.Run(ctx, targets.Process(), (*lab.Lab).CleanAll)
}

// Base manages the golang and alpine base images.
type Base mg.Namespace

// Standins makes offline stand-ins for golang:latest and alpine:latest where absent.
func (Base) Standins(ctx context.Context) error {
	return targets.Run(ctx, targets.Process(), (*lab.Lab).MakeStandins)
}

// Remove removes the stand-in base images; a real image is never removed.
func (Base) Remove(ctx context.Context) error {
	return targets.Run(ctx, targets.Process(), (*lab.Lab).RemoveStandins)
}
