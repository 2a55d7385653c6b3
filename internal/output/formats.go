package output

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// WriteReport renders r in the format f to w.
func WriteReport(w io.Writer, f report.Format, r report.Report) error {
	return writeFormat(w, f, r, writeJUnit, writeMarkdown)
}

// writeFormat renders v in the format f to w: JSON as it is, JUnit and
// Markdown with the renderings given.
func writeFormat[T any](w io.Writer, f report.Format, v T, junit, markdown func(io.Writer, T) error) error {
	switch f {
	case report.JSON:
		return writeJSON(w, v)
	case report.JUnit:
		return junit(w, v)
	case report.Markdown:
		return markdown(w, v)
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
