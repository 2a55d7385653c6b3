package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/display"
)

// OnBase: each image's layers begin with its base's, which proves the
// images were built on the bases the image table shows.
//
//	on-base: [builder, runtime]
type OnBase []string

func (o OnBase) Images() ([]string, bool) { return o, true }
func (OnBase) Need(*Needs)                {}

func (o OnBase) Invalid() string {
	if len(o) == 0 {
		return "on-base names no image"
	}
	return ""
}

func (o OnBase) Evaluate(l Lab, inv Inventory) Verdict {
	var want, actual []string
	for i, n := range o {
		ref := inv.Bases[l.BaseRoleOf(n)].Ref
		if i == 0 {
			want = append(want, fmt.Sprintf("%s's layers start with %s's", n, ref))
		} else {
			want = append(want, fmt.Sprintf("%s's with %s's", n, ref))
		}
	}
	expected := strings.Join(want, ", ")
	pass := true
	for _, n := range o {
		im, err := image(l, inv, n)
		if err != nil {
			return missing(expected, err)
		}
		b, _, err := base(l, inv, n)
		if err != nil {
			return missing(expected, err)
		}
		on := len(b.Layers) > 0 && len(im.Layers) >= len(b.Layers) && slices.Equal(im.Layers[:len(b.Layers)], b.Layers)
		pass = pass && on
		verb := "is on"
		if !on {
			verb = "is NOT on"
		}
		actual = append(actual, fmt.Sprintf("%s %s %s (%s, %s)", n, verb, b.Ref, b.Kind(), display.ShortID(b.ID)))
	}
	return Verdict{Expected: expected, Actual: strings.Join(actual, "; "), Pass: pass}
}
