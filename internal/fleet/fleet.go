// Package fleet runs the lab on several engines at once (LAB_ENGINES): a
// class's engines, or every engine a CI pipeline supports. Each engine gets
// the same step through the same connection code as one engine, at most a
// bounded number at a time; its output lines are prefixed with its name and
// never interleaved mid-line; the run ends with one summary and one report.
package fleet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
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

// Lines writes each engine's output as whole lines prefixed with its name,
// as a log or a CI job shows them.
type Lines struct {
	mu      sync.Mutex
	writers []*LineWriter
}

// NewLines writes the engines' lines to dst.
func NewLines(dst io.Writer, engines []string) *Lines {
	width := 0
	for _, e := range engines {
		width = max(width, len(e))
	}
	l := &Lines{}
	for _, e := range engines {
		l.writers = append(l.writers, &LineWriter{Mu: &l.mu, Dst: dst, Prefix: fmt.Sprintf("%-*s | ", width, e)})
	}
	return l
}

// Start gives engine i's prefixed writer; a status is not shown.
func (l *Lines) Start(i int) (io.Writer, func(string), error) {
	return l.writers[i], func(string) {}, nil
}

// Finish says why engine i failed, if it did, and writes what is left of
// its last line.
func (l *Lines) Finish(i int, r Run) {
	w := l.writers[i]
	if r.Err != nil {
		fmt.Fprintf(w, "Error: %v\n", r.Err)
	}
	w.Flush()
}

// LineWriter writes whole lines to Dst, each after Prefix, under Mu, which
// the writers of one output share: lines of several engines interleave,
// their characters never do.
type LineWriter struct {
	Mu     *sync.Mutex
	Dst    io.Writer
	Prefix string
	buf    []byte
}

func (w *LineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	i := bytes.LastIndexByte(w.buf, '\n')
	if i < 0 {
		return len(p), nil
	}
	w.emit(w.buf[:i+1])
	w.buf = append(w.buf[:0], w.buf[i+1:]...)
	return len(p), nil
}

// Flush writes what is left of a last line without its newline.
func (w *LineWriter) Flush() {
	if len(w.buf) > 0 {
		w.emit(append(w.buf, '\n'))
		w.buf = w.buf[:0]
	}
}

func (w *LineWriter) emit(lines []byte) {
	var b bytes.Buffer
	for _, line := range bytes.SplitAfter(lines, []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		// A carriage return redraws a terminal line; in a shared log it
		// would overwrite another engine's, so each part is a line.
		for _, part := range bytes.Split(bytes.TrimSuffix(line, []byte{'\n'}), []byte{'\r'}) {
			if len(part) > 0 {
				b.WriteString(w.Prefix)
				b.Write(part)
				b.WriteByte('\n')
			}
		}
	}
	w.Mu.Lock()
	defer w.Mu.Unlock()
	_, _ = w.Dst.Write(b.Bytes())
}

// WriteSummary prints the matrix: each engine's version, image store,
// builder, bases, assertions and time, or why it has none.
func WriteSummary(w io.Writer, runs []Run) {
	tw := tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "ENGINE\tVERSION\tIMAGE STORE\tBUILDER\tBASES\tASSERTIONS\tTIME\tRESULT")
	for _, r := range runs {
		version, store, builder, bases, checks := "-", "-", "-", "-", "-"
		if rep := r.Report; rep != nil {
			version, store, builder = rep.Engine.Version, rep.Engine.ImageStore, rep.Builder
			var bs []string
			for _, b := range rep.Bases {
				bs = append(bs, b.Role+" "+b.Kind)
			}
			bases = strings.Join(bs, ", ")
			checks = fmt.Sprintf("%d of %d", rep.Passed, len(rep.Assertions))
		}
		result := "ok"
		if r.Err != nil {
			result = Result(r.Err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.1fs\t%s\n", r.Engine, version, store, builder, bases, checks, r.Took.Seconds(), result)
	}
	tw.Flush()
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
