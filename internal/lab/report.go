package lab

import (
	"context"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/report"
	"github.com/multistage-lab/multistage-lab/internal/verify"
)

// Report assembles what verify found as a report.
func (l *Lab) Report(ctx context.Context, found Verification) (report.Report, error) {
	inv, checks, why := found.Inventory, found.Checks, found.Why
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
		Seconds:     found.Took.Seconds(),
		Engine: report.Engine{Version: v.Version, APIVersion: v.APIVersion, ClientAPIVersion: l.Client.ClientVersion(),
			ImageStore: st.String(), OS: v.Os, Arch: v.Arch},
		Builder:     verify.DetectBuilder(inv.Images[l.runImage().Name]),
		Explanation: why,
		LabFile:     l.displayPath(l.Def.Path),
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
		r.Assertions = append(r.Assertions, report.Check{Name: c.Name, Status: status, Expected: c.Expected, Actual: c.Actual, Line: c.Line})
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
