// Package progress reads an image build's response stream to its end and
// shows it the way `docker build` does: BuildKit's trace through BuildKit's
// own progressui, the classic builder's messages through jsonmessage.
package progress

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/pkg/jsonmessage"
	controlapi "github.com/moby/buildkit/api/services/control"
	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/opencontainers/go-digest"
	"golang.org/x/term"
	"google.golang.org/protobuf/proto"
)

// BuildError is a build that the engine reported as failed, with what the
// failing step printed.
type BuildError struct {
	Message string
	// Output is the rendered progress of the failed build, kept even when
	// progress was not shown.
	Output string
}

func (e *BuildError) Error() string { return e.Message }

// quietTail bounds what a quiet build keeps to show if it fails.
const quietTail = 64 << 10

// Mode is how build progress is shown, as `docker build --progress` names
// it (LAB_PROGRESS).
type Mode string

// The modes.
const (
	Auto  Mode = "auto"
	TTY   Mode = "tty"
	Plain Mode = "plain"
	Quiet Mode = "quiet"
)

// Modes are the modes in the order LAB_PROGRESS lists them; the first is
// the default.
var Modes = []Mode{Auto, TTY, Plain, Quiet}

// Read consumes a build response stream, renders it to out in the given mode,
// and returns the built image's ID. A build failure arrives inside the
// stream; it is returned as a *BuildError.
func Read(ctx context.Context, body io.Reader, buildkit bool, mode Mode, out io.Writer) (string, error) {
	var kept *tailBuffer
	target := out
	if mode == Quiet {
		kept = &tailBuffer{max: quietTail}
		target = kept
		mode = Plain
	}
	var id string
	var err error
	if buildkit {
		id, err = readBuildKit(ctx, body, mode, target)
	} else {
		id, err = readClassic(ctx, body, mode, target)
	}
	var be *BuildError
	if errors.As(err, &be) && kept != nil {
		be.Output = kept.String()
		fmt.Fprint(out, be.Output)
	}
	return id, err
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func readBuildKit(ctx context.Context, body io.Reader, mode Mode, out io.Writer) (string, error) {
	dmode := progressui.PlainMode
	if mode == TTY || (mode == Auto && IsTerminal(out)) {
		dmode = progressui.TtyMode
	}
	display, err := progressui.NewDisplay(out, dmode)
	if err != nil {
		return "", fmt.Errorf("progress: %w (use LAB_PROGRESS=plain when the output is not a terminal)", err)
	}
	statuses := make(chan *bkclient.SolveStatus)
	done := make(chan error, 1)
	go func() {
		// The display must drain the channel to the end even if ctx ends.
		_, err := display.UpdateFrom(context.WithoutCancel(ctx), statuses)
		done <- err
	}()
	id, err := decodeBuildKit(ctx, body, func(st *bkclient.SolveStatus) { statuses <- st })
	close(statuses)
	if derr := <-done; derr != nil && err == nil {
		return "", fmt.Errorf("progress: %w", derr)
	}
	return id, err
}

// decodeBuildKit reads a BuildKit build's stream to its end, hands each
// status to send, and returns the image ID.
func decodeBuildKit(ctx context.Context, body io.Reader, send func(*bkclient.SolveStatus)) (string, error) {
	var id string
	var buildErr error
	dec := json.NewDecoder(body)
	var readErr error
	for {
		var msg jsonmessage.JSONMessage
		if err := dec.Decode(&msg); err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = fmt.Errorf("%w: %v", ErrCutShort, err)
			}
			break
		}
		switch {
		case msg.Error != nil:
			buildErr = &BuildError{Message: strings.TrimSpace(msg.Error.Message)}
		case msg.ID == "moby.buildkit.trace" && msg.Aux != nil:
			var dt []byte
			if err := json.Unmarshal(*msg.Aux, &dt); err != nil {
				continue
			}
			var resp controlapi.StatusResponse
			if err := proto.Unmarshal(dt, &resp); err != nil {
				continue
			}
			send(bkclient.NewSolveStatus(&resp))
		case msg.ID == "moby.image.id" && msg.Aux != nil:
			var r build.Result
			if err := json.Unmarshal(*msg.Aux, &r); err == nil {
				id = r.ID
			}
		}
	}
	if buildErr != nil {
		return "", buildErr
	}
	if readErr != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", readErr
	}
	if id == "" {
		return "", ErrCutShort
	}
	return id, nil
}

// Shared is one live display for BuildKit builds that run together, as
// docker buildx bake shows its targets: every build's statuses go to one
// progressui display, each step's name prefixed with its build's.
type Shared struct {
	statuses chan *bkclient.SolveStatus
	done     chan error
}

// NewShared starts a display on out in mode (tty or plain).
func NewShared(ctx context.Context, out io.Writer, mode Mode) (*Shared, error) {
	dmode := progressui.PlainMode
	if mode == TTY || (mode == Auto && IsTerminal(out)) {
		dmode = progressui.TtyMode
	}
	display, err := progressui.NewDisplay(out, dmode)
	if err != nil {
		return nil, fmt.Errorf("progress: %w (use LAB_PROGRESS=plain when the output is not a terminal)", err)
	}
	s := &Shared{statuses: make(chan *bkclient.SolveStatus), done: make(chan error, 1)}
	go func() {
		_, err := display.UpdateFrom(context.WithoutCancel(ctx), s.statuses)
		s.done <- err
	}()
	return s, nil
}

// Read reads one build's stream into the display, its steps named
// "[name] ...", and returns the image ID.
func (s *Shared) Read(ctx context.Context, body io.Reader, name string) (string, error) {
	// Each build's steps are its own: the same step in two builds (the
	// same digest) would otherwise be one line whose state flips between
	// theirs, and the display would never say FINISHED.
	own := func(d digest.Digest) digest.Digest { return digest.Digest(string(d) + "@" + name) }
	return decodeBuildKit(ctx, body, func(st *bkclient.SolveStatus) {
		for _, v := range st.Vertexes {
			v.Name = "[" + name + "] " + v.Name
			v.Digest = own(v.Digest)
			for i := range v.Inputs {
				v.Inputs[i] = own(v.Inputs[i])
			}
		}
		for _, x := range st.Statuses {
			x.Vertex = own(x.Vertex)
		}
		for _, x := range st.Logs {
			x.Vertex = own(x.Vertex)
		}
		for _, x := range st.Warnings {
			x.Vertex = own(x.Vertex)
		}
		s.statuses <- st
	})
}

// Close ends the display once every Read has returned.
func (s *Shared) Close() error {
	close(s.statuses)
	if err := <-s.done; err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	return nil
}

// ErrCutShort is a build stream that ended before the engine said the build
// was done: the connection to the engine was lost.
var ErrCutShort = errors.New("the build output ended before the image was built (was the connection to the engine lost?)")

func readClassic(ctx context.Context, body io.Reader, mode Mode, out io.Writer) (string, error) {
	var id string
	aux := func(msg jsonmessage.JSONMessage) {
		var r build.Result
		if err := json.Unmarshal(*msg.Aux, &r); err == nil && r.ID != "" {
			id = r.ID
		}
	}
	var fd uintptr
	tty := false
	if f, ok := out.(*os.File); ok && mode != Plain {
		fd, tty = f.Fd(), term.IsTerminal(int(f.Fd()))
	}
	if mode == TTY && !tty {
		return "", errors.New("progress: output is not a terminal (use LAB_PROGRESS=plain or auto)")
	}
	err := jsonmessage.DisplayJSONMessagesStream(body, out, fd, tty, aux)
	var jerr *jsonmessage.JSONError
	if errors.As(err, &jerr) {
		return "", &BuildError{Message: strings.TrimSpace(jerr.Message)}
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrCutShort, err)
	}
	if id == "" {
		return "", ErrCutShort
	}
	return id, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	buf bytes.Buffer
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return t.buf.String() }

// stepFrom is how the classic builder announces a stage in its stream:
// "Step 6/10 : FROM alpine", the instruction as the Dockerfile spells it.
var stepFrom = regexp.MustCompile(`(?i)"stream":"Step \d+/\d+ : FROM\b`)

// WatchSteps passes a classic build's stream through and calls enter once,
// when the build starts its stages-th stage (its last, for a Dockerfile of
// that many stages): the classic builder commits each step before the
// next, so every earlier stage is in the cache by then.
func WatchSteps(r io.Reader, stages int, enter func()) io.Reader {
	return &stepWatcher{r: r, want: stages, enter: enter}
}

type stepWatcher struct {
	r     io.Reader
	want  int
	seen  int
	line  []byte
	enter func()
}

// maxWatched bounds how much of one stream line is kept: a step line is
// short, and output lines need not be kept whole.
const maxWatched = 256

func (w *stepWatcher) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if w.seen < w.want {
		for _, b := range p[:n] {
			if b == '\n' {
				if stepFrom.Match(w.line) {
					if w.seen++; w.seen == w.want {
						w.enter()
					}
				}
				w.line = w.line[:0]
				continue
			}
			if len(w.line) < maxWatched {
				w.line = append(w.line, b)
			}
		}
	}
	return n, err
}

// WatchCommits passes a classic build's stream through and calls commit
// with each image the build committed itself, as the stream names it (12 hex
// digits): a step's result that did not come from the cache, and is not a
// FROM (that is the base image itself). A build that fails or is cut short
// has called commit for every step it finished.
func WatchCommits(r io.Reader, commit func(id string)) io.Reader {
	return &commitWatcher{r: r, commit: commit}
}

type commitWatcher struct {
	r      io.Reader
	commit func(string)
	raw    []byte // the stream's current JSON line
	skip   bool   // the current JSON line is too long to be a step line
	text   []byte // the builder's current line of text
	inStep bool
	from   bool
	cached bool
}

// maxMessage bounds one JSON message kept for reading: the step lines are
// short; a longer line is a step's own output.
const maxMessage = 16 << 10

var stepID = regexp.MustCompile(`^ ---> ([0-9a-f]{12})$`)

func (w *commitWatcher) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	for _, b := range p[:n] {
		if b != '\n' {
			if !w.skip {
				if len(w.raw) < maxMessage {
					w.raw = append(w.raw, b)
				} else {
					w.skip, w.raw = true, w.raw[:0]
				}
			}
			continue
		}
		if !w.skip {
			w.message(bytes.TrimSpace(w.raw))
		}
		w.raw, w.skip = w.raw[:0], false
	}
	return n, err
}

func (w *commitWatcher) message(raw []byte) {
	var m struct {
		Stream string `json:"stream"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return
	}
	for _, c := range []byte(m.Stream) {
		if c != '\n' {
			if len(w.text) < maxWatched {
				w.text = append(w.text, c)
			}
			continue
		}
		w.line(strings.TrimRight(string(w.text), "\r"))
		w.text = w.text[:0]
	}
}

func (w *commitWatcher) line(s string) {
	if rest, ok := strings.CutPrefix(s, "Step "); ok {
		if _, instr, ok := strings.Cut(rest, " : "); ok {
			f := strings.Fields(instr)
			w.inStep, w.cached = true, false
			w.from = len(f) > 0 && strings.EqualFold(f[0], "FROM")
			return
		}
	}
	if strings.TrimSpace(s) == "---> Using cache" {
		w.cached = true
		return
	}
	if m := stepID.FindStringSubmatch(s); m != nil && w.inStep {
		if !w.from && !w.cached {
			w.commit(m[1])
		}
		w.inStep = false
	}
}
