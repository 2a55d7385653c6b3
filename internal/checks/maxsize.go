package checks

import "fmt"

// MaxSize: Image is at most MiB mebibytes: unpacked, which means the same
// on every image store, or with Compressed its compressed content, which
// only the containerd image store keeps (a registry holds the same).
//
//	max-size: {image: runtime, mib: 10}
//	max-size: {image: runtime, mib: 4, compressed: true}
type MaxSize struct {
	Image      string  `yaml:"image"`
	MiB        float64 `yaml:"mib"`
	Compressed bool    `yaml:"compressed"`
}

func (m MaxSize) Images() ([]string, bool) { return []string{m.Image}, false }
func (m MaxSize) Need(*Needs)              {}

func (m MaxSize) Invalid() string {
	if m.MiB <= 0 {
		return "max-size.mib is not above 0: give the budget in MiB"
	}
	return ""
}

func (m MaxSize) Evaluate(l Lab, inv Inventory) Verdict {
	what, size := "unpacked", func(im ImageFacts) int64 { return im.Size }
	if m.Compressed {
		what, size = "compressed", func(im ImageFacts) int64 { return im.Sizes.Content }
	}
	expected := fmt.Sprintf("%s <= %g MiB %s", m.Image, m.MiB, what)
	im, err := image(l, inv, m.Image)
	if err != nil {
		return missing(expected, err)
	}
	if m.Compressed && !inv.Store.Containerd {
		return missing(expected, fmt.Errorf("no compressed size: the engine's %s keeps only the unpacked layers (the containerd image store keeps both)", inv.Store))
	}
	n := size(im)
	return Verdict{
		Expected: expected,
		Actual:   fmt.Sprintf("%s %.2f MiB %s (%d bytes)", m.Image, float64(n)/MiB, what, n),
		Pass:     float64(n) <= m.MiB*MiB,
	}
}
