package checks

import "fmt"

// MaxLayers: Image has at most Count layers (its root filesystem's, as
// docker image inspect lists them).
//
//	max-layers: {image: runtime, count: 3}
type MaxLayers struct {
	Image string `yaml:"image"`
	Count int    `yaml:"count"`
}

func (m MaxLayers) Images() ([]string, bool) { return []string{m.Image}, false }
func (m MaxLayers) Need(*Needs)              {}

func (m MaxLayers) Invalid() string {
	if m.Count < 1 {
		return "max-layers.count is below 1: an image has at least one layer"
	}
	return ""
}

func (m MaxLayers) Evaluate(l Lab, inv Inventory) Verdict {
	expected := fmt.Sprintf("%s has <= %d layers", m.Image, m.Count)
	im, err := image(l, inv, m.Image)
	if err != nil {
		return missing(expected, err)
	}
	return Verdict{
		Expected: expected,
		Actual:   fmt.Sprintf("%s has %d layers", m.Image, len(im.Layers)),
		Pass:     len(im.Layers) <= m.Count,
	}
}
