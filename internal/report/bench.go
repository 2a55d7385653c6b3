package report

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Bench is one run of the bench: the lab's builds against the docker CLI's
// on every engine and builder, warm and cold.
type Bench struct {
	// CPUs, Memory and Date say where and when it was measured.
	CPUs   int
	Memory string
	Date   string
	// Compile is the task binary's first compile on an empty Go build
	// cache (0: not measured).
	Compile time.Duration
	// Buildx is the buildx the BuildKit side's docker CLI ran ("v0.38.2,
	// built by the bench").
	Buildx string
	Cells  []BenchCell
}

// BenchCell is one engine and builder: the warm and the cold pair.
type BenchCell struct {
	Engine  string // the engine as listed (its URL or context), or its host
	Version string // Docker Engine's version
	Store   string // "containerd image store (...)" or "graph driver ..."
	Builder string // classic or buildkit
	Warm    BenchRow
	Cold    BenchRow
	// Err is why the cell could not be measured ("" when it was).
	Err string
}

// BenchRow is one case measured side by side: the lab's runs and the docker
// CLI's, alternating.
type BenchRow struct {
	Ours   []time.Duration
	CLI    []time.Duration
	Target float64 // the ratio to stay at or under
}

// Median of the samples (0 for none).
func Median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Spread is the fastest and the slowest sample.
func Spread(d []time.Duration) (lo, hi time.Duration) {
	if len(d) == 0 {
		return 0, 0
	}
	return slices.Min(d), slices.Max(d)
}

// Ratio is the lab's median over the CLI's (0 when either side is
// unmeasured).
func (r BenchRow) Ratio() float64 {
	o := Median(r.CLI)
	if o == 0 || len(r.Ours) == 0 {
		return 0
	}
	return float64(Median(r.Ours)) / float64(o)
}

// Measured says both sides have runs.
func (r BenchRow) Measured() bool { return len(r.Ours) > 0 && len(r.CLI) > 0 }

// Met says the row is measured and at or under its target.
func (r BenchRow) Met() bool { return r.Measured() && (r.Target == 0 || r.Ratio() <= r.Target) }

// Missed lists every case that is unmeasured or over its target, as
// "29.8.0 classic warm".
func (b Bench) Missed() []string {
	var out []string
	for _, c := range b.Cells {
		if c.Err != "" {
			out = append(out, strings.TrimSpace(c.Engine+" "+c.Builder)+": "+c.Err)
			continue
		}
		for _, r := range []struct {
			name string
			row  BenchRow
		}{{"warm", c.Warm}, {"cold", c.Cold}} {
			if !r.row.Met() {
				out = append(out, c.Engine+" "+c.Builder+" "+r.name)
			}
		}
	}
	return out
}

// ContextBench is one run of the context benchmark: the lab streaming a
// generated build context into a pipe against `tar c` of the same files,
// and one real build that sends it all to the engine.
type ContextBench struct {
	Files int
	Bytes int64
	// Stream is the lab's streaming (Ours) against tar's (CLI).
	Stream BenchRow
	// Peak is the lab's peak memory while streaming, PeakLimit the most it
	// may use (0: no check).
	Peak, PeakLimit int64
	// Build and BuildPeak are the real build's wall time and peak memory
	// (Build 0: no real build).
	Build     time.Duration
	BuildPeak int64
}

// Missed lists each figure over its target: "streaming ratio 1.62", "peak
// memory 70 MiB".
func (c ContextBench) Missed() []string {
	var out []string
	if c.Stream.Measured() && !c.Stream.Met() {
		out = append(out, fmt.Sprintf("streaming ratio %.2f", c.Stream.Ratio()))
	}
	if peak := max(c.Peak, c.BuildPeak); c.PeakLimit > 0 && peak >= c.PeakLimit {
		out = append(out, fmt.Sprintf("peak memory %d MiB", peak>>20))
	}
	return out
}
