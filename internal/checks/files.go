package checks

import (
	"fmt"
	"strings"
)

// Files: paths present in, and absent from, the image's filesystem.
//
//	files: {image: runtime, present: [/myapp/helloworld], absent: [/usr/local/go]}
type Files struct {
	Image   string   `yaml:"image"`
	Present []string `yaml:"present"`
	Absent  []string `yaml:"absent"`
}

func (f Files) Images() ([]string, bool) { return []string{f.Image}, false }

func (f Files) Need(n *Needs) {
	n.Path(f.Image, f.Present...)
	n.Path(f.Image, f.Absent...)
}

func (f Files) Invalid() string {
	if len(f.Present)+len(f.Absent) == 0 {
		return "files names no path present or absent"
	}
	for _, p := range append(append([]string{}, f.Present...), f.Absent...) {
		if !strings.HasPrefix(p, "/") {
			return fmt.Sprintf("files: %q is not an absolute path", p)
		}
	}
	return ""
}

func (f Files) Evaluate(l Lab, inv Inventory) Verdict {
	var want, got []string
	pass := true
	state := func(present bool) string {
		if present {
			return "present"
		}
		return "absent"
	}
	for _, set := range []struct {
		paths   []string
		present bool
	}{{f.Present, true}, {f.Absent, false}} {
		for _, p := range set.paths {
			want = append(want, p+" "+state(set.present))
			is := inv.Paths[f.Image][p].Present
			got = append(got, p+" "+state(is))
			pass = pass && is == set.present
		}
	}
	expected := strings.Join(want, ", ")
	if _, err := image(l, inv, f.Image); err != nil {
		return missing(expected, err)
	}
	return Verdict{Expected: expected, Actual: strings.Join(got, ", "), Pass: pass}
}
