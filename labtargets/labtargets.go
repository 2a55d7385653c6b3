// Package labtargets is the lab's Mage targets, for any repository's
// magefile. One import brings them in under a namespace of your choosing:
//
//	import (
//		//mage:import lab
//		_ "github.com/multistage-lab/multistage-lab/labtargets"
//	)
//
// and `go tool mage -l` lists lab:all, lab:build, lab:verify, lab:clean,
// lab:images, lab:sizes, lab:compare, lab:walkthrough and lab:run. They
// run on that repository's own lab: the dockerfiles/lab.yaml found in the
// folder mage runs in or above (or the folder LAB_DOCKERFILES names), its
// Dockerfiles and its app/ (or LAB_APP). Every LAB_ setting the README
// lists applies, and the exit codes are the README's.
//
// The targets write only through the lab's one output package, to the
// process's standard streams.
package labtargets

import (
	"context"

	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/targets"
)

// All runs the whole lab: clean, build, verify, run, then the image table.
func All(ctx context.Context) error {
	return targets.Run(ctx, targets.Process(), (*lab.Lab).All)
}

// Build builds the lab file's images, in its order.
func Build(ctx context.Context) error {
	return targets.Run(ctx, targets.Process(), func(l *lab.Lab, ctx context.Context) error {
		_, err := l.BuildAll(ctx)
		return err
	})
}

// Verify checks the lab file's checks on the engine; exits 1 if any fails.
func Verify(ctx context.Context) error {
	return targets.Run(ctx, targets.Process(), func(l *lab.Lab, ctx context.Context) error {
		_, err := l.Verify(ctx)
		return err
	})
}

// Clean removes the containers and images the lab made from its lab file's images, and nothing else.
func Clean(ctx context.Context) error {
	return targets.Run(ctx, targets.Process(), (*lab.Lab).Clean)
}

// Images prints the lab's and its base images as `docker image ls` does.
func Images(ctx context.Context) error {
	return targets.Read(ctx, targets.Process(), (*lab.Lab).ShowImages)
}

// Sizes shows where the megabytes went: each image's layers, by stage, and a chart.
func Sizes(ctx context.Context) error {
	return targets.Show(ctx, targets.Process(), (*lab.Lab).ShowSizes)
}

// Compare builds the approaches the lab's compare.yaml lists and compares them.
func Compare(ctx context.Context) error {
	return targets.Show(ctx, targets.Process(), (*lab.Lab).ShowComparison)
}

// Walkthrough replays the lab file's steps: the commands, then the same through the API.
func Walkthrough(ctx context.Context) error {
	env := targets.Process()
	return targets.Show(ctx, env, func(l *lab.Lab, ctx context.Context) error {
		return l.Walkthrough(ctx, env.In)
	})
}

// Run runs the lab's program image (the one its first run check names), prints its output and removes the container.
func Run(ctx context.Context) error {
	return targets.Show(ctx, targets.Process(), (*lab.Lab).RunRuntime)
}
