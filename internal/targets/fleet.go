package targets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/fleet"
	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// runFleet runs step on every engine LAB_ENGINES lists (the settings and
// the lab file are checked once, before any engine), prints the summary,
// writes one report of every engine if LAB_REPORT asks, and returns the
// worst engine's error: an interrupt, else an engine that could not be
// reached or used (exit 2), else a failure (exit 1).
func runFleet(ctx context.Context, checked *lab.Lab, step func(*lab.Lab, context.Context) error) error {
	s := checked.Settings
	fmt.Fprintf(os.Stdout, "==> on %d engines, %d at a time: %s\n", len(s.Engines), s.EnginesParallel, strings.Join(s.Engines, ", "))
	runs := fleet.Each(ctx, s.Engines, s.EnginesParallel, os.Stdout, func(ctx context.Context, engine string, out io.Writer) (*report.Report, error) {
		l, closeLab, err := lab.OpenOn(ctx, out, engine)
		if err != nil {
			return nil, err
		}
		defer closeLab()
		var verified *report.Report
		l.Collect = func(r report.Report) { verified = &r }
		err = step(l, ctx)
		return verified, err
	})
	fmt.Fprintln(os.Stdout)
	fleet.WriteSummary(os.Stdout, runs)
	if s.Report != "" {
		if err := writeFleetReport(checked, fleet.Fleet(runs)); err != nil {
			return err
		}
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

// rank orders errors by the exit code they give, an interrupt above all.
func rank(err error) int {
	if errors.Is(err, context.Canceled) {
		return 1000
	}
	return ExitCode(err)
}

// writeFleetReport writes the report of every engine where LAB_REPORT_FILE
// says (default build/report.<ext>); a Markdown report gets each engine's
// chart as an SVG file beside it.
func writeFleetReport(l *lab.Lab, fl report.Fleet) error {
	format := l.Settings.Report
	path := l.Settings.ReportFile
	if path == "" {
		path = filepath.Join(l.Root, "build", "report."+format.Extension())
	}
	if path == "-" {
		return format.WriteFleet(os.Stdout, fl)
	}
	if format == report.Markdown {
		for i, e := range fl.Engines {
			if e.Report == nil || len(e.Report.Sizes) == 0 {
				continue
			}
			svg := fmt.Sprintf("%s.engine%d.sizes.svg", strings.TrimSuffix(path, filepath.Ext(path)), i+1)
			r := *e.Report
			if err := report.WriteFile(svg, func(w io.Writer) error { return report.WriteSVG(w, r) }); err != nil {
				return err
			}
			r.Chart = filepath.Base(svg)
			fl.Engines[i].Report = &r
		}
	}
	if err := report.WriteFile(path, func(w io.Writer) error { return format.WriteFleet(w, fl) }); err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "report (%s, %d engines): %s\n", format, len(fl.Engines), path)
	return nil
}
