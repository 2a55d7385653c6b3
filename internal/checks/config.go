package checks

import (
	"fmt"
	"slices"
	"strings"
)

// Config: the image's entrypoint and working directory.
//
//	config: {image: runtime, entrypoint: [./helloworld], workdir: /myapp}
type Config struct {
	Image      string   `yaml:"image"`
	Entrypoint []string `yaml:"entrypoint"`
	Workdir    string   `yaml:"workdir"`
}

func (c Config) Images() ([]string, bool) { return []string{c.Image}, false }
func (Config) Need(*Needs)                {}

func (c Config) Invalid() string {
	if c.Entrypoint == nil && c.Workdir == "" {
		return "config names no entrypoint and no workdir"
	}
	return ""
}

func (c Config) Evaluate(l Lab, inv Inventory) Verdict {
	var want, got []string
	if c.Entrypoint != nil {
		want = append(want, fmt.Sprintf("entrypoint %q", c.Entrypoint))
	}
	if c.Workdir != "" {
		want = append(want, "workdir "+c.Workdir)
	}
	expected := strings.Join(want, ", ")
	im, err := image(l, inv, c.Image)
	if err != nil {
		return missing(expected, err)
	}
	pass := true
	if c.Entrypoint != nil {
		got = append(got, fmt.Sprintf("entrypoint %q", im.Entrypoint))
		pass = slices.Equal(im.Entrypoint, c.Entrypoint)
	}
	if c.Workdir != "" {
		got = append(got, "workdir "+im.WorkingDir)
		pass = pass && im.WorkingDir == c.Workdir
	}
	return Verdict{Expected: expected, Actual: strings.Join(got, ", "), Pass: pass}
}
