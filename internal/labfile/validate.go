package labfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"go.yaml.in/yaml/v3"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/dockerfile"
	"github.com/multistage-lab/multistage-lab/internal/structuretest"
)

// DefaultParallel is how many of the later builds run side by side when the
// file does not say.
const DefaultParallel = 3

// The entries that carry their line decode through these, which also refuse
// unknown keys at any depth (the YAML library's own check does not reach
// into a type that decodes itself).
func (im *Image) UnmarshalYAML(n *yaml.Node) error {
	type plain Image
	return decodeAt(n, (*plain)(im), &im.Line)
}

func (b *Base) UnmarshalYAML(n *yaml.Node) error {
	type plain Base
	return decodeAt(n, (*plain)(b), &b.Line)
}

// UnmarshalYAML reads a check: its name, and each kind key it sets into
// that kind's type (package checks), refusing unknown keys at any depth.
func (c *Check) UnmarshalYAML(n *yaml.Node) error {
	return c.decode(n, checks.New, checks.Keys())
}

// decode reads a check whose kinds newKind makes, by their keys.
func (c *Check) decode(n *yaml.Node, newKind func(string) (checks.Kind, bool), keys []string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a check is a mapping: a name and one kind (%s)", n.Line, strings.Join(keys, ", "))
	}
	c.Line = n.Line
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "name" {
			if err := v.Decode(&c.Name); err != nil {
				return err
			}
			continue
		}
		kind, ok := newKind(k.Value)
		if !ok {
			return fmt.Errorf("line %d: unknown key %q (known here: name, %s)", k.Line, k.Value, strings.Join(keys, ", "))
		}
		if err := knownKeys(v, reflect.TypeOf(kind)); err != nil {
			return err
		}
		if err := v.Decode(kind); err != nil {
			return err
		}
		c.Key, c.Kind = k.Value, kind
		c.keys = append(c.keys, k.Value)
	}
	return nil
}

func (s *StructureTest) UnmarshalYAML(n *yaml.Node) error {
	type plain StructureTest
	return decodeAt(n, (*plain)(s), &s.Line)
}

func (s *Step) UnmarshalYAML(n *yaml.Node) error {
	type plain Step
	return decodeAt(n, (*plain)(s), &s.Line)
}

func decodeAt(n *yaml.Node, v any, line *int) error {
	if err := knownKeys(n, reflect.TypeOf(v).Elem()); err != nil {
		return err
	}
	*line = n.Line
	return n.Decode(v)
}

// knownKeys refuses a mapping key that t has no field for, at any depth.
func knownKeys(n *yaml.Node, t reflect.Type) error {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode {
			for _, item := range n.Content {
				if err := knownKeys(item, t.Elem()); err != nil {
					return err
				}
			}
			return nil
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || n.Kind != yaml.MappingNode || t == reflect.TypeOf(checks.Exist{}) {
		return nil
	}
	fields := map[string]reflect.Type{}
	var names []string
	for i := range t.NumField() {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag != "" && tag != "-" {
			fields[tag] = t.Field(i).Type
			names = append(names, tag)
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ft, ok := fields[k.Value]
		if !ok {
			return fmt.Errorf("line %d: unknown key %q (known here: %s)", k.Line, k.Value, strings.Join(names, ", "))
		}
		if err := knownKeys(n.Content[i+1], ft); err != nil {
			return err
		}
	}
	return nil
}

// check checks what needs no other file, and fills defaults.
func (l *Lab) check(display string) error {
	bad := func(line int, format string, args ...any) error {
		return &Error{Path: display, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if l.Version != Version {
		return bad(0, "version is %d: this lab reads version %d (write version: %d at the top)", l.Version, Version, Version)
	}
	if len(l.Images) == 0 {
		return bad(0, "images is empty: list at least one {tag, dockerfile}")
	}
	seen := map[string]int{}
	for i := range l.Images {
		im := &l.Images[i]
		if im.Tag == "" || im.Dockerfile == "" {
			return bad(im.Line, "an image needs a tag and a dockerfile")
		}
		named, err := reference.ParseNormalizedNamed(im.Tag)
		if err != nil {
			return bad(im.Line, "tag %q is not an image reference: %v", im.Tag, err)
		}
		if _, ok := named.(reference.Tagged); !ok {
			return bad(im.Line, "tag %q has no tag part: write it as repository:tag", im.Tag)
		}
		if im.Name == "" {
			im.Name = im.Tag[strings.LastIndex(im.Tag, ":")+1:]
		}
		for _, key := range []string{"name " + im.Name, "tag " + im.Tag} {
			if first, dup := seen[key]; dup {
				return bad(im.Line, "%s is listed twice (first at line %d)", key, first)
			}
			seen[key] = im.Line
		}
		if filepath.IsAbs(im.Dockerfile) {
			return bad(im.Line, "dockerfile %s is absolute: give it relative to %s", im.Dockerfile, Name)
		}
		if filepath.IsAbs(im.Context) {
			return bad(im.Line, "%s: context %s is absolute: give the folder relative to %s", im.Tag, im.Context, Name)
		}
		for what, m := range map[string]map[string]string{"build-args": im.BuildArgs, "labels": im.Labels} {
			if _, ok := m[""]; ok {
				return bad(im.Line, "%s: %s has an empty name", im.Tag, what)
			}
		}
	}
	if _, ok := l.BuildArgs[""]; ok {
		return bad(0, "build-args has an empty name")
	}
	if l.Build.Parallel == 0 {
		l.Build.Parallel = DefaultParallel
	}
	if l.Build.Parallel < 1 {
		return bad(0, "build.parallel is %d: give 1 or more", l.Build.Parallel)
	}
	listed := func(line int, what, name string) error {
		if _, ok := l.ImageNamed(name); !ok {
			return bad(line, "%s names %q, which is not in images (%s)", what, name, strings.Join(l.names(), ", "))
		}
		return nil
	}
	roles := map[string]bool{}
	for _, b := range l.Bases {
		if b.Role == "" || b.Image == "" {
			return bad(b.Line, "a base needs a role and an image")
		}
		if roles[b.Role] {
			return bad(b.Line, "base role %s is listed twice", b.Role)
		}
		roles[b.Role] = true
		if err := listed(b.Line, "base "+b.Role, b.Image); err != nil {
			return err
		}
	}
	for _, c := range l.Checks {
		if c.Name == "" {
			return bad(c.Line, "a check needs a name")
		}
		switch len(c.keys) {
		case 0:
			return bad(c.Line, "check %q has no kind: give one of %s", c.Name, strings.Join(checks.Keys(), ", "))
		case 1:
		default:
			return bad(c.Line, "check %q has several kinds (%s): give one per check", c.Name, strings.Join(c.keys, ", "))
		}
		names, needBase := c.Kind.Images()
		for _, n := range names {
			if err := listed(c.Line, "check "+quote(c.Name), n); err != nil {
				return err
			}
			if _, ok := l.BaseOf(n); needBase && !ok {
				return bad(c.Line, "check %q needs %s's base: add {role: ..., image: %s} to bases", c.Name, n, n)
			}
		}
		if msg := c.Kind.Invalid(); msg != "" {
			return bad(c.Line, "check %q: %s", c.Name, msg)
		}
	}
	for _, st := range l.StructureTests {
		if st.Image == "" || st.File == "" {
			return bad(st.Line, "a structure test needs an image and a file (a container-structure-test config)")
		}
		if err := listed(st.Line, "structure test "+st.File, st.Image); err != nil {
			return err
		}
		if filepath.IsAbs(st.File) {
			return bad(st.Line, "structure test file %s is absolute: give it relative to %s", st.File, Name)
		}
	}
	for _, s := range l.Walkthrough {
		if s.Title == "" {
			return bad(s.Line, "a walkthrough step needs a title")
		}
		for _, n := range s.Build {
			if err := listed(s.Line, "step "+quote(s.Title), n); err != nil {
				return err
			}
		}
		for _, a := range s.Do {
			if !slices.Contains(Actions, a) {
				return bad(s.Line, "step %q: do %q is not one of %s", s.Title, a, strings.Join(Actions, ", "))
			}
		}
	}
	return nil
}

// checkFiles checks the files the lab names: each Dockerfile exists and
// parses, each target is a stage of it, each base's stage starts from an
// image, and each file a step shows exists.
func (l *Lab) checkFiles(display string) error {
	for _, im := range l.Images {
		path := l.DockerfilePath(im)
		f, err := os.Open(path)
		if err != nil {
			return &Error{Path: display, Line: im.Line, Msg: fmt.Sprintf("%s: dockerfile %s does not exist beside %s", im.Tag, im.Dockerfile, Name)}
		}
		data, err := io.ReadAll(io.LimitReader(f, maxSize))
		f.Close()
		if err != nil {
			return fmt.Errorf("%w: %s: %v", dockerfile.ErrInvalid, path, err)
		}
		// A Dockerfile that does not parse, or whose FROM uses an ARG with
		// no value, is the Dockerfile's fault, and its own message says
		// where; a target it lacks is the lab file's.
		args := l.ArgsOf(im)
		if _, err := dockerfile.Read(path, bytes.NewReader(data), dockerfile.Options{Args: args}); err != nil {
			return err
		}
		if _, err := dockerfile.Read(path, bytes.NewReader(data), dockerfile.Options{Target: im.Target, Args: args}); err != nil {
			msg := strings.TrimPrefix(err.Error(), dockerfile.ErrInvalid.Error()+": ")
			return &Error{Path: display, Line: im.Line, Msg: fmt.Sprintf("%s: %s", im.Tag, msg)}
		}
		if dir := l.ContextDir(im); dir != "" {
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return &Error{Path: display, Line: im.Line, Msg: fmt.Sprintf("%s: context %s is not a folder beside %s", im.Tag, im.Context, Name)}
			}
		}
	}
	for i := range l.StructureTests {
		st := &l.StructureTests[i]
		path := l.File(st.File)
		if _, err := os.Stat(path); err != nil {
			return &Error{Path: display, Line: st.Line, Msg: fmt.Sprintf("structure test file %s does not exist beside %s", st.File, Name)}
		}
		cfg, err := structuretest.Load(path, filepath.Join(filepath.Dir(display), filepath.FromSlash(st.File)))
		if err != nil {
			return err
		}
		st.Config = cfg
	}
	for _, b := range l.Bases {
		if _, err := l.BaseRef(b); err != nil {
			return &Error{Path: display, Line: b.Line, Msg: err.Error()}
		}
	}
	for _, s := range l.Walkthrough {
		for _, f := range s.Show {
			if _, err := os.Stat(l.File(f)); err != nil {
				return &Error{Path: display, Line: s.Line, Msg: fmt.Sprintf("step %q shows %s, which does not exist beside %s", s.Title, f, Name)}
			}
		}
	}
	return nil
}

// Scratch is the empty image a stage may start FROM: a base of nothing.
const Scratch = "scratch"

// BaseRef is the image a base's image starts its final stage from, as
// docker names it ("golang:latest"), following FROM lines that name an
// earlier stage; Scratch for a final stage FROM scratch.
func (l *Lab) BaseRef(b Base) (string, error) {
	im, _ := l.ImageNamed(b.Image)
	data, err := os.ReadFile(l.DockerfilePath(im))
	if err != nil {
		return "", err
	}
	stages, err := dockerfile.Read(im.Dockerfile, bytes.NewReader(data), dockerfile.Options{Target: im.Target, Args: l.ArgsOf(im)})
	if err != nil {
		return "", err
	}
	i := len(stages) - 1
	if im.Target != "" {
		i = slices.IndexFunc(stages, func(s dockerfile.Stage) bool { return s.Name == im.Target })
	}
	for range stages {
		from := stages[i].Base
		j := slices.IndexFunc(stages[:i], func(s dockerfile.Stage) bool { return strings.EqualFold(s.Name, from) })
		if j < 0 && strings.EqualFold(from, Scratch) {
			return Scratch, nil
		}
		if j < 0 {
			named, err := reference.ParseNormalizedNamed(from)
			if err != nil {
				return "", fmt.Errorf("base %s: %s's stage starts FROM %q, not an image reference", b.Role, im.Name, from)
			}
			return reference.FamiliarString(reference.TagNameOnly(named)), nil
		}
		i = j
	}
	return "", fmt.Errorf("base %s: %s's stages start from each other", b.Role, im.Name)
}

func (l *Lab) names() []string {
	var out []string
	for _, im := range l.Images {
		out = append(out, im.Name)
	}
	return out
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// BaseUse is an image a lab image's build starts a stage FROM, as docker
// names it, with the first Dockerfile line that names it.
type BaseUse struct {
	Ref  string
	File string // the Dockerfile, as the lab file names it
	Line int
}

// ExternalBases are the images the lab's builds start stages FROM or COPY
// --from (not an earlier stage, not scratch), each once, in the lab file's order: the
// stages up to each image's target, which the classic builder builds and
// BuildKit may, their ARGs resolved with the image's build-args.
func (l *Lab) ExternalBases() ([]BaseUse, error) {
	var out []BaseUse
	for _, im := range l.Images {
		data, err := os.ReadFile(l.DockerfilePath(im))
		if err != nil {
			return nil, err
		}
		stages, err := dockerfile.Read(im.Dockerfile, bytes.NewReader(data), dockerfile.Options{Target: im.Target, Args: l.ArgsOf(im)})
		if err != nil {
			return nil, err
		}
		last := len(stages) - 1
		if im.Target != "" {
			last = slices.IndexFunc(stages, func(s dockerfile.Stage) bool { return strings.EqualFold(s.Name, im.Target) })
		}
		use := func(i int, from string, line int) {
			earlier := slices.ContainsFunc(stages[:i], func(e dockerfile.Stage) bool { return strings.EqualFold(e.Name, from) })
			if _, err := strconv.Atoi(from); err == nil || earlier || strings.EqualFold(from, "scratch") || strings.Contains(from, "$") {
				return
			}
			named, err := reference.ParseNormalizedNamed(from)
			if err != nil {
				return // the build says what is wrong with it
			}
			ref := reference.FamiliarString(reference.TagNameOnly(named))
			if !slices.ContainsFunc(out, func(u BaseUse) bool { return u.Ref == ref }) {
				out = append(out, BaseUse{Ref: ref, File: im.Dockerfile, Line: line})
			}
		}
		for i, s := range stages[:last+1] {
			use(i, s.Base, s.Line)
			for _, c := range s.CopyFrom {
				use(i, c.From, c.Line) // COPY --from an image, as BuildKit and the classic builder take it
			}
		}
	}
	return out, nil
}
