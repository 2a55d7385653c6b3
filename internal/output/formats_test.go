package output

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/report"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

func sample() report.Report {
	return report.Report{
		Tool:        "multistage-lab",
		GeneratedAt: time.Date(2026, 11, 27, 10, 38, 11, 0, time.UTC),
		Seconds:     0.494,
		Engine:      report.Engine{Version: "20.10.24+dfsg1", APIVersion: "1.41", OS: "linux", Arch: "amd64"},
		Builder:     "buildkit",
		Images: []report.Image{
			{Name: "v1", Tag: "multi-state:v1", Present: true, ID: "sha256:4b1d25edd71d", Size: 4380025},
			{Name: "builder", Tag: "multi-state:builder", Present: true, ID: "sha256:58fc9f887802", Size: 261993651},
			{Name: "runtime", Tag: "multi-state:runtime"},
		},
		Bases: []report.Base{{Role: "golang", Ref: "golang:latest", ID: "sha256:90a5991abc84", Size: 226746694, Kind: "stand-in"}},
		Assertions: []report.Check{
			{Name: "1. the four tags exist", Status: "fail", Expected: "multi-state:v1, multi-state:runtime", Actual: "missing: multi-state:runtime"},
			{Name: "3. builder <is> another & \"image\"", Status: "pass", Expected: "builder ID != runtime ID", Actual: "x | y"},
		},
		Passed: 1, Failed: 1,
		Sizes: []report.Layers{
			{Ref: "multi-state:builder", Size: 261993651, Layers: []report.Layer{{Size: 226746694, Instruction: "Imported from -", Stage: "base golang:latest"}, {Size: 35246957, Instruction: "RUN go build -o helloworld", Stage: "builder stage"}}},
			{Ref: "multi-state:runtime", Size: 4380025, Layers: []report.Layer{{Size: 1982368, Instruction: "Imported from -", Stage: "base alpine:latest"}, {Size: 2397657, Instruction: "COPY /myapp/helloworld .", Stage: "runtime stage"}}},
		},
		Explanation: []string{"v1 vs v2: created A vs B"},
		Builds:      []report.BuildRun{{Tag: "multi-state:v1", ID: "sha256:4b1d25edd71d", Seconds: 15.5}},
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteReport(&buf, report.JSON, sample()))
	var back report.Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, sample(), back)
	assert.Contains(t, buf.String(), `"size_bytes": 261993651`, "exact bytes, not rounded")
}

func TestMarkdownGolden(t *testing.T) {
	var buf bytes.Buffer
	r := sample()
	r.Chart = "report.sizes.svg"
	require.NoError(t, WriteReport(&buf, report.Markdown, r))
	golden(t, "report.md", buf.Bytes())
	md := buf.String()
	assert.NotContains(t, md, "<svg", "GitHub strips inline SVG from Markdown")
	assert.Contains(t, md, "```\n", "the text chart, in a code block")
	assert.Contains(t, md, "\n![image sizes](report.sizes.svg)\n", "the SVG file beside it, as an image")

	// The chart file is well-formed SVG.
	var svg bytes.Buffer
	require.NoError(t, WriteSVG(&svg, r))
	dec := xml.NewDecoder(strings.NewReader(svg.String()))
	rects := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			rects++
		}
	}
	assert.Equal(t, 2, rects, "one bar per image")
}

func TestJUnitValidatesAgainstTheSchema(t *testing.T) {
	testkit.NeedTool(t, "xmllint", testkit.InstallTestTools)
	xmllint, err := exec.LookPath("xmllint")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WriteReport(&buf, report.JUnit, sample()))
	golden(t, "report.xml", buf.Bytes())

	validate := func(doc []byte) (string, error) {
		path := filepath.Join(t.TempDir(), "report.xml")
		require.NoError(t, os.WriteFile(path, doc, 0o644))
		out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "junit.xsd"), path).CombinedOutput()
		return string(out), err
	}
	out, err := validate(buf.Bytes())
	require.NoError(t, err, out)
	assert.Contains(t, out, "validates")

	// The check can fail: a testsuite without its tests count does not validate.
	broken := strings.Replace(buf.String(), ` tests="2" failures="1" errors="0" skipped="0"`, ` failures="1" errors="0" skipped="0"`, 1)
	require.NotEqual(t, buf.String(), broken)
	out, err = validate([]byte(broken))
	assert.Error(t, err, out)
}

func TestJUnitCountsAndFailures(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteReport(&buf, report.JUnit, sample()))
	s := buf.String()
	assert.Equal(t, 2, strings.Count(s, "<testcase "), "one testcase per assertion")
	assert.Equal(t, 1, strings.Count(s, "<failure "))
	assert.Contains(t, s, `message="expected multi-state:v1, multi-state:runtime, actual missing: multi-state:runtime"`)
}

func TestScale(t *testing.T) {
	got := Scale([]Bar{{"builder", 262_000_000}, {"golang", 131_000_000}, {"runtime", 4_380_000}, {"none", 0}}, 40)
	assert.Equal(t, 40.0, got[0])
	assert.Equal(t, 20.0, got[1])
	assert.InDelta(t, 0.6687, got[2], 0.001)
	assert.Equal(t, 0.0, got[3])
	tiny := Scale([]Bar{{"a", 1_000_000_000}, {"b", 1}}, 40)
	assert.Equal(t, 0.125, tiny[1], "a non-empty image stays visible")
}

func TestTextChart(t *testing.T) {
	var buf bytes.Buffer
	TextChart(&buf, []Bar{{"multi-state:builder", 262_000_000}, {"alpine:latest", 32_750_000}}, 8)
	assert.Equal(t, "multi-state:builder  ████████   262MB\nalpine:latest        █          32.8MB\n", buf.String())
}

func TestUnknownFormat(t *testing.T) {
	assert.EqualError(t, WriteReport(&bytes.Buffer{}, report.Format("yaml"), sample()), `unknown report format "yaml"`)
}

// fleet is two engines that ran the lab and one that did not answer.
func sampleFleet() report.Fleet {
	a, b := sample(), sample()
	b.Engine.Version = "29.8.0"
	return report.Fleet{Tool: "multistage-lab", GeneratedAt: a.GeneratedAt, Engines: []report.EngineEntry{
		{Name: "unix:///var/run/docker.sock", Seconds: 14.2, Report: &a},
		{Name: "unix:///tmp/lab-engines/ci29c/d.sock", Seconds: 11.0, Report: &b},
		{Name: "tcp://10.0.0.9:2375", Seconds: 5.0, Error: "no Docker Engine answers at tcp://10.0.0.9:2375 (no answer in 5s)"},
		{Name: "ctx-built", Seconds: 3.0},
	}}
}

func TestFleetJUnitHasASuitePerEngine(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteFleetReport(&buf, report.JUnit, sampleFleet()))
	var doc junitSuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
	require.Len(t, doc.Suites, 4)
	assert.Equal(t, "unix:///var/run/docker.sock", doc.Suites[0].Name)
	built := doc.Suites[3]
	assert.Equal(t, 1, built.Tests, "a step without verify (build) is one passing case")
	assert.Zero(t, built.Failures+built.Errors)
	assert.Equal(t, "unix:///tmp/lab-engines/ci29c/d.sock", doc.Suites[1].Name)
	assert.Equal(t, len(sample().Assertions), doc.Suites[1].Tests)
	unreachable := doc.Suites[2]
	assert.Equal(t, "tcp://10.0.0.9:2375", unreachable.Name)
	assert.Equal(t, 1, unreachable.Errors)
	require.Len(t, unreachable.Cases, 1)
	require.NotNil(t, unreachable.Cases[0].Error)
	assert.Contains(t, unreachable.Cases[0].Error.Message, "no Docker Engine answers")
	assert.Equal(t, 1, doc.Errors)
	assert.Equal(t, 2*sample().Failed, doc.Failures)

	if xmllint, err := exec.LookPath("xmllint"); err == nil {
		path := filepath.Join(t.TempDir(), "fleet.xml")
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "junit.xsd"), path).CombinedOutput()
		require.NoError(t, err, string(out))
	} else if os.Getenv("CI") == "true" {
		t.Fatal("CI needs xmllint")
	}
}

func TestFleetJSONAndMarkdown(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteFleetReport(&buf, report.JSON, sampleFleet()))
	var back report.Fleet
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	require.Len(t, back.Engines, 4)
	assert.Nil(t, back.Engines[2].Report)
	assert.Equal(t, "29.8.0", back.Engines[1].Report.Engine.Version)

	buf.Reset()
	require.NoError(t, WriteFleetReport(&buf, report.Markdown, sampleFleet()))
	md := buf.String()
	assert.Contains(t, md, "| engine | version | image store | builder | bases | assertions | seconds |")
	assert.Contains(t, md, "| tcp://10.0.0.9:2375 | | | | | error: no Docker Engine answers at tcp://10.0.0.9:2375 (no answer in 5s) | 5.0 |")
	assert.Equal(t, 2, strings.Count(md, "```\nmulti-state:builder"), "a text chart per engine that ran")
	assert.NotContains(t, md, "<svg")
}
