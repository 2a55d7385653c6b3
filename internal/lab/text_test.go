package lab

import (
	"io"

	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/output"
	"github.com/multistage-lab/multistage-lab/internal/settings"
)

// newText is New with the lab's events rendered as text to out, as the
// targets render them, for the tests that read what a step said.
func newText(c engine.Client, s settings.Settings, root string, out io.Writer) *Lab {
	l := New(c, s, root, out)
	l.Events = output.Text(out)
	return l
}

// checksOf is what a verify found, checked: none if it read no images.
func checksOf(found *Verification) []Check {
	if found == nil {
		return nil
	}
	return found.Checks
}
