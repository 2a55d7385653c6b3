package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/fleet"
	"github.com/multistage-lab/multistage-lab/internal/output"
	"github.com/multistage-lab/multistage-lab/internal/report"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

func TestEachRunsEveryEngineAndKeepsLinesWhole(t *testing.T) {
	var out testkit.Buffer
	var inFlight, most atomic.Int32
	engines := []string{"unix:///a.sock", "ctx-b", "tcp://c:2375", "ctx-d"}
	runs := fleet.Each(t.Context(), engines, 2, output.NewLines(&out, engines), func(ctx context.Context, engine string, w io.Writer, _ func(string)) (*report.Report, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		for i := range 50 {
			// Half lines, written in pieces: they must come out whole.
			fmt.Fprintf(w, "step %d of %s", i, engine)
			fmt.Fprintf(w, " done\n")
		}
		time.Sleep(20 * time.Millisecond)
		if engine == "tcp://c:2375" {
			return nil, errors.New("no Docker Engine answers at tcp://c:2375")
		}
		return &report.Report{Passed: 10}, nil
	})
	require.Len(t, runs, 4)
	assert.EqualValues(t, 2, most.Load(), "at most parallel engines at once")
	for i, r := range runs {
		assert.Equal(t, engines[i], r.Engine, "in the engines' order")
	}
	assert.EqualError(t, runs[2].Err, "no Docker Engine answers at tcp://c:2375")
	assert.Nil(t, runs[2].Report)
	assert.Equal(t, 10, runs[3].Report.Passed, "the others finish")
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	assert.Len(t, lines, 4*50+1, "every line, and the failing engine's error")
	for _, line := range lines {
		prefix, rest, ok := strings.Cut(line, " | ")
		require.True(t, ok, line)
		engine := strings.TrimSpace(prefix)
		if strings.HasPrefix(rest, "Error: ") {
			assert.Equal(t, "tcp://c:2375", engine)
			continue
		}
		assert.Regexp(t, `^step \d+ of `+engine+` done$`, rest, "a line is one engine's, whole")
	}
}

func TestEachStopsEveryEngineWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	started := make(chan struct{}, 3)
	go func() { <-started; <-started; cancel() }()
	runs := fleet.Each(ctx, []string{"a", "b", "c"}, 2, output.NewLines(io.Discard, []string{"a", "b", "c"}), func(ctx context.Context, engine string, w io.Writer, _ func(string)) (*report.Report, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	})
	for _, r := range runs {
		assert.ErrorIs(t, r.Err, context.Canceled, r.Engine)
	}
}
