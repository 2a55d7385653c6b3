package output

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/report"
)

// WriteBench writes the bench's table: a row for each engine and builder,
// the warm and the cold ratio of the lab's median to the docker CLI's, and
// the medians with their spreads (fastest to slowest run) behind each. A
// figure that misses its target says MISSED; the last line counts them.
func WriteBench(w io.Writer, b report.Bench) {
	fmt.Fprintf(w, "machine: %d CPUs, %s memory; %s\n", b.CPUs, b.Memory, b.Date)
	if b.Compile > 0 {
		fmt.Fprintf(w, "task binary, first compile on an empty Go build cache: %.1fs\n", b.Compile.Seconds())
	}
	if b.Buildx != "" {
		fmt.Fprintf(w, "docker CLI: scripts/seed-lab.sh, with DOCKER_BUILDKIT=0 for classic and %s for buildkit\n", b.Buildx)
	}
	tw := tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "engine\tstore\tbuilder\twarm\tlab (spread)\tCLI (spread)\tcold\tlab (spread)\tCLI (spread)\t")
	measured := 0
	var failed []string
	for _, c := range b.Cells {
		if c.Err != "" {
			failed = append(failed, fmt.Sprintf("not measured: %s: %s", strings.TrimSpace(c.Engine+" "+c.Builder), c.Err))
			continue
		}
		measured++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.Version, c.Store, c.Builder,
			ratio(c.Warm), median(c.Warm.Ours), median(c.Warm.CLI), ratio(c.Cold), median(c.Cold.Ours), median(c.Cold.CLI))
	}
	tw.Flush()
	for _, f := range failed {
		fmt.Fprintln(w, f)
	}
	engines := map[string]bool{}
	var where []string
	for _, c := range b.Cells {
		if c.Version != "" && !engines[c.Engine] {
			engines[c.Engine] = true
			where = append(where, c.Version+" at "+c.Engine)
		}
	}
	if len(where) > 0 {
		fmt.Fprintf(w, "engines: %s\n", strings.Join(where, "; "))
	}
	warm, cold := runs(b, func(c report.BenchCell) report.BenchRow { return c.Warm }), runs(b, func(c report.BenchCell) report.BenchRow { return c.Cold })
	fmt.Fprintf(w, "ratio = the lab's median / the docker CLI's, %s warm and %s cold runs a side, alternating (lab, CLI, CLI, lab, ...)\n", warm, cold)
	missed := b.Missed()
	fmt.Fprintf(w, "%d of %d cells measured; ", measured, len(b.Cells))
	if len(missed) == 0 {
		fmt.Fprintln(w, "every figure met its target")
		return
	}
	fmt.Fprintf(w, "%d missed: %s\n", len(missed), strings.Join(missed, "; "))
}

// ratio is a row's ratio and its target: "0.52 (<= 0.6)", or MISSED.
func ratio(r report.BenchRow) string {
	if !r.Measured() {
		return "-"
	}
	s := fmt.Sprintf("%.2f (<= %.1f)", r.Ratio(), r.Target)
	if !r.Met() {
		s = fmt.Sprintf("%.2f MISSED (<= %.1f)", r.Ratio(), r.Target)
	}
	return s
}

// median is "0.315s (0.301-0.342)".
func median(d []time.Duration) string {
	if len(d) == 0 {
		return "-"
	}
	lo, hi := report.Spread(d)
	m := report.Median(d)
	return fmt.Sprintf("%ss (%s-%s)", secs(m, m), secs(lo, m), secs(hi, m))
}

// secs is d in seconds, to the precision its median needs.
func secs(d, median time.Duration) string {
	if median >= 10*time.Second {
		return fmt.Sprintf("%.1f", d.Seconds())
	}
	return fmt.Sprintf("%.3f", d.Seconds())
}

// runs says how many runs a side the cells had: "9", or "3 to 9".
func runs(b report.Bench, row func(report.BenchCell) report.BenchRow) string {
	lo, hi := -1, 0
	for _, c := range b.Cells {
		if c.Err != "" {
			continue
		}
		n := len(row(c).Ours)
		if lo < 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	if lo == hi || lo < 0 {
		return fmt.Sprint(hi)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// WriteContextBench writes the context benchmark's figures: the context's
// size, the lab's streaming against tar's (medians, throughput, ratio) and
// the lab's peak memory, with MISSED on a figure over its target.
func WriteContextBench(w io.Writer, c report.ContextBench) {
	mib := float64(c.Bytes) / (1 << 20)
	fmt.Fprintf(w, "context: %.0f MiB in %d files\n", mib, c.Files)
	lab, tar := report.Median(c.Stream.Ours), report.Median(c.Stream.CLI)
	if c.Stream.Measured() {
		target := ""
		if c.Stream.Target > 0 {
			target = fmt.Sprintf(" (target <= %.1f)", c.Stream.Target)
			if !c.Stream.Met() {
				target = " MISSED" + target
			}
		}
		fmt.Fprintf(w, "streaming into a pipe: lab %.2fs (%.0f MiB/s), tar c %.2fs (%.0f MiB/s), ratio %.2f%s\n",
			lab.Seconds(), mib/lab.Seconds(), tar.Seconds(), mib/tar.Seconds(), c.Stream.Ratio(), target)
	}
	fmt.Fprintf(w, "peak memory of the lab: streaming %d MiB", c.Peak>>20)
	if c.Build > 0 {
		fmt.Fprintf(w, ", the real build %d MiB (it took %.1fs)", c.BuildPeak>>20, c.Build.Seconds())
	}
	if c.PeakLimit > 0 {
		limit := fmt.Sprintf(" (target < %d MiB)", c.PeakLimit>>20)
		if max(c.Peak, c.BuildPeak) >= c.PeakLimit {
			limit = " MISSED" + limit
		}
		fmt.Fprint(w, limit)
	}
	fmt.Fprintln(w)
}
