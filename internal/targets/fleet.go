package targets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/fleet"
	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/output"
	"github.com/multistage-lab/multistage-lab/internal/progress"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// runFleet runs step on every engine LAB_ENGINES lists (the settings and
// the lab file are checked once, before any engine), prints the summary,
// writes one report of every engine if LAB_REPORT asks, and returns the
// worst engine's error: an interrupt, else an engine that could not be
// reached or used (exit 2), else a failure (exit 1). On a terminal a step
// whose summary is its answer (live) shows a live board, a line per
// engine; otherwise, and for a step whose output is its answer (images,
// run), each engine's lines are prefixed with its name.
func runFleet(ctx context.Context, env Env, checked *lab.Lab, step Verifying, live bool) error {
	s := checked.Settings
	output.WriteFleetStart(env.Out, s.Engines, s.EnginesParallel)
	var out fleet.Output = output.NewLines(env.Out, s.Engines)
	var board *output.Board
	logs := filepath.Join(checked.Root, "build", "logs")
	if live && (s.Progress == progress.TTY || (s.Progress == progress.Auto && output.Redraws(env.Out))) {
		board = output.NewBoard(env.Out, s.Engines, func() (int, int) { return output.Size(env.Out) }, logs)
		out = board
		defer context.AfterFunc(ctx, board.Freeze)()
	}
	runs := fleet.Each(ctx, s.Engines, s.EnginesParallel, out, func(ctx context.Context, engine string, out io.Writer, status func(string)) (*report.Report, error) {
		// The engine's status goes to its line on the board, the rest to
		// its lines of text, from the connection on (a plain-TCP warning).
		text := output.Text(out)
		events := func(e event.Event) {
			if s, ok := e.(event.Status); ok {
				status(s.Text)
				return
			}
			text(e)
		}
		l, closeLab, err := lab.OpenOn(ctx, lab.Env{Out: out, Events: events, Getenv: env.Getenv, Dir: env.Dir, Connect: env.Connect}, engine)
		if err != nil {
			return nil, err
		}
		defer closeLab()
		found, err := step(l, ctx)
		if found == nil {
			return nil, err
		}
		r, rerr := l.Report(ctx, *found)
		if rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		return &r, err
	})
	var logFiles []string
	logDir := ""
	if board != nil {
		board.Close()
		logFiles, logDir = board.Logs(), logs
	}
	output.WriteFleetEnd(env.Out, runs, logFiles, logDir, func(path string) string { return displayPath(env.Dir, path) })
	fl := fleet.Fleet(runs)
	if s.Report != "" {
		if err := output.ReportFileIn(checked.Root, s.Report, s.ReportFile).WriteFleet(env.Out, fl); err != nil {
			return err
		}
	}
	if err := output.GitHubFrom(env.Getenv, checked.Root).Fleet(env.Out, fl); err != nil {
		return err
	}
	var worst error
	failed := 0
	for _, r := range runs {
		if r.Err == nil {
			continue
		}
		failed++
		if worst == nil || rank(r.Err) > rank(worst) {
			worst = fmt.Errorf("%s: %w", r.Engine, r.Err)
		}
	}
	if worst == nil {
		return nil
	}
	return fmt.Errorf("%d of %d engines failed; the worst: %w", failed, len(runs), worst)
}

// displayPath is path relative to the working folder wd if it is inside it.
func displayPath(wd, path string) string {
	if rel, ok := display.Within(wd, path); ok {
		return rel
	}
	return path
}

// rank orders errors by the exit code they give, an interrupt above all.
func rank(err error) int {
	if errors.Is(err, context.Canceled) {
		return 1000
	}
	return ExitCode(err)
}
