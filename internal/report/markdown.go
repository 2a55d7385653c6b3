package report

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/display"
)

// Bar is one bar of a size chart.
type Bar struct {
	Label string
	Size  int64
}

// barsOf charts the images in Sizes, largest first as they were gathered.
func barsOf(r Report) []Bar {
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

func status(c Check) string {
	if c.Status == "pass" {
		return "PASS"
	}
	return "FAIL"
}

func writeMarkdown(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# multistage-lab: verify\n\n")
	store := ""
	if r.Engine.ImageStore != "" {
		store = ", " + r.Engine.ImageStore
	}
	fmt.Fprintf(&b, "%d of %d assertions passed. Builder: %s. Engine %s (API %s, %s/%s%s). %s, %.1f s.\n\n",
		r.Passed, len(r.Assertions), r.Builder, r.Engine.Version, r.Engine.APIVersion, r.Engine.OS, r.Engine.Arch, store, r.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC"), r.Seconds)
	b.WriteString("## Assertions\n\n| | assertion | expected | actual |\n|---|---|---|---|\n")
	for _, c := range r.Assertions {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", status(c), cell(c.Name), cell(c.Expected), cell(c.Actual))
	}
	if len(r.Explanation) > 0 {
		b.WriteString("\n## Why the image IDs differ\n\n")
		for _, e := range r.Explanation {
			fmt.Fprintf(&b, "- %s\n", cell(e))
		}
	}
	b.WriteString("\n## Images\n\n| image | ID | size (bytes) | size |\n|---|---|---|---|\n")
	for _, im := range r.Images {
		if !im.Present {
			fmt.Fprintf(&b, "| %s | absent | | |\n", im.Tag)
			continue
		}
		fmt.Fprintf(&b, "| %s | `%s` | %d | %s |\n", im.Tag, im.ID, im.Size, display.HumanSize(im.Size))
	}
	for _, bs := range r.Bases {
		fmt.Fprintf(&b, "| %s (base, %s) | `%s` | %d | %s |\n", bs.Ref, bs.Kind, bs.ID, bs.Size, display.HumanSize(bs.Size))
	}
	if len(r.Builds) > 0 {
		b.WriteString("\n## Builds in this run\n\n| image | ID | seconds |\n|---|---|---|\n")
		for _, br := range r.Builds {
			fmt.Fprintf(&b, "| %s | `%s` | %.1f |\n", br.Tag, br.ID, br.Seconds)
		}
	}
	if len(r.Sizes) > 0 {
		b.WriteString("\n## Where the megabytes went\n\n")
		writeCharts(&b, r)
		for _, s := range r.Sizes {
			fmt.Fprintf(&b, "\n### %s: %s\n\n| stage | size (bytes) | size | instruction |\n|---|---|---|---|\n", s.Ref, display.HumanSize(s.Size))
			for _, l := range s.Layers {
				fmt.Fprintf(&b, "| %s | %d | %s | `%s` |\n", cell(l.Stage), l.Size, display.HumanSize(l.Size), strings.ReplaceAll(cell(l.Instruction), "`", "'"))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeCharts puts the size chart in the Markdown: as text in a code block,
// which reads everywhere, and as a link to the SVG file beside the report,
// if there is one (GitHub strips an SVG written inline into Markdown).
func writeCharts(b *strings.Builder, r Report) {
	b.WriteString("```\n")
	TextChart(b, barsOf(r), 40)
	b.WriteString("```\n")
	if r.Chart != "" {
		fmt.Fprintf(b, "\n![image sizes](%s)\n", r.Chart)
	}
}

// WriteSVG writes r's size chart as an SVG document, the file a Markdown
// report's Chart names.
func WriteSVG(w io.Writer, r Report) error {
	var b strings.Builder
	SVGChart(&b, "image sizes", barsOf(r))
	_, err := io.WriteString(w, b.String())
	return err
}
