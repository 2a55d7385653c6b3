package checks

import (
	"fmt"
	"strings"
)

// Prints (compare.yaml): a container of every approach's image prints this
// and exits 0.
//
//	prints: "Hello World\n"
type Prints string

func (Prints) Images() ([]string, bool) { return nil, false }
func (Prints) Invalid() string          { return "" }
func (Prints) Need(*Needs)              {}

func (p Prints) Evaluate(l Lab, inv Inventory) Verdict {
	var parts []string
	pass := true
	for _, name := range l.ImageNames() {
		x := inv.Approaches[name]
		s := fmt.Sprintf("%q", x.Output)
		if x.ExitErr != "" {
			s = x.ExitErr
		}
		parts = append(parts, name+": "+s)
		pass = pass && x.Output == string(p) && x.ExitErr == ""
	}
	return Verdict{Expected: strings.TrimRight(string(p), "\n") + ", exit 0", Actual: strings.Join(parts, "; "), Pass: pass}
}
