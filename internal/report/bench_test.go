package report

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestBenchRatiosAndTargets(t *testing.T) {
	assert.Equal(t, 30*time.Millisecond, Median(ms(50, 10, 30)))
	assert.Equal(t, 25*time.Millisecond, Median(ms(40, 10, 20, 30)))
	assert.Zero(t, Median(nil))
	lo, hi := Spread(ms(40, 10, 20))
	assert.Equal(t, [2]time.Duration{10 * time.Millisecond, 40 * time.Millisecond}, [2]time.Duration{lo, hi})

	r := BenchRow{Ours: ms(100, 90, 110), CLI: ms(200, 210, 190), Target: 0.6}
	assert.InDelta(t, 0.5, r.Ratio(), 1e-9)
	assert.True(t, r.Met())
	r.Target = 0.4
	assert.False(t, r.Met())
	assert.False(t, BenchRow{Ours: ms(1), Target: 0.6}.Met(), "a side with no runs is no figure")

	b := Bench{Cells: []BenchCell{
		{Engine: "e1", Builder: "classic", Warm: BenchRow{Ours: ms(50), CLI: ms(100), Target: 0.6}, Cold: BenchRow{Ours: ms(99), CLI: ms(100), Target: 1}},
		{Engine: "e1", Builder: "buildkit", Warm: BenchRow{Ours: ms(50), CLI: ms(100), Target: 0.4}, Cold: BenchRow{Ours: ms(101), CLI: ms(100), Target: 1}},
		{Engine: "e2", Builder: "classic", Err: "docker CLI: exit status 1"},
	}}
	assert.Equal(t, []string{"e1 buildkit warm", "e1 buildkit cold", "e2 classic: docker CLI: exit status 1"}, b.Missed())
}
