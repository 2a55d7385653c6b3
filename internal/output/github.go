package output

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// GitHub is GitHub Actions' view of a verify run: the Markdown report
// appended to the job's step summary, and each failed check printed as a
// workflow annotation at its line in the lab file, so the pull request
// shows it there.
type GitHub struct {
	// Summary is the step summary file (GITHUB_STEP_SUMMARY); the view is
	// off when it is "".
	Summary string
	// Workspace is the checkout (GITHUB_WORKSPACE): annotations name files
	// relative to it. Root is the lab's project folder, which the report's
	// lab file is relative to.
	Workspace string
	Root      string
}

// GitHubFrom reads the view's settings from the variables GitHub Actions
// sets in a job.
func GitHubFrom(getenv func(string) string, root string) GitHub {
	return GitHub{Summary: getenv("GITHUB_STEP_SUMMARY"), Workspace: getenv("GITHUB_WORKSPACE"), Root: root}
}

// On reports whether the run is in a GitHub Actions job.
func (g GitHub) On() bool { return g.Summary != "" }

// Report appends r's Markdown report to the step summary and prints an
// annotation per failed check on out.
func (g GitHub) Report(out io.Writer, r report.Report) error {
	if !g.On() {
		return nil
	}
	g.annotate(out, "", r)
	return g.appendSummary(func(w io.Writer) error { return WriteReport(w, report.Markdown, r) })
}

// Fleet is Report for a run on several engines: the matrix of engines in
// the summary, an annotation per failed check on each engine.
func (g GitHub) Fleet(out io.Writer, fl report.Fleet) error {
	if !g.On() {
		return nil
	}
	for _, e := range fl.Engines {
		if e.Report != nil {
			g.annotate(out, e.Name+": ", *e.Report)
		}
	}
	return g.appendSummary(func(w io.Writer) error { return WriteFleetReport(w, report.Markdown, fl) })
}

// annotate prints a failed check as ::error title=...,file=...,line=...::
// with its expected and actual values.
func (g GitHub) annotate(out io.Writer, prefix string, r report.Report) {
	file := g.relative(r.LabFile)
	for _, c := range r.Assertions {
		if c.Status == "pass" {
			continue
		}
		props := "title=" + escapeProperty(prefix+c.Name)
		if file != "" {
			props += ",file=" + escapeProperty(file)
			if c.Line > 0 {
				props += fmt.Sprintf(",line=%d", c.Line)
			}
		}
		fmt.Fprintf(out, "::error %s::%s\n", props, escapeData(fmt.Sprintf("%s%s failed: expected %s; actual %s", prefix, c.Name, c.Expected, c.Actual)))
	}
}

// relative is the lab file as GitHub names files: relative to the
// checkout, with forward slashes.
func (g GitHub) relative(labFile string) string {
	if labFile == "" {
		return ""
	}
	path := labFile
	if !filepath.IsAbs(path) && g.Root != "" {
		path = filepath.Join(g.Root, path)
	}
	base := g.Workspace
	if base == "" {
		base = g.Root
	}
	if rel, ok := display.Within(base, path); ok {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(labFile)
}

// appendSummary appends to the step summary file, which each step of the
// job adds to.
func (g GitHub) appendSummary(write func(io.Writer) error) error {
	f, err := os.OpenFile(g.Summary, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", err)
	}
	return f.Close()
}

// escapeData and escapeProperty escape as GitHub's toolkit does for
// workflow commands (actions/toolkit, core/src/command.ts).
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
