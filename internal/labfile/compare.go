package labfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/multistage-lab/multistage-lab/internal/checks"
)

// CompareName is the comparison file's name, beside the lab file.
const CompareName = "compare.yaml"

// Comparison is a comparison file: the program packaged several ways, and
// what their sizes and output must show.
type Comparison struct {
	Path string `yaml:"-"`
	Dir  string `yaml:"-"`

	Version    int            `yaml:"version"`
	Approaches []Approach     `yaml:"approaches"`
	Checks     []CompareCheck `yaml:"checks"`
}

// Approach is one way to package the program: a build of Dockerfile with
// Tags (after copying a file out of an earlier image, if CopyFrom says), or
// the lab file's image Lab.
type Approach struct {
	Name       string    `yaml:"name"`
	Tags       []string  `yaml:"tags"`
	Dockerfile string    `yaml:"dockerfile"`
	CopyFrom   *CopyFrom `yaml:"copy-from"`
	Lab        string    `yaml:"lab"`
	Line       int       `yaml:"-"`
}

// CopyFrom is a file read out of an image, as `docker container cp` does,
// and put into the build context as As.
type CopyFrom struct {
	Image string `yaml:"image"`
	Path  string `yaml:"path"`
	As    string `yaml:"as"`
}

// CompareCheck is one check of the comparison: a name and one of package
// checks' CompareKinds (larger, about, prints), which judge the approaches.
type CompareCheck struct{ Check }

// The comparison answers what its checks ask of it (checks.Lab): its
// approaches take the images' place.
var _ checks.Lab = (*Comparison)(nil)

// ImageNames are the approaches' names, in order.
func (c *Comparison) ImageNames() []string { return c.names() }

// TagOf is the approach's name: the checks name approaches.
func (c *Comparison) TagOf(name string) string { return name }

// BaseRoleOf is "": no comparison check measures against a base.
func (c *Comparison) BaseRoleOf(string) string { return "" }

func (a *Approach) UnmarshalYAML(n *yaml.Node) error {
	type plain Approach
	return decodeAt(n, (*plain)(a), &a.Line)
}

// UnmarshalYAML reads a comparison check as Check.UnmarshalYAML reads a
// lab file's, with the comparison's kinds. The first form of about, a list
// with within-mib beside it in the check, is read as about's mapping.
func (c *CompareCheck) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		var about, within *yaml.Node
		rest := n.Content[:0:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch k, v := n.Content[i], n.Content[i+1]; {
			case k.Value == "about" && v.Kind == yaml.SequenceNode:
				about = v
			case k.Value == "within-mib":
				within = v
				continue
			}
			rest = append(rest, n.Content[i], n.Content[i+1])
		}
		if about != nil {
			*about = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: about.Line, Column: about.Column, Content: []*yaml.Node{
				{Kind: yaml.ScalarNode, Tag: "!!str", Value: "approaches", Line: about.Line}, {Kind: yaml.SequenceNode, Tag: "!!seq", Content: about.Content, Line: about.Line},
			}}
			if within != nil {
				about.Content = append(about.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "within-mib", Line: within.Line}, within)
			}
			n.Content = rest
		}
	}
	return c.decode(n, checks.NewCompare, checks.CompareKeys())
}

// LoadComparison reads and checks the comparison file at path; lab is the
// lab file its lab: entries name images of.
func LoadComparison(path, display string, lab *Lab) (*Comparison, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{Path: display, Msg: "not found: the comparison is described in a compare.yaml beside lab.yaml"}
		}
		return nil, &Error{Path: display, Msg: err.Error()}
	}
	var c Comparison
	if err := decode(display, data, &c, "version and approaches"); err != nil {
		return nil, err
	}
	c.Path, c.Dir = path, filepath.Dir(path)
	if err := c.check(display, lab); err != nil {
		return nil, err
	}
	return &c, nil
}

// Repositories are the repositories of the approaches' own tags: clean
// removes their tags from images the lab built.
func (c *Comparison) Repositories() []string {
	var out []string
	for _, a := range c.Approaches {
		for _, t := range a.Tags {
			if r := Repository(t); !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// Approach returns the approach called name.
func (c *Comparison) Approach(name string) (Approach, bool) {
	i := slices.IndexFunc(c.Approaches, func(a Approach) bool { return a.Name == name })
	if i < 0 {
		return Approach{}, false
	}
	return c.Approaches[i], true
}

func (c *Comparison) check(display string, lab *Lab) error {
	bad := func(line int, format string, args ...any) error {
		return &Error{Path: display, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if c.Version != Version {
		return bad(0, "version is %d: this lab reads version %d", c.Version, Version)
	}
	if len(c.Approaches) == 0 {
		return bad(0, "approaches is empty")
	}
	var tags []string
	for i, a := range c.Approaches {
		switch {
		case a.Name == "":
			return bad(a.Line, "an approach needs a name")
		case slices.ContainsFunc(c.Approaches[:i], func(b Approach) bool { return b.Name == a.Name }):
			return bad(a.Line, "approach %q is listed twice", a.Name)
		case a.Lab != "" && (a.Dockerfile != "" || len(a.Tags) > 0 || a.CopyFrom != nil):
			return bad(a.Line, "approach %q: lab names a lab image; it takes no tags, dockerfile or copy-from", a.Name)
		case a.Lab != "":
			if _, ok := lab.ImageNamed(a.Lab); !ok {
				return bad(a.Line, "approach %q: lab names %q, which is not in %s's images", a.Name, a.Lab, Name)
			}
			continue
		case a.Dockerfile == "" || len(a.Tags) == 0:
			return bad(a.Line, "approach %q needs tags and a dockerfile (or lab: an image of %s)", a.Name, Name)
		}
		if _, err := os.Stat(filepath.Join(c.Dir, filepath.FromSlash(a.Dockerfile))); err != nil {
			return bad(a.Line, "approach %q: dockerfile %s does not exist beside %s", a.Name, a.Dockerfile, CompareName)
		}
		if f := a.CopyFrom; f != nil {
			if f.Image == "" || f.Path == "" || f.As == "" {
				return bad(a.Line, "approach %q: copy-from needs image, path and as", a.Name)
			}
			if !slices.Contains(tags, f.Image) {
				return bad(a.Line, "approach %q copies from %s, which no approach before it builds", a.Name, f.Image)
			}
		}
		tags = append(tags, a.Tags...)
	}
	for _, k := range c.Checks {
		switch {
		case k.Name == "":
			return bad(k.Line, "a check needs a name")
		case len(k.keys) != 1:
			return bad(k.Line, "check %q: give one of %s", k.Name, strings.Join(checks.CompareKeys(), ", "))
		}
		if msg := k.Kind.Invalid(); msg != "" {
			return bad(k.Line, "check %q: %s", k.Name, msg)
		}
		names, _ := k.Kind.Images()
		for _, n := range names {
			if _, ok := c.Approach(n); !ok {
				return bad(k.Line, "check %q names %q, which is not an approach (%s)", k.Name, n, strings.Join(c.names(), ", "))
			}
		}
	}
	return nil
}

func (c *Comparison) names() []string {
	var out []string
	for _, a := range c.Approaches {
		out = append(out, a.Name)
	}
	return out
}
