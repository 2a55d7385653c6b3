package verify

import (
	"slices"

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

// MiB is the unit of at-most-base's slack.
const MiB = 1 << 20

// Needs are what the checks look up beyond each image's inspect: the paths
// to stat in each image, and the images to run, in the lab file's order.
func Needs(def *labfile.Lab) (paths map[string][]string, runs []string) {
	paths = map[string][]string{}
	add := func(image string, ps ...string) {
		for _, p := range ps {
			if p != "" && !slices.Contains(paths[image], p) {
				paths[image] = append(paths[image], p)
			}
		}
	}
	for _, c := range def.Checks {
		switch {
		case c.Files != nil:
			add(c.Files.Image, c.Files.Present...)
			add(c.Files.Image, c.Files.Absent...)
		case c.AtMostBase != nil:
			add(c.AtMostBase.Image, c.AtMostBase.PlusFile)
		case c.Run != nil && !slices.Contains(runs, c.Run.Image):
			runs = append(runs, c.Run.Image)
		}
	}
	return paths, runs
}

// Evaluate runs every check of the lab file on an inventory. Each reports
// expected and actual, and a missing image makes the checks that need it
// fail with that as the reason.
func Evaluate(def *labfile.Lab, inv Inventory) []Check {
	e := evaluation{def: def, inv: inv}
	out := make([]Check, 0, len(def.Checks))
	for _, c := range def.Checks {
		r := e.check(c)
		r.Name, r.Line = c.Name, c.Line
		out = append(out, r)
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
