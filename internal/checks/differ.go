package checks

import (
	"slices"
	"strings"
)

// Differ: these images are different images (no two share an ID).
//
//	differ: [builder, runtime]
type Differ []string

func (d Differ) Images() ([]string, bool) { return d, false }
func (Differ) Need(*Needs)                {}

func (d Differ) Invalid() string {
	if len(d) < 2 {
		return "differ names at least two images"
	}
	return ""
}

func (d Differ) Evaluate(l Lab, inv Inventory) Verdict {
	expected := strings.Join(d, " ID != ") + " ID"
	if len(d) > 2 {
		expected = "no two of " + strings.Join(d, ", ") + " share an ID"
	}
	ids, shown, err := imageIDs(l, inv, d)
	if err != nil {
		return missing(expected, err)
	}
	return Verdict{Expected: expected, Actual: strings.Join(shown, " "), Pass: len(slices.Compact(slices.Sorted(slices.Values(ids)))) == len(ids)}
}
