package checks

import (
	"fmt"

	"github.com/multistage-lab/multistage-lab/internal/display"
)

// About (compare.yaml): two approaches' images are the same size within
// WithinMiB.
//
//	about: {approaches: [builder pattern, multi-stage], within-mib: 1}
//
// (The form `about: [a, b]` with `within-mib` beside it in the check is
// read as this too.)
type About struct {
	Approaches []string `yaml:"approaches"`
	WithinMiB  float64  `yaml:"within-mib"`
}

func (a About) Images() ([]string, bool) { return a.Approaches, false }
func (About) Need(*Needs)                {}

func (a About) Invalid() string {
	switch {
	case len(a.Approaches) != 2:
		return fmt.Sprintf("about names %d approaches: give two", len(a.Approaches))
	case a.WithinMiB <= 0:
		return "about needs within-mib above 0"
	}
	return ""
}

func (a About) Evaluate(_ Lab, inv Inventory) Verdict {
	x, y := inv.Approaches[a.Approaches[0]].Size, inv.Approaches[a.Approaches[1]].Size
	diff := max(x-y, y-x)
	return Verdict{
		Expected: fmt.Sprintf("within %g MiB", a.WithinMiB),
		Actual:   fmt.Sprintf("%s vs %s (%d bytes apart)", display.HumanSize(x), display.HumanSize(y), diff),
		Pass:     float64(diff) <= a.WithinMiB*MiB,
	}
}
