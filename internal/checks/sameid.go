package checks

import (
	"slices"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/display"
)

// SameID: these images are one image (one image ID).
//
//	same-id: [v1, v2, runtime]
type SameID []string

func (s SameID) Images() ([]string, bool) { return s, false }
func (SameID) Need(*Needs)                {}

func (s SameID) Invalid() string {
	if len(s) < 2 {
		return "same-id names at least two images"
	}
	return ""
}

func (s SameID) Evaluate(l Lab, inv Inventory) Verdict {
	expected := "one image ID for " + strings.Join(s, ", ")
	ids, shown, err := imageIDs(l, inv, s)
	if err != nil {
		return missing(expected, err)
	}
	return Verdict{Expected: expected, Actual: strings.Join(shown, " "), Pass: len(slices.Compact(slices.Sorted(slices.Values(ids)))) == 1}
}

// imageIDs lists the images' IDs and name=short ID each, or says which is
// missing.
func imageIDs(l Lab, inv Inventory, names []string) (ids, shown []string, err error) {
	for _, n := range names {
		im, err := image(l, inv, n)
		if err != nil {
			return nil, nil, err
		}
		ids = append(ids, im.ID)
		shown = append(shown, n+"="+display.ShortID(im.ID))
	}
	return ids, shown, nil
}
