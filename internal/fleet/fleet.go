// Package fleet runs the lab on several engines at once (LAB_ENGINES): a
// class's engines, or every engine a CI pipeline supports. Each engine gets
// the same step through the same connection code as one engine, at most a
// bounded number at a time, its output going where an Output (package
// output's Lines or Board) puts it; the run ends with one summary and one
// report.
package fleet

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/report"
)

// Run is one engine's part of a fleet run.
type Run struct {
	Engine string
	// Report is verify's report, if the step verified.
	Report *report.Report
	Err    error
	Took   time.Duration
}

// Do runs one engine's step, writing to out and telling status what it
// does, and returns verify's report if there is one.
type Do func(ctx context.Context, engine string, out io.Writer, status func(string)) (*report.Report, error)

// Output is where a fleet run's engines write: each engine's lines
// prefixed with its name (Lines), or a live board on a terminal (Board).
type Output interface {
	// Start gives engine i's output and what tells its status.
	Start(i int) (io.Writer, func(string), error)
	// Finish ends engine i's output with its run.
	Finish(i int, r Run)
}

// Each runs do for every engine, at most parallel at a time, and returns
// the runs in the engines' order. An engine that fails does not stop the
// others; ctx's end (Ctrl-C) ends them all.
func Each(ctx context.Context, engines []string, parallel int, out Output, do Do) []Run {
	runs := make([]Run, len(engines))
	slots := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i].Engine = e
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-ctx.Done():
				runs[i].Err = ctx.Err()
				out.Finish(i, runs[i])
				return
			}
			start := time.Now()
			w, status, err := out.Start(i)
			if err == nil {
				runs[i].Report, err = do(ctx, e, w, status)
			}
			runs[i].Err, runs[i].Took = err, time.Since(start)
			out.Finish(i, runs[i])
		}()
	}
	wg.Wait()
	return runs
}

// Fleet is the runs as one report.
func Fleet(runs []Run) report.Fleet {
	fl := report.Fleet{Tool: "multistage-lab", GeneratedAt: time.Now().UTC()}
	for _, r := range runs {
		e := report.EngineEntry{Name: r.Engine, Seconds: r.Took.Seconds(), Report: r.Report}
		if r.Err != nil {
			e.Error = Result(r.Err)
		}
		fl.Engines = append(fl.Engines, e)
	}
	return fl
}

// Result is an engine's failure in one line: "interrupted" for Ctrl-C.
func Result(err error) string {
	if errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	return oneLine(err.Error())
}

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
