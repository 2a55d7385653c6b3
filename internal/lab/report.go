package lab

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/report"
	"github.com/multistage-lab/multistage-lab/internal/verify"
)

// Report assembles what verify found as a report.
func (l *Lab) Report(ctx context.Context, inv Inventory, checks []Check, why []string, start time.Time) (report.Report, error) {
	v, err := l.engineVersion(ctx)
	if err != nil {
		return report.Report{}, err
	}
	st, err := l.imageStore(ctx)
	if err != nil {
		return report.Report{}, err
	}
	r := report.Report{
		Tool:        "multistage-lab",
		GeneratedAt: time.Now().UTC(),
		Seconds:     time.Since(start).Seconds(),
		Engine: report.Engine{Version: v.Version, APIVersion: v.APIVersion, ClientAPIVersion: l.Client.ClientVersion(),
			ImageStore: st.String(), OS: v.Os, Arch: v.Arch},
		Builder:     verify.DetectBuilder(inv.Images[l.runImage().Name]),
		Explanation: why,
	}
	for _, im := range l.Images() {
		f := inv.Images[im.Name]
		r.Images = append(r.Images, report.Image{Name: im.Name, Tag: im.Tag, Present: f.Present, ID: f.ID, Size: f.Size, Content: f.Sizes.Content, EngineSize: f.Sizes.Engine})
	}
	for _, base := range l.Def.Bases {
		role := base.Role
		b := inv.Bases[role]
		kind := "absent"
		if b.ID != "" {
			kind = b.Kind()
		}
		r.Bases = append(r.Bases, report.Base{Role: role, Ref: b.Ref, ID: b.ID, Size: b.Size, Kind: kind})
	}
	for _, c := range checks {
		status := "pass"
		if !c.Pass {
			status = "fail"
		}
		r.Assertions = append(r.Assertions, report.Check{Name: c.Name, Status: status, Expected: c.Expected, Actual: c.Actual})
	}
	r.Failed = verify.Failed(checks)
	r.Passed = len(checks) - r.Failed
	for _, b := range l.builds {
		r.Builds = append(r.Builds, report.BuildRun{Tag: b.Image.Tag, ID: b.ID, Seconds: b.Duration.Seconds()})
	}
	if r.Sizes, err = l.Sizes(ctx, inv); err != nil {
		return report.Report{}, err
	}
	return r, nil
}

// reportPath is where the report goes: LAB_REPORT_FILE, else
// build/report.<ext> in the project.
func (l *Lab) reportPath() string {
	if p := l.Settings.ReportFile; p != "" {
		return p
	}
	return filepath.Join(l.Root, "build", "report."+l.Settings.Report.Extension())
}

func (l *Lab) writeReport(ctx context.Context, inv Inventory, checks []Check, why []string, start time.Time) error {
	r, err := l.Report(ctx, inv, checks, why, start)
	if err != nil {
		return err
	}
	path := l.reportPath()
	if path == "-" {
		return l.Settings.Report.Write(l.Out, r)
	}
	if l.Settings.Report == report.Markdown && len(r.Sizes) > 0 {
		// The chart goes beside the report, linked as an image: GitHub
		// strips SVG written inline into Markdown.
		svg := strings.TrimSuffix(path, filepath.Ext(path)) + ".sizes.svg"
		if err := report.WriteFile(svg, func(w io.Writer) error { return report.WriteSVG(w, r) }); err != nil {
			return err
		}
		r.Chart = filepath.Base(svg)
	}
	if err := report.WriteFile(path, func(w io.Writer) error { return l.Settings.Report.Write(w, r) }); err != nil {
		return err
	}
	l.printf("report (%s): %s\n", l.Settings.Report, path)
	return nil
}
