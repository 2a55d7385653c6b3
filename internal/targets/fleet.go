package targets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

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
func runFleet(ctx context.Context, env Env, checked *lab.Lab, step Step, live bool) error {
	s := checked.Settings
	fmt.Fprintf(env.Out, "==> on %d engines, %d at a time: %s\n", len(s.Engines), s.EnginesParallel, strings.Join(s.Engines, ", "))
	var out fleet.Output = fleet.NewLines(env.Out, s.Engines)
	var board *fleet.Board
	logs := filepath.Join(checked.Root, "build", "logs")
	if live && (s.Progress == progress.TTY || (s.Progress == progress.Auto && fleet.Redraws(env.Out))) {
		board = fleet.NewBoard(env.Out, s.Engines, func() (int, int) { return fleet.Size(env.Out) }, logs)
		out = board
		defer context.AfterFunc(ctx, board.Freeze)()
	}
	runs := fleet.Each(ctx, s.Engines, s.EnginesParallel, out, func(ctx context.Context, engine string, out io.Writer, status func(string)) (*report.Report, error) {
		l, closeLab, err := lab.OpenOn(ctx, lab.Env{Out: out, Getenv: env.Getenv, Dir: env.Dir, Connect: env.Connect}, engine)
		if err != nil {
			return nil, err
		}
		defer closeLab()
		var verified *report.Report
		l.Collect = func(r report.Report) { verified = &r }
		text := output.Text(out)
		l.Events = func(e event.Event) {
			if s, ok := e.(event.Status); ok {
				status(s.Text)
				return
			}
			text(e)
		}
		err = step(l, ctx)
		return verified, err
	})
	if board != nil {
		board.Close()
		showFailedLogs(env.Out, env.Dir, runs, board.Logs())
	}
	fmt.Fprintln(env.Out)
	fleet.WriteSummary(env.Out, runs)
	if board != nil {
		fmt.Fprintf(env.Out, "each engine's output: %s\n", displayPath(env.Dir, logs))
	}
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

// failedLogLines is how much of a failed engine's log the board's run
// shows: enough for a failed check or a build error.
const failedLogLines = 15

// showFailedLogs prints the last lines of each failed engine's log (an
// interrupt's are not: every engine has the same), each under its name.
func showFailedLogs(w io.Writer, dir string, runs []fleet.Run, logs []string) {
	for i, r := range runs {
		if r.Err == nil || errors.Is(r.Err, context.Canceled) || logs[i] == "" {
			continue
		}
		lines, err := fleet.Tail(logs[i], failedLogLines)
		if err != nil || len(lines) < 2 {
			continue // a log of the error alone says what the summary says
		}
		fmt.Fprintf(w, "\n%s failed; the end of %s:\n", r.Engine, displayPath(dir, logs[i]))
		for _, line := range lines {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
}

// displayPath is path relative to the working folder wd if it is inside it.
func displayPath(wd, path string) string {
	if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
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
