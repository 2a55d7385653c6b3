package checks

import (
	"fmt"

	"github.com/multistage-lab/multistage-lab/internal/display"
)

// Smaller: Image is under Percent% of Than's size (unpacked).
//
//	smaller: {image: runtime, than: builder, percent: 10}
type Smaller struct {
	Image   string  `yaml:"image"`
	Than    string  `yaml:"than"`
	Percent float64 `yaml:"percent"`
}

func (s Smaller) Images() ([]string, bool) { return []string{s.Image, s.Than}, false }
func (Smaller) Need(*Needs)                {}

func (s Smaller) Invalid() string {
	if s.Percent <= 0 || s.Percent > 100 {
		return fmt.Sprintf("smaller.percent is %v: give a number above 0 and at most 100", s.Percent)
	}
	return ""
}

func (s Smaller) Evaluate(l Lab, inv Inventory) Verdict {
	short := fmt.Sprintf("%s < %g%% of %s", s.Image, s.Percent, s.Than)
	than, err := image(l, inv, s.Than)
	if err != nil {
		return missing(short, err)
	}
	im, err := image(l, inv, s.Image)
	if err != nil {
		return missing(short, err)
	}
	limit := float64(than.Size) * s.Percent / 100
	return Verdict{
		Expected: fmt.Sprintf("%s < %s (%g%% of %s %s; sizes unpacked)", s.Image, display.HumanSize(int64(limit)), s.Percent, s.Than, display.HumanSize(than.Size)),
		Actual:   fmt.Sprintf("%s %s = %.2f%% of %s", s.Image, display.HumanSize(im.Size), 100*float64(im.Size)/float64(max(than.Size, 1)), s.Than),
		Pass:     float64(im.Size) < limit,
	}
}
