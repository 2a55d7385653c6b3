package output

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tonistiigi/vt100"

	"github.com/multistage-lab/multistage-lab/internal/fleet"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// screen is a terminal the board draws on: what a person sees.
type screen struct {
	mu sync.Mutex
	vt *vt100.VT100
}

func newScreen(rows, cols int) *screen { return &screen{vt: vt100.NewVT100(rows, cols)} }

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.vt.Write(p)
}

// lines are the screen's non-empty lines.
func (s *screen) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, row := range s.vt.Content {
		if line := strings.TrimRight(string(row), " \x00"); line != "" {
			out = append(out, line)
		}
	}
	return out
}

func TestBoardShowsOneLiveLinePerEngine(t *testing.T) {
	scr := newScreen(24, 160)
	engines := []string{"unix:///var/run/docker.sock", "class-07", "tcp://10.0.0.9:2375"}
	dir := t.TempDir()
	b := NewBoard(scr, engines, func() (int, int) { return 160, 24 }, dir)
	step := make(chan struct{})
	next := make(chan struct{})
	var runs []fleet.Run
	go func() {
		runs = fleet.Each(t.Context(), engines, 3, b, func(ctx context.Context, engine string, w io.Writer, status func(string)) (*report.Report, error) {
			switch engine {
			case "class-07":
				status("building v1")
				fmt.Fprint(w, "#5 [stage-0 3/5] COPY helloworld.go .\n#6 [stage-0 4/5] RUN go mod")
				fmt.Fprint(w, " init\r\n")
			case "tcp://10.0.0.9:2375":
				return nil, errors.New("no Docker Engine answers at tcp://10.0.0.9:2375: start Docker there\nsecond line")
			default:
				status("verify 7/10 passed")
			}
			step <- struct{}{}
			<-next
			return &report.Report{Passed: 10, Assertions: make([]report.Check, 10)}, nil
		})
		close(step)
	}()
	<-step
	<-step
	// The third engine failed at once; the two others are mid-run.
	require.Eventually(t, func() bool {
		l := scr.lines()
		return len(l) == 3 && strings.Contains(l[1], "building v1")
	}, 2*time.Second, 10*time.Millisecond)
	l := scr.lines()
	assert.Regexp(t, `^> unix:///var/run/docker.sock +\d+\.\ds +verify 7/10 passed$`, l[0])
	assert.Regexp(t, `^> class-07 +\d+\.\ds +building v1 +#6 \[stage-0 4/5\] RUN go mod init$`, l[1], "the status and the last line printed")
	assert.Regexp(t, `^x tcp://10.0.0.9:2375 +\d+\.\ds +failed: no Docker Engine answers at tcp://10.0.0.9:2375: start Docker there$`, l[2])
	// Redrawn in place: still three lines a few frames later.
	time.Sleep(3 * b.tick)
	assert.Len(t, scr.lines(), 3)

	close(next)
	for range step {
	}
	b.Close()
	l = scr.lines()
	require.Len(t, l, 3, "one line per engine, nothing else")
	assert.Regexp(t, `^\+ unix:///var/run/docker.sock +\d+\.\ds +done, 10/10 passed$`, l[0])
	assert.Regexp(t, `^\+ class-07 +\d+\.\ds +done, 10/10 passed$`, l[1])
	assert.Error(t, runs[2].Err)

	logs := b.Logs()
	require.Len(t, logs, 3)
	assert.Equal(t, filepath.Join(dir, "2-class-07.log"), logs[1])
	data, err := os.ReadFile(logs[1])
	require.NoError(t, err)
	assert.Equal(t, "#5 [stage-0 3/5] COPY helloworld.go .\n#6 [stage-0 4/5] RUN go mod init\r\n", string(data), "the engine's whole output is in its log")
	tail, err := Tail(logs[2], 5)
	require.NoError(t, err)
	assert.Equal(t, []string{"Error: no Docker Engine answers at tcp://10.0.0.9:2375: start Docker there", "second line"}, tail)
}

func TestBoardLinesFitTheTerminal(t *testing.T) {
	scr := newScreen(10, 40)
	long := "ssh://student@a-very-long-host-name.classroom.example.org"
	b := NewBoard(scr, []string{long, "b"}, func() (int, int) { return 40, 10 }, t.TempDir())
	w, status, err := b.Start(0)
	require.NoError(t, err)
	status("building v2, builder, runtime")
	fmt.Fprintln(w, strings.Repeat("x", 200))
	time.Sleep(3 * b.tick)
	b.Close()
	l := scr.lines()
	require.Len(t, l, 2, "no line wraps: a wrapped line would break the redraw")
	for _, line := range l {
		assert.LessOrEqual(t, len([]rune(line)), 39)
	}
	assert.Contains(t, l[0], "…")
}

func TestPrintableDropsEscapes(t *testing.T) {
	assert.Equal(t, "=> [v2] [builder 3/5] COPY", printable("\x1b[34m=> [v2] [builder 3/5] COPY\x1b[0m\t"))
	assert.Equal(t, "unix_var_run_docker.sock", fileName("unix:///var/run/docker.sock"))
	assert.Equal(t, "ab…", fit("abcdef", 3))
	assert.Equal(t, "abc", fit("abc", 3))
}

// TestAFrozenBoardEndsBelowWhatWasWritten: after Ctrl-C the terminal shows
// ^C and mage's line; the last frame goes below them, whole, and the
// lines above are left as they were.
func TestAFrozenBoardEndsBelowWhatWasWritten(t *testing.T) {
	scr := newScreen(20, 80)
	b := NewBoard(scr, []string{"a", "b"}, func() (int, int) { return 80, 20 }, t.TempDir())
	_, status, err := b.Start(0)
	require.NoError(t, err)
	status("building v1")
	time.Sleep(2 * b.tick)
	b.Freeze()
	fmt.Fprint(scr, "^C\ncancelling mage targets, waiting up to 5 seconds for cleanup...\n")
	time.Sleep(3 * b.tick)
	b.Finish(0, fleet.Run{Engine: "a", Err: context.Canceled})
	b.Close()
	l := scr.lines()
	require.Len(t, l, 6, "%q", l)
	assert.Regexp(t, `^> a +\d+\.\ds +building v1$`, l[0], "the frame before Ctrl-C stays")
	assert.Equal(t, "cancelling mage targets, waiting up to 5 seconds for cleanup...", l[3])
	assert.Regexp(t, `^x a +\d+\.\ds +failed: interrupted$`, l[4])
	assert.Regexp(t, `^  b +waiting$`, l[5])
}

// TestAClassOfThirtyInASmallWindow: more engines than the terminal has
// rows: the frame stays within the screen (so it can be redrawn in place),
// shows the engines at work and those that failed, and counts the rest.
func TestAClassOfThirtyInASmallWindow(t *testing.T) {
	scr := newScreen(12, 100)
	var engines []string
	for i := 1; i <= 30; i++ {
		engines = append(engines, fmt.Sprintf("student-%02d", i))
	}
	b := NewBoard(scr, engines, func() (int, int) { return 100, 12 }, t.TempDir())
	for i := range 30 {
		_, status, err := b.Start(i)
		require.NoError(t, err)
		status("building v1")
		switch {
		case i == 7:
			b.Finish(i, fleet.Run{Engine: engines[i], Err: errors.New("no Docker Engine answers")})
		case i < 25 && i != 20:
			b.Finish(i, fleet.Run{Engine: engines[i], Report: &report.Report{Passed: 10, Assertions: make([]report.Check, 10)}})
		}
	}
	time.Sleep(3 * b.tick)
	l := scr.lines()
	require.Len(t, l, 11, "the frame fills the screen but one row: %q", l)
	// Running: 20 and 25..29 (six); failed: 7; then done ones fill the room.
	for _, want := range []string{"> student-21 ", "> student-26 ", "> student-30 ", "x student-08 "} {
		assert.True(t, slices.ContainsFunc(l, func(s string) bool { return strings.HasPrefix(s, want) }), "%q shown: %q", want, l)
	}
	assert.Equal(t, "  … and 20 more: 20 done", l[10])
	// Redrawn again and again in place: still the one frame.
	time.Sleep(3 * b.tick)
	assert.Len(t, scr.lines(), 11)
	for i := 20; i < 30; i++ {
		if i == 20 || i >= 25 {
			b.Finish(i, fleet.Run{Engine: engines[i], Report: &report.Report{Passed: 10, Assertions: make([]report.Check, 10)}})
		}
	}
	b.Close()
	l = scr.lines()
	require.Len(t, l, 11)
	assert.Contains(t, l, "x student-08    0.0s  failed: no Docker Engine answers", "the failed engine stays shown, in the engines' order")
	assert.Equal(t, "  … and 20 more: 20 done", l[10])
}
