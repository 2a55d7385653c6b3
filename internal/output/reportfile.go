package output

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/report"
)

// ReportFile says where LAB_REPORT's report goes: the file LAB_REPORT_FILE
// names ("-" for standard output), else build/report.<ext> in the
// project.
type ReportFile struct {
	Format report.Format
	Path   string
}

// ReportFileIn is the report file for format in root, unless path (LAB_REPORT_FILE) names one.
func ReportFileIn(root string, format report.Format, path string) ReportFile {
	if path == "" {
		path = filepath.Join(root, "build", "report."+format.Extension())
	}
	return ReportFile{Format: format, Path: path}
}

// Write writes one engine's report, a Markdown report's size chart as an
// SVG file beside it (GitHub strips SVG written inline into Markdown), and
// says where on out.
func (f ReportFile) Write(out io.Writer, r report.Report) error {
	if f.Path == "-" {
		return WriteReport(out, f.Format, r)
	}
	if f.Format == report.Markdown && len(r.Sizes) > 0 {
		svg := f.chart("sizes")
		if err := WriteFile(svg, func(w io.Writer) error { return WriteSVG(w, r) }); err != nil {
			return err
		}
		r.Chart = filepath.Base(svg)
	}
	if err := WriteFile(f.Path, func(w io.Writer) error { return WriteReport(w, f.Format, r) }); err != nil {
		return err
	}
	fmt.Fprintf(out, "report (%s): %s\n", f.Format, f.Path)
	return nil
}

// WriteFleet writes the report of every engine, a Markdown report's
// charts as an SVG file per engine beside it, and says where on out.
func (f ReportFile) WriteFleet(out io.Writer, fl report.Fleet) error {
	if f.Path == "-" {
		return WriteFleetReport(out, f.Format, fl)
	}
	if f.Format == report.Markdown {
		fl.Engines = append([]report.EngineEntry(nil), fl.Engines...)
		for i, e := range fl.Engines {
			if e.Report == nil || len(e.Report.Sizes) == 0 {
				continue
			}
			svg := f.chart(fmt.Sprintf("engine%d.sizes", i+1))
			r := *e.Report
			if err := WriteFile(svg, func(w io.Writer) error { return WriteSVG(w, r) }); err != nil {
				return err
			}
			r.Chart = filepath.Base(svg)
			fl.Engines[i].Report = &r
		}
	}
	if err := WriteFile(f.Path, func(w io.Writer) error { return WriteFleetReport(w, f.Format, fl) }); err != nil {
		return err
	}
	fmt.Fprintf(out, "report (%s, %d engines): %s\n", f.Format, len(fl.Engines), f.Path)
	return nil
}

// chart is the path of a chart beside the report: report.<what>.svg.
func (f ReportFile) chart(what string) string {
	return strings.TrimSuffix(f.Path, filepath.Ext(f.Path)) + "." + what + ".svg"
}
