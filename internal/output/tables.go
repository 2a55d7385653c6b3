package output

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	units "github.com/docker/go-units"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// WriteImageTable prints rows as `docker image ls` does.
func WriteImageTable(w io.Writer, rows []report.ImageRow, now time.Time) error {
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Repository, r.Tag, display.ShortID(r.ID), units.HumanDuration(now.Sub(r.Created))+" ago", display.HumanSize(r.Size))
	}
	return tw.Flush()
}

// WriteComparison prints the approaches' table and their size chart.
func WriteComparison(w io.Writer, a []report.Approach) {
	tw := tabwriter.NewWriter(w, 0, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "APPROACH\tIMAGE\tIMAGE ID\tSIZE\tBYTES\tLAYERS\tBUILD TIME")
	for _, x := range a {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%.1fs\n", x.Name, strings.Join(x.Tags, ", "), display.ShortID(x.ID), display.HumanSize(x.Size), x.Size, x.Layers, x.Took.Seconds())
	}
	tw.Flush()
	fmt.Fprintln(w)
	bars := make([]Bar, len(a))
	for i, x := range a {
		bars[i] = Bar{Label: x.Name, Size: x.Size}
	}
	TextChart(w, bars, 40)
}

// WriteSizes prints where the megabytes went: a bar chart of the images,
// then each image's layers with the stage and instruction that made them.
func WriteSizes(w io.Writer, sizes []report.Layers) {
	bars := make([]Bar, len(sizes))
	for i, s := range sizes {
		bars[i] = Bar{Label: s.Ref, Size: s.Size}
	}
	TextChart(w, bars, 40)
	for _, s := range sizes {
		fmt.Fprintf(w, "\n%s: %s (%d bytes) unpacked\n", s.Ref, display.HumanSize(s.Size), s.Size)
		var sum int64
		for _, ly := range s.Layers {
			fmt.Fprintf(w, "  %10s  %-28s %s\n", display.HumanSize(ly.Size), ly.Stage, ly.Instruction)
			sum += ly.Size
		}
		if sum != s.Size {
			fmt.Fprintf(w, "  %10s  the layers add up to %d bytes; the engine gives %d unpacked\n", display.HumanSize(sum-s.Size), sum, s.Size)
		}
		if s.Content > 0 {
			fmt.Fprintf(w, "  the engine's size, %s, also counts the image's compressed content, %s, which the containerd image store keeps beside the unpacked layers\n",
				display.HumanSize(s.Size+s.Content), display.HumanSize(s.Content))
		}
		if ws := s.Waste; ws != nil {
			fmt.Fprintf(w, "  wasted, as dive counts it: %s (%d bytes), efficiency %.4f\n", display.HumanSize(int64(ws.WastedBytes)), ws.WastedBytes, ws.Efficiency)
			for _, ly := range ws.Layers {
				fmt.Fprintf(w, "  %10s  in layer %d: %s\n", display.HumanSize(int64(ly.Wasted)), ly.Layer, ly.Instruction)
			}
		}
	}
}
