// Package targets runs the lab's steps for the Mage targets, so each target
// is one line and the exit code follows the README's table. What a run
// takes from the process (its streams, variables, folder and arguments) is
// an Env: the targets pass the process's, a test its own.
package targets

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/magefile/mage/mg"

	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/output"
)

// Env is what a run takes from whoever runs it.
type Env struct {
	output.Streams
	// Getenv reads the settings' variables (LAB_*, GITHUB_*).
	Getenv func(string) string
	// Dir is where the run starts: the lab is found there or above.
	Dir string
	// Args are the targets as the user typed them, for the lock's label.
	Args []string
	// Connect, if set, reaches the engine (see lab.Env): a test's fake.
	Connect func(ctx context.Context, target string) (engine.Client, error)
}

// Process is the running process's Env: its standard streams, its
// environment, its working folder and the targets it was given.
func Process() Env {
	dir, err := os.Getwd()
	if err != nil {
		dir = "."
	}
	return Env{Streams: output.Std(), Getenv: os.Getenv, Dir: dir, Args: os.Args[1:]}
}

func (e Env) lab() lab.Env {
	return lab.Env{Out: e.Out, Events: output.Text(e.Out), Getenv: e.Getenv, Dir: e.Dir, Connect: e.Connect}
}

// Step is one of the lab's steps on an engine.
type Step func(*lab.Lab, context.Context) error

// Verifying is a step that verifies: it returns what verify found, which
// the run writes as the report LAB_REPORT asks for and as the CI's views.
type Verifying func(*lab.Lab, context.Context) (*lab.Verification, error)

// RunVerifying is Run for a step that verifies.
func RunVerifying(ctx context.Context, env Env, step Verifying) error {
	return run(ctx, env, step, true, true)
}

// verifying is step as a Verifying step that finds nothing.
func verifying(step Step) Verifying {
	return func(l *lab.Lab, ctx context.Context) (*lab.Verification, error) { return nil, step(l, ctx) }
}

// Run opens the lab (settings, project folder, the lab file with its
// Dockerfiles, engine, in that order, so bad input is reported before any
// engine call), runs step under the engine's lock, writes the report and
// the CI's views of what verify found, and turns its error into the
// documented exit code.
// On several engines (LAB_ENGINES) a terminal shows a live line per
// engine, then the summary.
func Run(ctx context.Context, env Env, step Step) error {
	return run(ctx, env, verifying(step), true, true)
}

// Show is Run for a step whose output is its answer (the image table, the
// program's output): on several engines each engine's lines are shown,
// prefixed with its name, on a terminal too.
func Show(ctx context.Context, env Env, step Step) error {
	return run(ctx, env, verifying(step), false, true)
}

// ShowVerifying is Show for a step that verifies.
func ShowVerifying(ctx context.Context, env Env, step Verifying) error {
	return run(ctx, env, step, false, true)
}

// Read is Show for a step that only reads the engine (the image table): it
// takes no lock, so it answers while another run works there.
func Read(ctx context.Context, env Env, step Step) error {
	return run(ctx, env, verifying(step), false, false)
}

// locked runs step under the engine's lock (see lab.Lock) when lock is
// set: every step that changes the engine.
func locked(step Verifying, name string, lock bool) Verifying {
	if !lock {
		return step
	}
	return func(l *lab.Lab, ctx context.Context) (*lab.Verification, error) {
		release, err := l.Lock(ctx, name)
		if err != nil {
			return nil, err
		}
		defer release()
		return step(l, ctx)
	}
}

// Name is the target a run runs, as the user typed it ("build",
// "clean:all"), for the lock's labels: mage runs the compiled targets with
// their names as arguments, and none for the default target.
func (e Env) Name() string {
	for _, a := range e.Args {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return "all"
}

func run(ctx context.Context, env Env, step Verifying, live, lock bool) error {
	step = locked(step, env.Name(), lock)
	// Mage cancels ctx on Ctrl-C; SIGTERM (a CI job's timeout, docker stop,
	// kill) is made to do the same, so the lab cleans up either way.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	l, err := lab.Open(env.lab())
	if err == nil && len(l.Settings.Engines) > 0 {
		err = runFleet(ctx, env, l, step, live)
	} else if err == nil {
		err = runOne(ctx, env, l, step)
	}
	return exit(err)
}

// runOne runs step on the one engine, then writes what verify found (if
// it ran) as LAB_REPORT asks and as the CI's views show it.
func runOne(ctx context.Context, env Env, l *lab.Lab, step Verifying) error {
	closeLab, err := l.Connect(ctx)
	if err != nil {
		return err
	}
	defer closeLab()
	found, err := step(l, ctx)
	// A report (sizes and all) is assembled only when someone reads it.
	gh := output.GitHubFrom(env.Getenv, l.Root)
	if found == nil || (l.Settings.Report == "" && !gh.On()) {
		return err
	}
	r, rerr := l.Report(ctx, *found)
	errs := []error{rerr}
	if rerr == nil {
		if l.Settings.Report != "" {
			errs = append(errs, output.ReportFileIn(l.Root, l.Settings.Report, l.Settings.ReportFile).Write(env.Out, r))
		}
		errs = append(errs, gh.Report(env.Out, r))
	}
	if err != nil {
		return err // the step's own error says most
	}
	return errors.Join(errs...)
}

// exit turns the lab's error into mage's exit code and message.
func exit(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return mg.Fatal(ExitInterrupted, "interrupted: ", err)
	}
	return mg.Fatal(ExitCode(err), err)
}

// RunOffline runs a step that needs no engine.
func RunOffline(env Env, step func(*lab.Lab) error) error {
	l, err := lab.Open(env.lab())
	if err == nil {
		err = step(l)
	}
	return exit(err)
}

// Build runs the build of the lab file's image with the given name.
func Build(ctx context.Context, env Env, name string) error {
	return Run(ctx, env, func(l *lab.Lab, ctx context.Context) error {
		im, err := l.ImageNamed(name)
		if err != nil {
			return err
		}
		_, err = l.Build(ctx, im)
		return err
	})
}
