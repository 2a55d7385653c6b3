package output

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/multistage-lab/multistage-lab/internal/fleet"
)

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
func (l *Lines) Finish(i int, r fleet.Run) {
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
func WriteSummary(w io.Writer, runs []fleet.Run) {
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
			result = fleet.Result(r.Err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.1fs\t%s\n", r.Engine, version, store, builder, bases, checks, r.Took.Seconds(), result)
	}
	tw.Flush()
}

// WriteFleetStart says which engines a fleet run takes, how many at a time.
func WriteFleetStart(w io.Writer, engines []string, parallel int) {
	fmt.Fprintf(w, "==> on %d engines, %d at a time: %s\n", len(engines), parallel, strings.Join(engines, ", "))
}

// failedLogLines is how much of a failed engine's log the board's run
// shows: enough for a failed check or a build error.
const failedLogLines = 15

// WriteFleetEnd ends a fleet run: after a board (logs holds its engines'
// log files, in the folder logDir; show gives a path as the user reads it),
// the last lines of each failed engine's log
// (an interrupt's are not: every engine has the same); then the summary,
// and where each engine's output is.
func WriteFleetEnd(w io.Writer, runs []fleet.Run, logs []string, logDir string, show func(path string) string) {
	writeFailedLogs(w, runs, logs, show)
	fmt.Fprintln(w)
	WriteSummary(w, runs)
	if logDir != "" {
		fmt.Fprintf(w, "each engine's output: %s\n", show(logDir))
	}
}

// writeFailedLogs writes the last lines of each failed engine's log.
func writeFailedLogs(w io.Writer, runs []fleet.Run, logs []string, show func(path string) string) {
	for i, r := range runs {
		if logs == nil || r.Err == nil || errors.Is(r.Err, context.Canceled) || logs[i] == "" {
			continue
		}
		lines, err := Tail(logs[i], failedLogLines)
		if err != nil || len(lines) < 2 {
			continue // a log of the error alone says what the summary says
		}
		fmt.Fprintf(w, "\n%s failed; the end of %s:\n", r.Engine, show(logs[i]))
		for _, line := range lines {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
}
