// Package checks is the kinds of check a lab file names (exist, same-id,
// smaller, files, run, ...), each one type in one file: its parameters as
// the file gives them and what is wrong with them, the facts it needs from
// the engine beyond each image's inspect, and its verdict on those facts.
// Kinds lists them by their key in the file. Adding a kind is its file, its
// entry in Kinds, its test, and its row in the README's table.
//
// The facts (Inventory) are gathered by the lab and judged here without
// the engine, so every kind is tested on plain values.
package checks

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is one kind of check with its parameters.
type Kind interface {
	// Images are the lab images the check names, and whether it needs
	// each one's base (a bases entry).
	Images() (names []string, needBase bool)
	// Invalid says what is wrong with the parameters beyond the image
	// names, "" if nothing: the lab file is refused with it, with its line.
	Invalid() string
	// Need adds what the check looks up beyond each image's inspect.
	Need(n *Needs)
	// Evaluate judges the check on what the lab gathered.
	Evaluate(l Lab, inv Inventory) Verdict
}

// Entry is a kind's line in a table: its key in the file, and what makes
// an empty one.
type Entry struct {
	Key string
	New func() Kind
}

// Kinds are the kinds, by their key in the lab file, in the order the
// README lists them.
var Kinds = []Entry{
	{"exist", func() Kind { return new(Exist) }},
	{"same-id", func() Kind { return new(SameID) }},
	{"differ", func() Kind { return new(Differ) }},
	{"smaller", func() Kind { return new(Smaller) }},
	{"at-least-base", func() Kind { return new(AtLeastBase) }},
	{"at-most-base", func() Kind { return new(AtMostBase) }},
	{"config", func() Kind { return new(Config) }},
	{"files", func() Kind { return new(Files) }},
	{"run", func() Kind { return new(Run) }},
	{"on-base", func() Kind { return new(OnBase) }},
	{"max-size", func() Kind { return new(MaxSize) }},
	{"max-layers", func() Kind { return new(MaxLayers) }},
	{"waste", func() Kind { return new(Waste) }},
}

// CompareKinds are the kinds of check a comparison file (compare.yaml)
// names: they judge the approaches, which take the images' place (a
// comparison's Lab names approaches, and Inventory.Approaches holds what
// each built and printed).
var CompareKinds = []Entry{
	{"larger", func() Kind { return new(Larger) }},
	{"about", func() Kind { return new(About) }},
	{"prints", func() Kind { return new(Prints) }},
}

// New is a new, empty lab file kind for its key.
func New(key string) (Kind, bool) { return newIn(Kinds, key) }

// NewCompare is a new, empty comparison kind for its key.
func NewCompare(key string) (Kind, bool) { return newIn(CompareKinds, key) }

func newIn(table []Entry, key string) (Kind, bool) {
	for _, k := range table {
		if k.Key == key {
			return k.New(), true
		}
	}
	return nil, false
}

// Keys are the lab file kinds' keys, in order.
func Keys() []string { return keysOf(Kinds) }

// CompareKeys are the comparison kinds' keys, in order.
func CompareKeys() []string { return keysOf(CompareKinds) }

func keysOf(table []Entry) []string {
	keys := make([]string, len(table))
	for i, k := range table {
		keys[i] = k.Key
	}
	return keys
}

// Verdict is a check's outcome: what it expected, what it found, and
// whether they agree.
type Verdict struct {
	Pass     bool
	Expected string
	Actual   string
}

// Lab is what a check asks of the lab file: its images' tags and bases.
type Lab interface {
	// ImageNames are every image's name, in build order.
	ImageNames() []string
	// TagOf is the image's tag (its name if the file has no such image).
	TagOf(name string) string
	// BaseRoleOf is the role of the base the image is built on ("" if
	// none is listed).
	BaseRoleOf(name string) string
}

// Needs are what the checks look up beyond each image's inspect: the paths
// to stat in each image, and the images to run, in the lab file's order.
type Needs struct {
	Paths map[string][]string
	Runs  []string
	// Waste are the images whose layers are read for what they waste.
	Waste []string
	// Read are, by image, the paths read from its archive (mode, owner,
	// content) besides being looked up.
	Read map[string][]string
	// Execs are the runs with arguments or environment variables of
	// their own, in the lab file's order.
	Execs []RunSpec
}

// RunSpec is one run of an image with arguments or environment variables
// ("NAME=value", sorted).
type RunSpec struct {
	Image string
	Args  []string
	Env   []string
}

// Key is where Inventory.Runs keeps the run's outcome: the image's name
// for a plain run.
func (s RunSpec) Key() string {
	if len(s.Args) == 0 && len(s.Env) == 0 {
		return s.Image
	}
	return s.Image + "\x00" + strings.Join(s.Args, "\x00") + "\x00\x00" + strings.Join(s.Env, "\x00")
}

// Exec asks for a run of the image with arguments or environment.
func (n *Needs) Exec(s RunSpec) {
	if len(s.Args) == 0 && len(s.Env) == 0 {
		n.Run(s.Image)
		return
	}
	if !slices.ContainsFunc(n.Execs, func(e RunSpec) bool { return e.Key() == s.Key() }) {
		n.Execs = append(n.Execs, s)
	}
}

// ReadPath asks for paths to be read from the image's archive.
func (n *Needs) ReadPath(image string, paths ...string) {
	if len(paths) == 0 {
		return
	}
	n.Path(image, paths...)
	if n.Read == nil {
		n.Read = map[string][]string{}
	}
	for _, p := range paths {
		if !slices.Contains(n.Read[image], p) {
			n.Read[image] = append(n.Read[image], p)
		}
	}
}

// Wasted asks for the image's layers to be read for what they waste.
func (n *Needs) Wasted(image string) {
	if !slices.Contains(n.Waste, image) {
		n.Waste = append(n.Waste, image)
	}
}

// Path asks for paths to be looked up in the image.
func (n *Needs) Path(image string, paths ...string) {
	if n.Paths == nil {
		n.Paths = map[string][]string{}
	}
	for _, p := range paths {
		if p != "" && !slices.Contains(n.Paths[image], p) {
			n.Paths[image] = append(n.Paths[image], p)
		}
	}
}

// Run asks for a container of the image to be run.
func (n *Needs) Run(image string) {
	if !slices.Contains(n.Runs, image) {
		n.Runs = append(n.Runs, image)
	}
}

// MiB is the unit of at-most-base's slack.
const MiB = 1 << 20

// image is the named image's facts, or why they are missing.
func image(l Lab, inv Inventory, name string) (ImageFacts, error) {
	im, ok := inv.Images[name]
	if !ok || !im.Present {
		return ImageFacts{}, fmt.Errorf("%s is missing", l.TagOf(name))
	}
	return im, nil
}

// base is the base image the named image is built on, or why it is
// missing.
func base(l Lab, inv Inventory, name string) (Base, string, error) {
	role := l.BaseRoleOf(name)
	got, ok := inv.Bases[role]
	if !ok || got.ID == "" {
		return got, role, fmt.Errorf("the %s base %s is missing", role, got.Ref)
	}
	return got, role, nil
}

// missing is the verdict of a check whose image or base is missing.
func missing(expected string, err error) Verdict {
	return Verdict{Expected: expected, Actual: err.Error()}
}
