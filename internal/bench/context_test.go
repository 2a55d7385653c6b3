package bench

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/event"
)

// TestContextBenchmarkSmall runs the context benchmark small (8 MiB, no
// real build, so it leaves the lab's tags to the lab's own tests): the task
// binary streams the context, and its peak memory is measured; what it
// does comes as events, and it writes nothing itself.
func TestContextBenchmarkSmall(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	var events []event.Event
	c, err := Context(t.Context(), root, ContextOptions{Files: 8, FileSize: 1 << 20, Runs: 2, PeakLimit: 64 << 20, Events: func(e event.Event) { events = append(events, e) }})
	require.NoError(t, err)
	assert.Equal(t, 8, c.Files)
	assert.Equal(t, int64(8<<20), c.Bytes)
	require.Len(t, c.Stream.Ours, 2)
	require.Len(t, c.Stream.CLI, 2)
	assert.Greater(t, c.Peak, int64(0), "peak memory was measured")
	assert.Less(t, c.Peak, int64(64<<20))
	assert.Zero(t, c.Build, "no real build asked for")
	assert.Empty(t, c.Missed())
	var runs []event.ContextRun
	for _, e := range events {
		if r, ok := e.(event.ContextRun); ok {
			runs = append(runs, r)
		}
	}
	require.Len(t, runs, 2)
	assert.Equal(t, c.Stream.Ours[1], runs[1].Lab)
	assert.Equal(t, event.Step{Text: "generating 8 files of 1 MiB (0.01 GiB) of random data"}, events[0])
}
