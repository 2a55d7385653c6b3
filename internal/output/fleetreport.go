package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// WriteFleetReport renders a fleet run in the format: JSON with a list of
// engines, JUnit with one testsuite per engine (an engine without a report
// is a testsuite with one error), Markdown with a matrix and each engine's
// chart.
func WriteFleetReport(w io.Writer, f report.Format, fl report.Fleet) error {
	return writeFormat(w, f, fl, writeFleetJUnit, writeFleetMarkdown)
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
