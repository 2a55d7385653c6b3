package buildcontext

import (
	"io"
	"time"
)

// FirstBlock is what a held context sends at once: one tar block, the
// header of the context's first entry.
const FirstBlock = 512

// Held is a context held back: it passes the First bytes through to W,
// then waits for Hold before the rest, and tells Released when it let them
// go. The engine starts unpacking a context on its first bytes, so a held
// build's start-up runs while it waits, and no step of it can run before
// its context is whole.
type Held struct {
	W        io.Writer
	First    int
	Hold     func() error
	Released chan<- time.Time
}

func (h *Held) Write(p []byte) (int, error) {
	written := 0
	if h.First > 0 {
		n, err := h.W.Write(p[:min(h.First, len(p))])
		written += n
		h.First -= n
		if err != nil || written == len(p) {
			return written, err
		}
		p = p[n:]
	}
	if h.Hold != nil {
		if err := h.Hold(); err != nil {
			return written, err
		}
		h.Hold = nil
		h.Released <- time.Now()
	}
	n, err := h.W.Write(p)
	return written + n, err
}
