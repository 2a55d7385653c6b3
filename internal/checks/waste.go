package checks

import (
	"fmt"
	"strings"

	"github.com/dustin/go-humanize"
)

// Waste: dive's three CI rules on Image (its .dive-ci's lowestEfficiency,
// highestWastedBytes and highestUserWastedPercent), any of them, computed
// as dive computes them (package waste): a file a later layer overwrites
// or removes is wasted, every version of it. Bytes are written as dive
// reads them ("20MB" is 20,000,000; "20MiB" 20,971,520).
//
//	waste: {image: builder, lowest-efficiency: 0.95, highest-wasted-bytes: 20MB, highest-user-wasted-percent: 0.1}
type Waste struct {
	Image                    string   `yaml:"image"`
	LowestEfficiency         *float64 `yaml:"lowest-efficiency"`
	HighestWastedBytes       string   `yaml:"highest-wasted-bytes"`
	HighestUserWastedPercent *float64 `yaml:"highest-user-wasted-percent"`
}

func (w Waste) Images() ([]string, bool) { return []string{w.Image}, false }
func (w Waste) Need(n *Needs)            { n.Wasted(w.Image) }

func (w Waste) Invalid() string {
	if w.LowestEfficiency == nil && w.HighestWastedBytes == "" && w.HighestUserWastedPercent == nil {
		return "waste names no rule: give lowest-efficiency, highest-wasted-bytes or highest-user-wasted-percent"
	}
	if e := w.LowestEfficiency; e != nil && (*e < 0 || *e > 1) {
		return fmt.Sprintf("waste.lowest-efficiency is %g: give a fraction from 0 to 1, as dive does", *e)
	}
	if p := w.HighestUserWastedPercent; p != nil && (*p < 0 || *p > 1) {
		return fmt.Sprintf("waste.highest-user-wasted-percent is %g: give a fraction from 0 to 1 (0.1 for 10%%), as dive does", *p)
	}
	if w.HighestWastedBytes != "" {
		if _, err := humanize.ParseBytes(w.HighestWastedBytes); err != nil {
			return fmt.Sprintf("waste.highest-wasted-bytes %q is not a size: write it as dive does (20MB, 20MiB, 1000)", w.HighestWastedBytes)
		}
	}
	return ""
}

func (w Waste) Evaluate(l Lab, inv Inventory) Verdict {
	var rules []string
	var limit uint64
	if e := w.LowestEfficiency; e != nil {
		rules = append(rules, fmt.Sprintf("efficiency >= %g", *e))
	}
	if w.HighestWastedBytes != "" {
		limit, _ = humanize.ParseBytes(w.HighestWastedBytes)
		rules = append(rules, fmt.Sprintf("wasted <= %d bytes (%s)", limit, w.HighestWastedBytes))
	}
	if p := w.HighestUserWastedPercent; p != nil {
		rules = append(rules, fmt.Sprintf("user wasted <= %g", *p))
	}
	expected := w.Image + ": " + strings.Join(rules, ", ")
	if _, err := image(l, inv, w.Image); err != nil {
		return missing(expected, err)
	}
	f, ok := inv.Waste[w.Image]
	if !ok || f.Err != "" {
		return missing(expected, fmt.Errorf("the layers of %s could not be read: %s", l.TagOf(w.Image), f.Err))
	}
	pass := true
	if e := w.LowestEfficiency; e != nil && *e > f.Efficiency {
		pass = false
	}
	if w.HighestWastedBytes != "" && f.WastedBytes > limit {
		pass = false
	}
	if p := w.HighestUserWastedPercent; p != nil && *p < f.UserWastedPercent {
		pass = false
	}
	return Verdict{
		Expected: expected,
		Actual: fmt.Sprintf("%s: efficiency %.4f, wasted %d bytes (%s), user wasted %.4f (of %d bytes the layers above the first add)",
			w.Image, f.Efficiency, f.WastedBytes, humanize.Bytes(f.WastedBytes), f.UserWastedPercent, f.UserSizeBytes),
		Pass: pass,
	}
}
