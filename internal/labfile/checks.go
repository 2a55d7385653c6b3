package labfile

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Check is one assertion: a name the output and reports show, and exactly
// one kind with its parameters.
type Check struct {
	Name string `yaml:"name"`
	// Exist: these images' tags exist ("all": every image).
	Exist *Names `yaml:"exist"`
	// SameID: these images are one image.
	SameID []string `yaml:"same-id"`
	// Differ: these images are different images.
	Differ []string `yaml:"differ"`
	// Smaller: an image is under a percentage of another's size.
	Smaller *Smaller `yaml:"smaller"`
	// AtLeastBase: an image is at least its base's size.
	AtLeastBase string `yaml:"at-least-base"`
	// AtMostBase: an image is at most its base, a file in it, and slack.
	AtMostBase *AtMostBase `yaml:"at-most-base"`
	// Config: an image's entrypoint and working directory.
	Config *Config `yaml:"config"`
	// Files: paths present in and absent from an image.
	Files *Files `yaml:"files"`
	// Run: what a container of an image prints, and its exit code.
	Run *Run `yaml:"run"`
	// OnBase: each image's layers begin with its base's.
	OnBase []string `yaml:"on-base"`

	Line int `yaml:"-"`
}

// Smaller is Image < Percent% of Than's size.
type Smaller struct {
	Image   string  `yaml:"image"`
	Than    string  `yaml:"than"`
	Percent float64 `yaml:"percent"`
}

// AtMostBase is Image <= its base + the file PlusFile in it + SlackMiB.
type AtMostBase struct {
	Image    string  `yaml:"image"`
	PlusFile string  `yaml:"plus-file"`
	SlackMiB float64 `yaml:"slack-mib"`
}

// Config is an image's expected entrypoint and working directory.
type Config struct {
	Image      string   `yaml:"image"`
	Entrypoint []string `yaml:"entrypoint"`
	Workdir    string   `yaml:"workdir"`
}

// Files are paths that must be present in, and absent from, an image.
type Files struct {
	Image   string   `yaml:"image"`
	Present []string `yaml:"present"`
	Absent  []string `yaml:"absent"`
}

// Run is what a container of Image must print on standard output, and its
// exit code.
type Run struct {
	Image  string `yaml:"image"`
	Stdout string `yaml:"stdout"`
	Exit   int    `yaml:"exit"`
}

// Names is a list of image names, or "all" for every image.
type Names struct {
	All   bool
	Names []string
}

// UnmarshalYAML reads "all" or a list of names.
func (n *Names) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode {
		if node.Value != "all" {
			return fmt.Errorf("line %d: exist takes all or a list of image names, not %q", node.Line, node.Value)
		}
		n.All = true
		return nil
	}
	return node.Decode(&n.Names)
}

// Kind is the check's kind, as its key in the file.
func (c Check) Kind() string {
	k := c.kinds()
	if len(k) == 1 {
		return k[0]
	}
	return ""
}

// kinds are the kind keys the entry sets.
func (c Check) kinds() []string {
	var k []string
	add := func(set bool, name string) {
		if set {
			k = append(k, name)
		}
	}
	add(c.Exist != nil, "exist")
	add(c.SameID != nil, "same-id")
	add(c.Differ != nil, "differ")
	add(c.Smaller != nil, "smaller")
	add(c.AtLeastBase != "", "at-least-base")
	add(c.AtMostBase != nil, "at-most-base")
	add(c.Config != nil, "config")
	add(c.Files != nil, "files")
	add(c.Run != nil, "run")
	add(c.OnBase != nil, "on-base")
	return k
}

// kindNames lists every kind, for messages.
const kindNames = "exist, same-id, differ, smaller, at-least-base, at-most-base, config, files, run, on-base"

// Images are the image names the check refers to, and whether it needs
// each one's base.
func (c Check) Images() (names []string, needBase bool) {
	switch {
	case c.Exist != nil:
		return c.Exist.Names, false
	case c.SameID != nil:
		return c.SameID, false
	case c.Differ != nil:
		return c.Differ, false
	case c.Smaller != nil:
		return []string{c.Smaller.Image, c.Smaller.Than}, false
	case c.AtLeastBase != "":
		return []string{c.AtLeastBase}, true
	case c.AtMostBase != nil:
		return []string{c.AtMostBase.Image}, true
	case c.Config != nil:
		return []string{c.Config.Image}, false
	case c.Files != nil:
		return []string{c.Files.Image}, false
	case c.Run != nil:
		return []string{c.Run.Image}, false
	case c.OnBase != nil:
		return c.OnBase, true
	}
	return nil, false
}

// checkParams checks what each kind needs beyond image names.
func (c Check) checkParams() string {
	switch {
	case c.SameID != nil && len(c.SameID) < 2:
		return "same-id names at least two images"
	case c.Differ != nil && len(c.Differ) < 2:
		return "differ names at least two images"
	case c.Smaller != nil && (c.Smaller.Percent <= 0 || c.Smaller.Percent > 100):
		return fmt.Sprintf("smaller.percent is %v: give a number above 0 and at most 100", c.Smaller.Percent)
	case c.AtMostBase != nil && c.AtMostBase.SlackMiB < 0:
		return "at-most-base.slack-mib is negative"
	case c.AtMostBase != nil && c.AtMostBase.PlusFile != "" && !strings.HasPrefix(c.AtMostBase.PlusFile, "/"):
		return "at-most-base.plus-file is not an absolute path"
	case c.Config != nil && c.Config.Entrypoint == nil && c.Config.Workdir == "":
		return "config names no entrypoint and no workdir"
	case c.Files != nil && len(c.Files.Present)+len(c.Files.Absent) == 0:
		return "files names no path present or absent"
	case c.OnBase != nil && len(c.OnBase) == 0:
		return "on-base names no image"
	}
	if c.Files != nil {
		for _, p := range append(append([]string{}, c.Files.Present...), c.Files.Absent...) {
			if !strings.HasPrefix(p, "/") {
				return fmt.Sprintf("files: %q is not an absolute path", p)
			}
		}
	}
	return ""
}
