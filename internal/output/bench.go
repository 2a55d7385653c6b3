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
