package report

import (
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
