// Package labfile reads a lab described as data: the images to build (tag,
// Dockerfile, target) in their build order, the base images the checks
// measure against, the checks with their parameters, and the walkthrough's
// steps. The seed's lab is dockerfiles/lab.yaml; LAB_DOCKERFILES names a
// folder with a lab.yaml of its own. A file is checked whole before anything
// runs: an unknown key, a Dockerfile that does not exist, a target no stage
// has, a check naming an image not listed, each with the file and line.
package labfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/structuretest"
	"go.yaml.in/yaml/v3"
)

// Name is the lab file's name in its folder.
const Name = "lab.yaml"

// Version is the one format version this build reads.
const Version = 1

// Lab is a lab file, read and checked.
type Lab struct {
	// Path is the file; Dir its folder, which Dockerfiles are relative to.
	Path string `yaml:"-"`
	Dir  string `yaml:"-"`

	Version int `yaml:"version"`
	// BuildArgs are every image's build arguments (--build-arg), unless
	// the image gives its own value.
	BuildArgs map[string]string `yaml:"build-args"`
	Images    []Image           `yaml:"images"`
	Build     Build             `yaml:"build"`
	Bases     []Base            `yaml:"bases"`
	Checks    []Check           `yaml:"checks"`
	// StructureTests are container-structure-test configs, each run on
	// one image, each test of it one check.
	StructureTests []StructureTest `yaml:"structure-tests"`
	Walkthrough    []Step          `yaml:"walkthrough"`
}

// Image is one image the lab builds.
type Image struct {
	// Name is what checks, steps and build:image call it: the tag's tag
	// part ("v1" for multi-state:v1) unless set.
	Name       string `yaml:"name"`
	Tag        string `yaml:"tag"`
	Dockerfile string `yaml:"dockerfile"`
	Target     string `yaml:"target"`
	// BuildArgs and Labels are the build's --build-arg and --label;
	// Context its context folder, relative to the lab file (the lab's app
	// folder, LAB_APP, if unset); NoCache builds it without the cache.
	BuildArgs map[string]string `yaml:"build-args"`
	Labels    map[string]string `yaml:"labels"`
	Context   string            `yaml:"context"`
	NoCache   bool              `yaml:"no-cache"`
	Line      int               `yaml:"-"`
}

// ArgsOf are im's build arguments: the lab's, and im's own over them.
func (l *Lab) ArgsOf(im Image) map[string]string {
	if len(l.BuildArgs) == 0 && len(im.BuildArgs) == 0 {
		return nil
	}
	args := maps.Clone(l.BuildArgs)
	if args == nil {
		args = map[string]string{}
	}
	maps.Copy(args, im.BuildArgs)
	return args
}

// ContextDir is im's context folder, or "" for the lab's app folder.
func (l *Lab) ContextDir(im Image) string {
	if im.Context == "" {
		return ""
	}
	return filepath.Join(l.Dir, filepath.FromSlash(im.Context))
}

// Build says how the images are built: the first alone (it fills the
// cache), then the rest side by side, at most Parallel at a time.
type Build struct {
	Parallel int `yaml:"parallel"`
}

// StructureTest is a container-structure-test config (File, relative to
// the lab file) to run on an image (by name), read when the lab file is.
type StructureTest struct {
	Image  string                `yaml:"image"`
	File   string                `yaml:"file"`
	Line   int                   `yaml:"-"`
	Config *structuretest.Config `yaml:"-"`
}

// Base names a base image the checks measure against, by a role, as the
// FROM of an image's final stage.
type Base struct {
	Role  string `yaml:"role"`
	Image string `yaml:"image"`
	Line  int    `yaml:"-"`
}

// Step is one step of the walkthrough: what the seed typed (CLI, shown)
// and what the lab does for it, in this order: Say, Show, Do's clean, Build
// (then the image table), Do's verify and run.
type Step struct {
	Title  string   `yaml:"title"`
	Korean string   `yaml:"korean"`
	CLI    []string `yaml:"cli"`
	Say    string   `yaml:"say"`
	// Show are files printed, relative to the lab file's folder.
	Show  []string `yaml:"show"`
	Build []string `yaml:"build"`
	// Do are the lab's own actions: clean, verify, run.
	Do   []string `yaml:"do"`
	Line int      `yaml:"-"`
}

// Actions a step may do.
var Actions = []string{"clean", "verify", "run"}

// ErrInvalid marks a lab file that cannot be used.
var ErrInvalid = errors.New("invalid lab file")

// Error is one problem in a lab file, at a line.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s: %s:%d: %s", ErrInvalid, e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", ErrInvalid, e.Path, e.Msg)
}

func (e *Error) Unwrap() error { return ErrInvalid }

// maxSize bounds what is read: a lab file is a few kilobytes.
const maxSize = 1 << 20

// Load reads the lab file at path and checks it, Dockerfiles included.
// display is the path shown in messages.
func Load(path, display string) (*Lab, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{Path: display, Msg: "not found: a lab folder holds a lab.yaml beside its Dockerfiles (copy dockerfiles/lab.yaml to start one)"}
		}
		return nil, &Error{Path: display, Msg: err.Error()}
	}
	l, err := Parse(display, data)
	if err != nil {
		return nil, err
	}
	l.Path, l.Dir = path, filepath.Dir(path)
	if err := l.checkFiles(display); err != nil {
		return nil, err
	}
	return l, nil
}

// Parse decodes a lab file and checks everything that needs no other file.
func Parse(display string, data []byte) (*Lab, error) {
	var l Lab
	if err := decode(display, data, &l, "version and images"); err != nil {
		return nil, err
	}
	if err := l.check(display); err != nil {
		return nil, err
	}
	return &l, nil
}

// decode reads one YAML document of data into v, refusing unknown keys;
// needs says what an empty file lacks.
func decode(display string, data []byte, v any, needs string) error {
	if len(data) > maxSize {
		return &Error{Path: display, Msg: fmt.Sprintf("larger than %d bytes", maxSize)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return &Error{Path: display, Msg: "empty: it needs at least " + needs}
		}
		return yamlError(display, err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return &Error{Path: display, Line: more.Line, Msg: "more than one YAML document: the file holds one"}
	}
	return nil
}

// ImageNamed returns the image called name.
func (l *Lab) ImageNamed(name string) (Image, bool) {
	for _, im := range l.Images {
		if im.Name == name {
			return im, true
		}
	}
	return Image{}, false
}

// DockerfilePath is where im's Dockerfile is.
func (l *Lab) DockerfilePath(im Image) string {
	return filepath.Join(l.Dir, filepath.FromSlash(im.Dockerfile))
}

// File is where a file the lab file names is: relative to its folder.
func (l *Lab) File(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(l.Dir, filepath.FromSlash(name))
}

// Repositories are the repositories of the images' tags, in first-seen
// order: what clean and the image table call the lab's.
func (l *Lab) Repositories() []string {
	var out []string
	for _, im := range l.Images {
		repo := Repository(im.Tag)
		if !contains(out, repo) {
			out = append(out, repo)
		}
	}
	return out
}

// Repository is a tag's repository: multi-state for multi-state:v1.
func Repository(tag string) string {
	repo, _ := SplitTag(tag)
	return repo
}

// SplitTag splits "repo:tag" at the tag's colon (not a registry port's); a
// reference without a tag is "latest".
func SplitTag(ref string) (repo, tag string) {
	i := strings.LastIndexByte(ref, ':')
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ref, "latest"
	}
	return ref[:i], ref[i+1:]
}

// BaseOf returns the role of the base whose image is name.
func (l *Lab) BaseOf(name string) (Base, bool) {
	for _, b := range l.Bases {
		if b.Image == name {
			return b, true
		}
	}
	return Base{}, false
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)
var unknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

// yamlError turns the YAML library's error into one Error at its first line.
func yamlError(display string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	// The library quotes the offending value, newlines and all: the
	// message stays one line.
	msg = strings.ReplaceAll(msg, "\n", `\n`)
	e := &Error{Path: display, Msg: msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &e.Line)
		e.Msg = m[2]
	}
	if m := unknownField.FindStringSubmatch(e.Msg); m != nil {
		e.Msg = fmt.Sprintf("unknown key %q", m[1])
	}
	return e
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
