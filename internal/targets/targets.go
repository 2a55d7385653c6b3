// Package targets runs the lab's steps for the Mage targets, so each target
// is one line and the exit code follows the README's table.
package targets

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/magefile/mage/mg"

	"github.com/multistage-lab/multistage-lab/internal/lab"
)

// Run opens the lab (settings, project folder, the lab file with its
// Dockerfiles, engine, in that order, so bad input is reported before any
// engine call), runs step, and turns its error into the documented exit
// code.
// On several engines (LAB_ENGINES) a terminal shows a live line per
// engine, then the summary.
func Run(ctx context.Context, step func(*lab.Lab, context.Context) error) error {
	return run(ctx, step, true, true)
}

// Show is Run for a step whose output is its answer (the image table, the
// program's output): on several engines each engine's lines are shown,
// prefixed with its name, on a terminal too.
func Show(ctx context.Context, step func(*lab.Lab, context.Context) error) error {
	return run(ctx, step, false, true)
}

// Read is Show for a step that only reads the engine (the image table): it
// takes no lock, so it answers while another run works there.
func Read(ctx context.Context, step func(*lab.Lab, context.Context) error) error {
	return run(ctx, step, false, false)
}

// locked runs step under the engine's lock (see lab.Lock) when lock is
// set: every step that changes the engine.
func locked(step func(*lab.Lab, context.Context) error, lock bool) func(*lab.Lab, context.Context) error {
	if !lock {
		return step
	}
	return func(l *lab.Lab, ctx context.Context) error {
		release, err := l.Lock(ctx, Name())
		if err != nil {
			return err
		}
		defer release()
		return step(l, ctx)
	}
}

// Name is the target this process runs, as the user typed it ("build",
// "clean:all"), for the lock's labels: mage runs the compiled targets with
// their names as arguments, and none for the default target.
func Name() string {
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return "all"
}

func run(ctx context.Context, step func(*lab.Lab, context.Context) error, live, lock bool) error {
	step = locked(step, lock)
	// Mage cancels ctx on Ctrl-C; SIGTERM (a CI job's timeout, docker stop,
	// kill) is made to do the same, so the lab cleans up either way.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	l, err := lab.OpenOffline(os.Stdout)
	if err == nil && len(l.Settings.Engines) > 0 {
		err = runFleet(ctx, l, step, live)
	} else if err == nil {
		var closeLab func()
		if closeLab, err = l.Connect(ctx); err == nil {
			defer closeLab()
			err = step(l, ctx)
		}
	}
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return mg.Fatal(ExitInterrupted, "interrupted: ", err)
	}
	return mg.Fatal(ExitCode(err), err)
}

// RunOffline runs a step that needs no engine.
func RunOffline(step func(*lab.Lab) error) error {
	l, err := lab.OpenOffline(os.Stdout)
	if err == nil {
		err = step(l)
	}
	if err == nil {
		return nil
	}
	return mg.Fatal(ExitCode(err), err)
}

// Build runs the build of the lab file's image with the given name.
func Build(ctx context.Context, name string) error {
	return Run(ctx, func(l *lab.Lab, ctx context.Context) error {
		im, err := l.ImageNamed(name)
		if err != nil {
			return err
		}
		_, err = l.Build(ctx, im)
		return err
	})
}
