package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sample() Report {
	return Report{
		Tool:        "multistage-lab",
		GeneratedAt: time.Date(2026, 11, 27, 10, 38, 11, 0, time.UTC),
		Seconds:     0.494,
		Engine:      Engine{Version: "20.10.24+dfsg1", APIVersion: "1.41", OS: "linux", Arch: "amd64"},
		Builder:     "buildkit",
		Images: []Image{
			{Name: "v1", Tag: "multi-state:v1", Present: true, ID: "sha256:4b1d25edd71d", Size: 4380025},
			{Name: "builder", Tag: "multi-state:builder", Present: true, ID: "sha256:58fc9f887802", Size: 261993651},
			{Name: "runtime", Tag: "multi-state:runtime"},
		},
		Bases: []Base{{Role: "golang", Ref: "golang:latest", ID: "sha256:90a5991abc84", Size: 226746694, Kind: "stand-in"}},
		Assertions: []Check{
			{Name: "1. the four tags exist", Status: "fail", Expected: "multi-state:v1, multi-state:runtime", Actual: "missing: multi-state:runtime"},
			{Name: "3. builder <is> another & \"image\"", Status: "pass", Expected: "builder ID != runtime ID", Actual: "x | y"},
		},
		Passed: 1, Failed: 1,
		Sizes: []Layers{
			{Ref: "multi-state:builder", Size: 261993651, Layers: []Layer{{Size: 226746694, Instruction: "Imported from -", Stage: "base golang:latest"}, {Size: 35246957, Instruction: "RUN go build -o helloworld", Stage: "builder stage"}}},
			{Ref: "multi-state:runtime", Size: 4380025, Layers: []Layer{{Size: 1982368, Instruction: "Imported from -", Stage: "base alpine:latest"}, {Size: 2397657, Instruction: "COPY /myapp/helloworld .", Stage: "runtime stage"}}},
		},
		Explanation: []string{"v1 vs v2: created A vs B"},
		Builds:      []BuildRun{{Tag: "multi-state:v1", ID: "sha256:4b1d25edd71d", Seconds: 15.5}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

func TestJSONRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, JSON.Write(&buf, sample()))
	var back Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, sample(), back)
	assert.Contains(t, buf.String(), `"size_bytes": 261993651`, "exact bytes, not rounded")
}

func TestMarkdownGolden(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Markdown.Write(&buf, sample()))
	golden(t, "report.md", buf.Bytes())

	// The chart is well-formed SVG.
	md := buf.String()
	svg := md[strings.Index(md, "<svg") : strings.Index(md, "</svg>")+len("</svg>")]
	dec := xml.NewDecoder(strings.NewReader(svg))
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
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI needs xmllint (scripts/install-test-tools.sh)")
		}
		t.Skip("no xmllint here: scripts/install-test-tools.sh installs it")
	}
	var buf bytes.Buffer
	require.NoError(t, JUnit.Write(&buf, sample()))
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
	require.NoError(t, JUnit.Write(&buf, sample()))
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
	assert.EqualError(t, Format("yaml").Write(&bytes.Buffer{}, sample()), `unknown report format "yaml"`)
}
