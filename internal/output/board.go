package output

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/multistage-lab/multistage-lab/internal/fleet"
	"golang.org/x/term"
)

// Board is a fleet run's live status on a terminal: one line per engine,
// redrawn in place (building v1, verify 7/10 passed, done), with the last
// line the engine printed. Each engine's whole output goes to a log file
// of its own, so the screen holds a line per engine (or, for more engines
// than it has rows, those at work and a count of the rest); the logs of
// engines that failed are shown when the run ends.
type Board struct {
	out  io.Writer
	size func() (cols, rows int)
	dir  string
	tick time.Duration

	mu     sync.Mutex
	rows   []boardRow
	drawn  int  // lines of the last frame
	frozen bool // no more frames in place: see Freeze
	stop   chan struct{}
	ended  chan struct{}
}

type boardRow struct {
	engine  string
	status  string
	last    string // the last line of the engine's output
	started time.Time
	took    time.Duration
	state   rowState
	log     string
	file    *os.File
}

type rowState int

const (
	waiting rowState = iota
	running
	passed
	failed
)

// NewBoard starts a board of engines on out, a terminal of size's columns
// and rows (asked at each frame, so a resized window is followed), writing
// each engine's output to a log in dir.
func NewBoard(out io.Writer, engines []string, size func() (cols, rows int), dir string) *Board {
	b := &Board{out: out, size: size, dir: dir, tick: 200 * time.Millisecond, stop: make(chan struct{}), ended: make(chan struct{})}
	// An earlier run's logs would be taken for this one's.
	old, _ := filepath.Glob(filepath.Join(dir, "[0-9]*-*.log"))
	for _, f := range old {
		_ = os.Remove(f)
	}
	for _, e := range engines {
		b.rows = append(b.rows, boardRow{engine: e, status: "waiting"})
	}
	b.draw()
	go b.loop()
	return b
}

func (b *Board) loop() {
	defer close(b.ended)
	t := time.NewTicker(b.tick)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.draw()
		case <-b.stop:
			return
		}
	}
}

// Start opens engine i's log and returns where its output goes and what
// tells its status.
func (b *Board) Start(i int) (io.Writer, func(string), error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := &b.rows[i]
	r.state, r.status, r.started = running, "connecting", time.Now()
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("engine logs: %w", err)
	}
	r.log = filepath.Join(b.dir, fmt.Sprintf("%d-%s.log", i+1, fileName(r.engine)))
	f, err := os.Create(r.log)
	if err != nil {
		return nil, nil, fmt.Errorf("engine logs: %w", err)
	}
	r.file = f
	status := func(s string) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.rows[i].state == running {
			b.rows[i].status = s
		}
	}
	return io.MultiWriter(f, &lastLine{b: b, i: i}), status, nil
}

// Finish marks engine i done, failed or interrupted, and closes its log.
func (b *Board) Finish(i int, r fleet.Run) {
	b.mu.Lock()
	defer b.mu.Unlock()
	row := &b.rows[i]
	row.took = r.Took
	row.state, row.status = passed, "done"
	if r.Report != nil {
		row.status = fmt.Sprintf("done, %d/%d passed", r.Report.Passed, len(r.Report.Assertions))
	}
	if r.Err != nil {
		row.state, row.status = failed, "failed: "+fleet.Result(r.Err)
	}
	row.last = ""
	if row.file != nil {
		if r.Err != nil {
			fmt.Fprintf(row.file, "Error: %v\n", r.Err)
		}
		_ = row.file.Close()
		row.file = nil
	}
}

// Freeze stops redrawing in place. On Ctrl-C the terminal echoes ^C and
// mage says it is cancelling: a frame drawn over those lines would be
// drawn in the wrong place. Close then draws the last frame below them.
func (b *Board) Freeze() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.frozen = true
}

// Close stops redrawing and draws the last frame: in place, or below what
// was written since, if the board was frozen.
func (b *Board) Close() {
	close(b.stop)
	<-b.ended
	b.mu.Lock()
	if b.frozen {
		b.frozen, b.drawn = false, 0
	}
	b.mu.Unlock()
	b.draw()
}

// Logs are the engines' log files, in the engines' order ("" for an
// engine that never started).
func (b *Board) Logs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var logs []string
	for _, r := range b.rows {
		logs = append(logs, r.log)
	}
	return logs
}

func (b *Board) draw() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.frozen {
		return
	}
	cols, rows := b.size()
	width := max(cols, 20)
	var f bytes.Buffer
	if b.drawn > 0 {
		fmt.Fprintf(&f, "\x1b[%dA", b.drawn) // up to the frame's first line
	}
	name := 0
	for _, r := range b.rows {
		name = max(name, utf8.RuneCountInString(r.engine))
	}
	name = min(name, width/3)
	lines := b.frame(max(rows-1, 3), name)
	for _, line := range lines {
		f.WriteString("\r\x1b[2K")
		f.WriteString(fit(line, width-1))
		f.WriteByte('\n')
	}
	f.WriteString("\x1b[J") // a longer frame before this one leaves no lines below
	b.drawn = len(lines)
	_, _ = b.out.Write(f.Bytes())
}

// frame is the board's lines, at most height: a line per engine, or, for
// more engines than the terminal has rows (a class of thirty in a small
// window), the engines at work and those that failed first, then a line
// that counts the rest. A frame taller than the screen could not be
// redrawn in place.
func (b *Board) frame(height, name int) []string {
	if len(b.rows) <= height {
		var lines []string
		for _, r := range b.rows {
			lines = append(lines, b.line(r, name))
		}
		return lines
	}
	shown := make([]bool, len(b.rows))
	room := height - 1
	for _, st := range []rowState{running, failed, waiting, passed} {
		for i, r := range b.rows {
			if room > 0 && r.state == st {
				shown[i] = true
				room--
			}
		}
	}
	var lines []string
	count := map[rowState]int{}
	for i, r := range b.rows {
		if shown[i] {
			lines = append(lines, b.line(r, name))
		} else {
			count[r.state]++
		}
	}
	var rest []string
	for _, c := range []struct {
		st   rowState
		what string
	}{{passed, "done"}, {failed, "failed"}, {running, "running"}, {waiting, "waiting"}} {
		if count[c.st] > 0 {
			rest = append(rest, fmt.Sprintf("%d %s", count[c.st], c.what))
		}
	}
	return append(lines, fmt.Sprintf("  … and %d more: %s", len(b.rows)-(height-1), strings.Join(rest, ", ")))
}

// line is one engine's row: its name, what it does, for how long, and the
// last line it printed.
func (b *Board) line(r boardRow, name int) string {
	mark := map[rowState]string{waiting: " ", running: ">", passed: "+", failed: "x"}[r.state]
	took := ""
	switch r.state {
	case running:
		took = fmt.Sprintf("%5.1fs", time.Since(r.started).Seconds())
	case passed, failed:
		took = fmt.Sprintf("%5.1fs", r.took.Seconds())
	}
	s := fmt.Sprintf("%s %-*s  %6s  %-36s", mark, name, fit(r.engine, name), took, r.status)
	if r.last != "" {
		s += "  " + r.last
	}
	return strings.TrimRight(s, " ")
}

// lastLine keeps the last whole line an engine wrote, for its row.
type lastLine struct {
	b    *Board
	i    int
	part []byte
}

func (w *lastLine) Write(p []byte) (int, error) {
	w.part = append(w.part, p...)
	if i := bytes.LastIndexAny(w.part, "\r\n"); i >= 0 {
		lines := bytes.FieldsFunc(w.part[:i], func(r rune) bool { return r == '\n' || r == '\r' })
		for j := len(lines) - 1; j >= 0; j-- {
			if s := printable(string(lines[j])); s != "" {
				w.b.mu.Lock()
				if w.b.rows[w.i].state == running {
					w.b.rows[w.i].last = s
				}
				w.b.mu.Unlock()
				break
			}
		}
		w.part = append(w.part[:0], w.part[i+1:]...)
	}
	return len(p), nil
}

var escapes = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// printable is s without terminal escapes and control characters, its
// spaces trimmed.
func printable(s string) string {
	s = escapes.ReplaceAllString(s, "")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s))
}

// fit cuts s to at most n characters, marking a cut with "…".
func fit(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return string([]rune(s)[:max(n, 0)])
	}
	return string([]rune(s)[:n-1]) + "…"
}

// fileName makes an engine's name (a URL or a context's name) a file name.
func fileName(engine string) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, engine)
	for strings.Contains(s, "__") {
		s = strings.ReplaceAll(s, "__", "_")
	}
	return strings.Trim(s, "_")
}

// Tail is the last n lines of the file at path.
func Tail(path string, n int) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return lines[max(len(lines)-n, 0):], nil
}

// Redraws reports whether w is a terminal the board can redraw in place.
func Redraws(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && redraws(f)
}

// Size is w's size in columns and rows if it is a terminal, else 80 by 24.
func Size(w io.Writer) (cols, rows int) {
	if f, ok := w.(*os.File); ok {
		if cols, rows, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 && rows > 0 {
			return cols, rows
		}
	}
	return 80, 24
}
