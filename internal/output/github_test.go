package output

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/report"
)

func verified() report.Report {
	return report.Report{
		Tool:    "multistage-lab",
		Engine:  report.Engine{Version: "20.10.24", APIVersion: "1.41", OS: "linux", Arch: "amd64"},
		Builder: "buildkit",
		LabFile: "dockerfiles/lab.yaml",
		Assertions: []report.Check{
			{Name: "1. the lab's tags exist", Status: "pass", Expected: "all", Actual: "all present", Line: 20},
			{Name: "4a. runtime is under 10% of builder's size", Status: "fail", Expected: "runtime < 26.2MB", Actual: "runtime 262MB, 100%, of builder", Line: 31},
		},
		Passed: 1, Failed: 1,
	}
}

func TestGitHubAnnotatesEachFailedCheckAtItsLine(t *testing.T) {
	ws := t.TempDir()
	summary := filepath.Join(t.TempDir(), "summary.md")
	require.NoError(t, os.WriteFile(summary, []byte("an earlier step's summary\n"), 0o644))
	g := GitHubFrom(func(k string) string {
		return map[string]string{"GITHUB_STEP_SUMMARY": summary, "GITHUB_WORKSPACE": ws}[k]
	}, filepath.Join(ws, "service"))

	var out bytes.Buffer
	require.NoError(t, g.Report(&out, verified()))
	golden(t, "github-annotations.txt", out.Bytes())
	assert.Contains(t, out.String(), "file=service/dockerfiles/lab.yaml,line=31::", "relative to the checkout")

	got, err := os.ReadFile(summary)
	require.NoError(t, err)
	var md bytes.Buffer
	require.NoError(t, WriteReport(&md, report.Markdown, verified()))
	assert.Equal(t, "an earlier step's summary\n"+md.String(), string(got), "appended to what the job's earlier steps wrote")
}

func TestGitHubIsOffOutsideActions(t *testing.T) {
	var out bytes.Buffer
	g := GitHubFrom(func(string) string { return "" }, t.TempDir())
	require.NoError(t, g.Report(&out, verified()))
	assert.False(t, g.On())
	assert.Empty(t, out.String())
}

func TestGitHubEscapesAsTheToolkitDoes(t *testing.T) {
	assert.Equal(t, "50%25 a%0Ab", escapeData("50% a\nb"))
	assert.Equal(t, "a%3A b%2C c", escapeProperty("a: b, c"))
}

func TestReportFileWritesTheChartBeside(t *testing.T) {
	dir := t.TempDir()
	r := verified()
	r.Sizes = []report.Layers{{Ref: "multi-state:runtime", Size: 4 << 20}}
	var out bytes.Buffer
	f := ReportFileIn(dir, report.Markdown, "")
	require.NoError(t, f.Write(&out, r))
	assert.Equal(t, "report (markdown): "+filepath.Join(dir, "build", "report.md")+"\n", out.String())
	md, err := os.ReadFile(filepath.Join(dir, "build", "report.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "report.sizes.svg")
	assert.FileExists(t, filepath.Join(dir, "build", "report.sizes.svg"))
}
