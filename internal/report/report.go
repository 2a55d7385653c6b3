// Package report writes what verify found for CI systems and for a class:
// JSON, JUnit XML and Markdown (with an SVG size chart), from one Report.
package report

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is one verify run.
type Report struct {
	Tool        string     `json:"tool"`
	GeneratedAt time.Time  `json:"generated_at"`
	Seconds     float64    `json:"seconds"`
	Engine      Engine     `json:"engine"`
	Builder     string     `json:"builder"`
	Images      []Image    `json:"images"`
	Bases       []Base     `json:"bases"`
	Assertions  []Check    `json:"assertions"`
	Passed      int        `json:"passed"`
	Failed      int        `json:"failed"`
	Sizes       []Layers   `json:"sizes"`
	Explanation []string   `json:"explanation,omitempty"`
	Builds      []BuildRun `json:"builds,omitempty"`
	// Chart is the SVG file the Markdown report links for its size chart,
	// written beside it ("" for none: the text chart is always there).
	Chart string `json:"-"`
	// LabFile is the lab file whose checks these are, as the user names it
	// (dockerfiles/lab.yaml).
	LabFile string `json:"lab_file,omitempty"`
}

// Engine names the engine verify ran against.
type Engine struct {
	Version    string `json:"version"`
	APIVersion string `json:"api_version"`
	// ClientAPIVersion is the API version the lab's client negotiated.
	ClientAPIVersion string `json:"client_api_version,omitempty"`
	// ImageStore is "containerd image store (...)" or "graph driver ...".
	ImageStore string `json:"image_store,omitempty"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
}

// Image is one lab image.
type Image struct {
	Name    string `json:"name"`
	Tag     string `json:"tag"`
	Present bool   `json:"present"`
	ID      string `json:"id,omitempty"`
	// Size is the unpacked size; EngineSize the engine's own (docker image
	// ls's), which on the containerd store adds the compressed Content.
	Size       int64 `json:"size_bytes"`
	Content    int64 `json:"content_bytes,omitempty"`
	EngineSize int64 `json:"engine_size_bytes,omitempty"`
}

// Base is one base image.
type Base struct {
	Role string `json:"role"`
	Ref  string `json:"ref"`
	ID   string `json:"id,omitempty"`
	Size int64  `json:"size_bytes"`
	Kind string `json:"kind"` // "real", "stand-in" or "absent"
}

// Check is one assertion.
type Check struct {
	Name     string `json:"name"`
	Status   string `json:"status"` // "pass" or "fail"
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	// Line is the check's line in the lab file.
	Line int `json:"line,omitempty"`
}

// BuildRun is one build done in the same run, with its time.
type BuildRun struct {
	Tag     string  `json:"tag"`
	ID      string  `json:"id"`
	Seconds float64 `json:"seconds"`
}

// Layer is one entry of an image's history.
type Layer struct {
	Size        int64  `json:"size_bytes"`
	Instruction string `json:"instruction"`
	Stage       string `json:"stage"`
}

// Layers is an image's history, oldest first.
type Layers struct {
	Ref string `json:"ref"`
	// Size is the unpacked size, the layers' sum; Content the compressed
	// content the containerd image store keeps beside them (0 elsewhere).
	Size    int64   `json:"size_bytes"`
	Content int64   `json:"content_bytes,omitempty"`
	Layers  []Layer `json:"layers"`
}

// Approach is one way a comparison packaged the program, as built and
// measured.
type Approach struct {
	Name string
	Tags []string
	ID   string
	// Size is the unpacked size, compared on every image store; Content
	// and EngineSize as Image's.
	Size       int64
	Content    int64
	EngineSize int64
	Layers     int
	Took       time.Duration
	Output     string
	ExitErr    string
}

// ImageRow is one line of the image table: one tag of one image.
type ImageRow struct {
	Repository string
	Tag        string
	ID         string
	Created    time.Time
	Size       int64
}

// Format is a report's format (LAB_REPORT).
type Format string

// The formats.
const (
	JSON     Format = "json"
	JUnit    Format = "junit"
	Markdown Format = "markdown"
)

// Formats are the formats in the order LAB_REPORT lists them.
var Formats = []Format{JSON, JUnit, Markdown}

// Extension is the file extension for the format.
func (f Format) Extension() string {
	switch f {
	case JUnit:
		return "xml"
	case Markdown:
		return "md"
	}
	return string(f)
}

// Write renders r in the format to w.
func (f Format) Write(w io.Writer, r Report) error {
	switch f {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case JUnit:
		return writeJUnit(w, r)
	case Markdown:
		return writeMarkdown(w, r)
	}
	return fmt.Errorf("unknown report format %q", string(f))
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
func junitSuiteOf(name string, r Report) junitSuite {
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

func writeJUnit(w io.Writer, r Report) error {
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
