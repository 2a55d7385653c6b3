package checks

import (
	"fmt"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/display"
)

// AtMostBase: Image is at most its base, plus the file PlusFile in it,
// plus SlackMiB (unpacked).
//
//	at-most-base: {image: runtime, plus-file: /myapp/helloworld, slack-mib: 1}
type AtMostBase struct {
	Image    string  `yaml:"image"`
	PlusFile string  `yaml:"plus-file"`
	SlackMiB float64 `yaml:"slack-mib"`
}

func (a AtMostBase) Images() ([]string, bool) { return []string{a.Image}, true }
func (a AtMostBase) Need(n *Needs)            { n.Path(a.Image, a.PlusFile) }

func (a AtMostBase) Invalid() string {
	switch {
	case a.SlackMiB < 0:
		return "at-most-base.slack-mib is negative"
	case a.PlusFile != "" && !strings.HasPrefix(a.PlusFile, "/"):
		return "at-most-base.plus-file is not an absolute path"
	}
	return ""
}

func (a AtMostBase) Evaluate(l Lab, inv Inventory) Verdict {
	b, role, berr := base(l, inv, a.Image)
	parts := []string{role}
	if a.PlusFile != "" {
		parts = append(parts, a.PlusFile)
	}
	slack := fmt.Sprintf("%g MiB", a.SlackMiB)
	short := fmt.Sprintf("%s <= %s + %s", a.Image, strings.Join(parts, " + "), slack)
	im, err := image(l, inv, a.Image)
	if err != nil {
		return missing(short, err)
	}
	if berr != nil {
		return missing(short, berr)
	}
	limit := b.Size + int64(a.SlackMiB*MiB)
	shown := []string{role + " " + display.HumanSize(b.Size)}
	if a.PlusFile != "" {
		f := inv.Paths[a.Image][a.PlusFile]
		if !f.Present {
			return missing(short, fmt.Errorf("%s is not in %s", a.PlusFile, a.Image))
		}
		limit += f.Size
		shown = append(shown, a.PlusFile+" "+display.HumanSize(f.Size))
	}
	return Verdict{
		Expected: fmt.Sprintf("%s <= %d bytes (%s + %s; sizes unpacked)", a.Image, limit, strings.Join(shown, " + "), slack),
		Actual:   fmt.Sprintf("%s %d bytes (%s)", a.Image, im.Size, display.HumanSize(im.Size)),
		Pass:     im.Size <= limit,
	}
}
