package buildcontext

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A held context sends its first block, then nothing until the hold is
// released; the rest follows whole.
func TestHeldWriterSendsTheFirstBlockThenWaits(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 200) // 3200 bytes
	release := make(chan struct{})
	released := make(chan time.Time, 1)
	pr, pw := io.Pipe()
	w := &Held{W: pw, First: FirstBlock, Hold: func() error { <-release; return nil }, Released: released}
	go func() {
		_, err := w.Write(data[:1000])
		if err == nil {
			_, err = w.Write(data[1000:])
		}
		pw.CloseWithError(err)
	}()

	got := make([]byte, len(data))
	n, err := io.ReadAtLeast(pr, got, FirstBlock)
	require.NoError(t, err)
	assert.Equal(t, FirstBlock, n, "only the first block before the release")
	more := make(chan int)
	go func() {
		k, _ := io.ReadFull(pr, got[n:])
		more <- k
	}()
	select {
	case k := <-more:
		t.Fatalf("%d more bytes arrived before the release", k)
	case <-time.After(100 * time.Millisecond):
	}
	before := time.Now()
	close(release)
	assert.Equal(t, len(data)-FirstBlock, <-more)
	assert.Equal(t, data, got)
	assert.False(t, (<-released).Before(before), "the release time is reported")
}

// A hold that fails sends nothing more and ends the write with its error.
func TestHeldWriterStopsWhenTheHoldFails(t *testing.T) {
	var sent bytes.Buffer
	stop := errors.New("v1 failed")
	w := &Held{W: &sent, First: FirstBlock, Hold: func() error { return stop }, Released: make(chan time.Time, 1)}
	n, err := w.Write(make([]byte, 2048))
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, FirstBlock, n)
	assert.Equal(t, FirstBlock, sent.Len())
}
