package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/display"
)

// Fleet is one run of the lab on several engines (LAB_ENGINES): each
// engine's verify report, or why there is none.
type Fleet struct {
	Tool        string        `json:"tool"`
	GeneratedAt time.Time     `json:"generated_at"`
	Engines     []EngineEntry `json:"engines"`
}

// EngineEntry is one engine of a fleet run.
type EngineEntry struct {
	// Name is the engine as LAB_ENGINES gives it.
	Name string `json:"name"`
	// Error is why the engine has no report (it did not answer, a build
	// failed, the run was interrupted); "" when it has one.
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds"`
	Report  *Report `json:"report,omitempty"`
}

// WriteFleet renders a fleet run in the format: JSON with a list of
// engines, JUnit with one testsuite per engine (an engine without a report
// is a testsuite with one error), Markdown with a matrix and each engine's
// chart.
func (f Format) WriteFleet(w io.Writer, fl Fleet) error {
	switch f {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(fl)
	case JUnit:
		return writeFleetJUnit(w, fl)
	case Markdown:
		return writeFleetMarkdown(w, fl)
	}
	return fmt.Errorf("unknown report format %q", string(f))
}

func writeFleetJUnit(w io.Writer, fl Fleet) error {
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

func writeFleetMarkdown(w io.Writer, fl Fleet) error {
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
