package output

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// WriteReport renders r in the format f to w.
func WriteReport(w io.Writer, f report.Format, r report.Report) error {
	switch f {
	case report.JSON:
		return writeJSON(w, r)
	case report.JUnit:
		return writeJUnit(w, r)
	case report.Markdown:
		return writeMarkdown(w, r)
	}
	return fmt.Errorf("unknown report format %q", string(f))
}

// writeJSON writes v as indented JSON, as the JSON reports are.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// junitSuiteOf is one verify run as a testsuite named name: a failure per
// failed assertion.
func junitSuiteOf(name string, r report.Report) junitSuite {
	suite := junitSuite{
		Name:      name,
		Tests:     len(r.Assertions),
		Failures:  r.Failed,
		Time:      fmt.Sprintf("%.3f", r.Seconds),
		Timestamp: r.GeneratedAt.UTC().Format("2006-01-02T15:04:05"),
		Hostname:  "docker-engine",
		Properties: []junitProperty{
			{Name: "builder", Value: r.Builder},
			{Name: "engine.version", Value: r.Engine.Version},
			{Name: "engine.api_version", Value: r.Engine.APIVersion},
		},
	}
	if r.Engine.ClientAPIVersion != "" {
		suite.Properties = append(suite.Properties, junitProperty{Name: "engine.client_api_version", Value: r.Engine.ClientAPIVersion})
	}
	if r.Engine.ImageStore != "" {
		suite.Properties = append(suite.Properties, junitProperty{Name: "engine.image_store", Value: r.Engine.ImageStore})
	}
	for _, b := range r.Bases {
		suite.Properties = append(suite.Properties, junitProperty{Name: "base." + b.Role, Value: b.Ref + " (" + b.Kind + ")"})
	}
	for _, c := range r.Assertions {
		tc := junitCase{Name: c.Name, Classname: "multistage-lab.verify", Time: "0.000"}
		if c.Status != "pass" {
			tc.Failure = &junitFailure{
				Message: "expected " + c.Expected + ", actual " + c.Actual,
				Type:    "AssertionFailed",
				Text:    "expected: " + c.Expected + "\nactual:   " + c.Actual + "\n",
			}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	return suite
}

func writeJUnit(w io.Writer, r report.Report) error {
	suite := junitSuiteOf("multistage-lab verify", r)
	return encodeJUnit(w, junitSuites{Name: "multistage-lab", Tests: suite.Tests, Failures: suite.Failures, Time: suite.Time, Suites: []junitSuite{suite}})
}

func encodeJUnit(w io.Writer, doc junitSuites) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// WriteFleetReport renders a fleet run in the format: JSON with a list of
// engines, JUnit with one testsuite per engine (an engine without a report
// is a testsuite with one error), Markdown with a matrix and each engine's
// chart.
func WriteFleetReport(w io.Writer, f report.Format, fl report.Fleet) error {
	switch f {
	case report.JSON:
		return writeJSON(w, fl)
	case report.JUnit:
		return writeFleetJUnit(w, fl)
	case report.Markdown:
		return writeFleetMarkdown(w, fl)
	}
	return fmt.Errorf("unknown report format %q", string(f))
}

func writeFleetJUnit(w io.Writer, fl report.Fleet) error {
	doc := junitSuites{Name: "multistage-lab"}
	var seconds float64
	for _, e := range fl.Engines {
		var suite junitSuite
		switch {
		case e.Report != nil:
			suite = junitSuiteOf(e.Name, *e.Report)
		case e.Error == "":
			// A step that does not verify (build, clean) passed.
			suite = junitSuite{Name: e.Name, Tests: 1, Time: fmt.Sprintf("%.3f", e.Seconds), Hostname: "docker-engine",
				Timestamp: fl.GeneratedAt.UTC().Format("2006-01-02T15:04:05"),
				Cases:     []junitCase{{Name: "run the lab's step", Classname: "multistage-lab.engine", Time: fmt.Sprintf("%.3f", e.Seconds)}}}
		default:
			suite = junitSuite{Name: e.Name, Tests: 1, Errors: 1, Time: fmt.Sprintf("%.3f", e.Seconds), Hostname: "docker-engine",
				Timestamp: fl.GeneratedAt.UTC().Format("2006-01-02T15:04:05"),
				Cases: []junitCase{{Name: "reach the engine and run the lab", Classname: "multistage-lab.engine", Time: fmt.Sprintf("%.3f", e.Seconds),
					Error: &junitFailure{Message: e.Error, Type: "EngineError", Text: e.Error + "\n"}}}}
		}
		if e.Report != nil && e.Error != "" {
			// Verify ran, then a later step failed: its assertions stand,
			// and the failure is one more error.
			suite.Tests++
			suite.Errors++
			suite.Cases = append(suite.Cases, junitCase{Name: "the rest of the lab", Classname: "multistage-lab.engine", Time: "0.000",
				Error: &junitFailure{Message: e.Error, Type: "EngineError", Text: e.Error + "\n"}})
		}
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Errors += suite.Errors
		seconds = max(seconds, e.Seconds)
		doc.Suites = append(doc.Suites, suite)
	}
	doc.Time = fmt.Sprintf("%.3f", seconds)
	return encodeJUnit(w, doc)
}

func writeFleetMarkdown(w io.Writer, fl report.Fleet) error {
	var b strings.Builder
	b.WriteString("# multistage-lab: verify on several engines\n\n")
	b.WriteString("| engine | version | image store | builder | bases | assertions | seconds |\n|---|---|---|---|---|---|---|\n")
	for _, e := range fl.Engines {
		if e.Report == nil {
			result := "ok (no verify in this step)"
			if e.Error != "" {
				result = "error: " + e.Error
			}
			fmt.Fprintf(&b, "| %s | | | | | %s | %.1f |\n", cell(e.Name), cell(result), e.Seconds)
			continue
		}
		r := e.Report
		var bases []string
		for _, bs := range r.Bases {
			bases = append(bases, bs.Ref+" "+bs.Kind)
		}
		result := fmt.Sprintf("%d of %d passed", r.Passed, len(r.Assertions))
		if e.Error != "" {
			result += "; error: " + e.Error
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %.1f |\n", cell(e.Name), r.Engine.Version, cell(r.Engine.ImageStore), r.Builder, cell(strings.Join(bases, ", ")), cell(result), e.Seconds)
	}
	for _, e := range fl.Engines {
		if e.Report == nil {
			continue
		}
		r := e.Report
		fmt.Fprintf(&b, "\n## %s\n\n", e.Name)
		for _, c := range r.Assertions {
			if c.Status != "pass" {
				fmt.Fprintf(&b, "- FAIL %s: expected %s, actual %s\n", cell(c.Name), cell(c.Expected), cell(c.Actual))
			}
		}
		for _, im := range r.Images {
			if im.Present {
				fmt.Fprintf(&b, "- %s `%s` %s\n", im.Tag, display.ShortID(im.ID), display.HumanSize(im.Size))
			}
		}
		if len(r.Sizes) > 0 {
			b.WriteString("\n")
			writeCharts(&b, *r)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

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

func status(c report.Check) string {
	if c.Status == "pass" {
		return "PASS"
	}
	return "FAIL"
}

func writeMarkdown(w io.Writer, r report.Report) error {
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

// WriteFile writes path beside itself and renames it into place, so a
// reader never sees half a report.
func WriteFile(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".report-*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("report: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
