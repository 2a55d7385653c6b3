package checks

import (
	"fmt"

	"github.com/multistage-lab/multistage-lab/internal/display"
)

// AtLeastBase: the image is at least its base's size (unpacked).
//
//	at-least-base: builder
type AtLeastBase string

func (a AtLeastBase) Images() ([]string, bool) { return []string{string(a)}, true }
func (AtLeastBase) Invalid() string            { return "" }
func (AtLeastBase) Need(*Needs)                {}

func (a AtLeastBase) Evaluate(l Lab, inv Inventory) Verdict {
	name := string(a)
	b, role, berr := base(l, inv, name)
	short := fmt.Sprintf("%s >= the %s base", name, role)
	im, err := image(l, inv, name)
	if err != nil {
		return missing(short, err)
	}
	if berr != nil {
		return missing(short, berr)
	}
	return Verdict{
		Expected: fmt.Sprintf("%s >= %s (%d bytes, %s; sizes unpacked)", name, b.Ref, b.Size, display.HumanSize(b.Size)),
		Actual:   fmt.Sprintf("%s %d bytes (%s)", name, im.Size, display.HumanSize(im.Size)),
		Pass:     im.Size >= b.Size,
	}
}
