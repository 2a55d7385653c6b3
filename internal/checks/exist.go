package checks

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Exist: these images' tags exist ("all": every image).
//
//	exist: all
//	exist: [v1, v2]
type Exist struct {
	All   bool
	Names []string
}

// UnmarshalYAML reads "all" or a list of names.
func (e *Exist) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode {
		if node.Value != "all" {
			return fmt.Errorf("line %d: exist takes all or a list of image names, not %q", node.Line, node.Value)
		}
		e.All = true
		return nil
	}
	return node.Decode(&e.Names)
}

func (e Exist) Images() ([]string, bool) { return e.Names, false }
func (e Exist) Invalid() string          { return "" }
func (Exist) Need(*Needs)                {}

func (e Exist) Evaluate(l Lab, inv Inventory) Verdict {
	names := e.Names
	if e.All {
		names = l.ImageNames()
	}
	var want, absent []string
	for _, name := range names {
		want = append(want, l.TagOf(name))
		if f, ok := inv.Images[name]; !ok || !f.Present {
			absent = append(absent, l.TagOf(name))
		}
	}
	v := Verdict{Expected: strings.Join(want, ", "), Pass: len(absent) == 0}
	if v.Pass {
		v.Actual = "all present"
	} else {
		v.Actual = "missing: " + strings.Join(absent, ", ")
	}
	return v
}
