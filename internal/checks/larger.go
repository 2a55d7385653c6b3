package checks

import (
	"fmt"

	"github.com/multistage-lab/multistage-lab/internal/display"
)

// Larger (compare.yaml): the first approach's image is larger than the
// second's.
//
//	larger: [single stage, builder pattern]
type Larger []string

func (g Larger) Images() ([]string, bool) { return g, false }
func (Larger) Need(*Needs)                {}

func (g Larger) Invalid() string {
	if len(g) != 2 {
		return fmt.Sprintf("larger names %d approaches: give two", len(g))
	}
	return ""
}

func (g Larger) Evaluate(_ Lab, inv Inventory) Verdict {
	big, small := inv.Approaches[g[0]].Size, inv.Approaches[g[1]].Size
	return Verdict{
		Expected: g[0] + " larger",
		Actual:   fmt.Sprintf("%s vs %s", display.HumanSize(big), display.HumanSize(small)),
		Pass:     big > small,
	}
}
