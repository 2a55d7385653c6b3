package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestMedianAndRatio(t *testing.T) {
	assert.Equal(t, 30*time.Millisecond, Median(ms(50, 10, 30)))
	assert.Equal(t, 25*time.Millisecond, Median(ms(40, 10, 20, 30)))
	assert.Zero(t, Median(nil))
	r := Row{Ours: ms(100, 90, 110), Other: ms(200, 210, 190), Target: 0.6}
	assert.InDelta(t, 0.5, r.Ratio(), 1e-9)
	assert.True(t, r.Met())
	r.Target = 0.4
	assert.False(t, r.Met())
}

func TestWriteTable(t *testing.T) {
	var b strings.Builder
	WriteTable(&b, Machine{CPUs: 2, Memory: "24 GB", Engine: "20.10.24", Date: "2026-11-27", CompileSecond: 30.5},
		[]Row{{Case: "warm", OursName: "lab", OtherName: "cli", Ours: ms(100), Other: ms(250), Target: 0.6}, {Case: "bk", OursName: "lab bk", Ours: ms(80, 90)}})
	assert.Equal(t, `machine: 2 CPUs, 24 GB memory; engine 20.10.24; 2026-11-27
task binary, first compile on an empty Go build cache: 30.5s
case  runs  ours    median  docker CLI  median  ratio  target      
warm  1     lab     0.100s  cli         0.250s  0.40   <= 0.6 met  
bk    2     lab bk  0.085s  -           -       -      -           
(medians of the runs of each side; the two sides of a case alternate)
`, b.String())
}

func TestPairAlternates(t *testing.T) {
	var log strings.Builder
	r := Runner{Dir: t.TempDir(), Log: &log}
	var order []string
	prep := func() error { order = append(order, "prep"); return nil }
	row, err := r.Pair(context.Background(), "x", Side{Name: "a", Args: []string{"true"}}, Side{Name: "b", Args: []string{"true"}}, 2, prep, 0)
	require.NoError(t, err)
	assert.Len(t, row.Ours, 2)
	assert.Len(t, row.Other, 2)
	assert.Equal(t, 4, len(order), "prepare runs before every run")
	assert.Regexp(t, `(?s)a +run 1.*b +run 1.*a +run 2.*b +run 2`, log.String())

	_, err = r.Pair(context.Background(), "x", Side{Name: "bad", Args: []string{"false"}}, Side{}, 1, nil, 0)
	assert.ErrorContains(t, err, "bad: exit status 1")
}
