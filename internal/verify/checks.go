package verify

import (
	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
)

// Check is one assertion's outcome.
type Check struct {
	Name     string
	Pass     bool
	Expected string
	Actual   string
	// Line is the check's line in the lab file.
	Line int
}

// Needs are what the checks look up beyond each image's inspect: the paths
// to stat in each image, and the images to run, in the lab file's order.
func Needs(def *labfile.Lab) checks.Needs {
	var n checks.Needs
	for _, c := range def.Checks {
		c.Kind.Need(&n)
	}
	if n.Paths == nil {
		n.Paths = map[string][]string{}
	}
	return n
}

// Evaluate runs every check of the lab file on an inventory. Each reports
// expected and actual, and a missing image makes the checks that need it
// fail with that as the reason.
func Evaluate(def *labfile.Lab, inv checks.Inventory) []Check {
	out := make([]Check, 0, len(def.Checks))
	for _, c := range def.Checks {
		v := c.Kind.Evaluate(def, inv)
		out = append(out, Check{Name: c.Name, Line: c.Line, Pass: v.Pass, Expected: v.Expected, Actual: v.Actual})
	}
	return out
}

// Failed counts the checks that did not pass.
func Failed(checks []Check) int {
	n := 0
	for _, c := range checks {
		if !c.Pass {
			n++
		}
	}
	return n
}
