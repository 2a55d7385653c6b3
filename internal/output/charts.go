package output

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// Bar is one bar of a size chart.
type Bar struct {
	Label string
	Size  int64
}

// barsOf charts the images in Sizes, largest first as they were gathered.
func barsOf(r report.Report) []Bar {
	bars := make([]Bar, len(r.Sizes))
	for i, s := range r.Sizes {
		bars[i] = Bar{Label: s.Ref, Size: s.Size}
	}
	return bars
}

// Scale returns each bar's length in units out of width, proportional to
// its size; a non-empty image never gets less than one unit's eighth.
func Scale(bars []Bar, width int) []float64 {
	var top int64
	for _, b := range bars {
		top = max(top, b.Size)
	}
	out := make([]float64, len(bars))
	for i, b := range bars {
		if top > 0 {
			out[i] = float64(width) * float64(b.Size) / float64(top)
		}
		if b.Size > 0 && out[i] < 0.125 {
			out[i] = 0.125
		}
	}
	return out
}

var eighths = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// TextChart draws bars with block characters for a terminal.
func TextChart(w io.Writer, bars []Bar, width int) {
	labelWidth := 0
	for _, b := range bars {
		labelWidth = max(labelWidth, len(b.Label))
	}
	for i, n := range Scale(bars, width) {
		whole := int(n)
		part := int(math.Round((n - float64(whole)) * 8))
		if part == 8 {
			whole, part = whole+1, 0
		}
		bar := strings.Repeat("█", whole) + eighths[part]
		fmt.Fprintf(w, "%-*s  %-*s  %s\n", labelWidth, bars[i].Label, width+1, bar, display.HumanSize(bars[i].Size))
	}
}

// SVGChart draws bars as a horizontal SVG bar chart.
func SVGChart(w io.Writer, title string, bars []Bar) {
	const (
		left, barWidth, rowHeight, top = 190, 420, 28, 34
	)
	height := top + rowHeight*len(bars) + 10
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`+"\n", left+barWidth+90, height, left+barWidth+90, height)
	fmt.Fprintf(w, `<text x="10" y="20" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	for i, n := range Scale(bars, barWidth) {
		y := top + i*rowHeight
		fmt.Fprintf(w, `<text x="10" y="%d">%s</text>`+"\n", y+15, html.EscapeString(bars[i].Label))
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="%.1f" height="20" fill="#2f6fb3"><title>%d bytes</title></rect>`+"\n", left, y+2, n, bars[i].Size)
		fmt.Fprintf(w, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(left)+n+6, y+15, display.HumanSize(bars[i].Size))
	}
	fmt.Fprintln(w, "</svg>")
}

// writeCharts puts the size chart in the Markdown: as text in a code block,
// which reads everywhere, and as a link to the SVG file beside the report,
// if there is one (GitHub strips an SVG written inline into Markdown).
func writeCharts(b *strings.Builder, r report.Report) {
	b.WriteString("```\n")
	TextChart(b, barsOf(r), 40)
	b.WriteString("```\n")
	if r.Chart != "" {
		fmt.Fprintf(b, "\n![image sizes](%s)\n", r.Chart)
	}
}

// WriteSVG writes r's size chart as an SVG document, the file a Markdown
// report's Chart names.
func WriteSVG(w io.Writer, r report.Report) error {
	var b strings.Builder
	SVGChart(&b, "image sizes", barsOf(r))
	_, err := io.WriteString(w, b.String())
	return err
}
