// Package dockerfile checks the lab's Dockerfiles with BuildKit's own parser
// before anything is sent to the engine, so a typo is reported with its file
// and line, not as a failed build.
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Stage is one FROM of a Dockerfile.
type Stage struct {
	Index int
	Name  string // the alias after AS, or ""
	// Base is the image or stage it starts from, its build arguments
	// resolved as the builder resolves them; From is as written.
	Base string
	From string
	// Platform is FROM's --platform, as written ("" for none).
	Platform string
	Line     int
	// CopyFrom are the stage's COPY --from values (a stage's name or
	// number, or an image), each with its line.
	CopyFrom []CopyFrom
}

// CopyFrom is one COPY --from: what it names, and its line.
type CopyFrom struct {
	From string
	Line int
}

// Options say how a build reads a Dockerfile: the stage it stops at
// (--target) and the values of its build arguments (--build-arg).
type Options struct {
	Target string
	Args   map[string]string
	// Platform is the os/arch the build is for and on, for BuildKit's
	// automatic platform arguments (TARGETARCH and the rest); "" is
	// linux on this machine's architecture.
	Platform string
}

// platformArgs are BuildKit's automatic platform arguments for platform
// (os/arch), which a FROM may use without declaring them.
func platformArgs(platform string) []string {
	if platform == "" {
		platform = "linux/" + runtime.GOARCH
	}
	os, arch, _ := strings.Cut(platform, "/")
	var env []string
	for _, side := range []string{"BUILD", "TARGET"} {
		env = append(env, side+"PLATFORM="+platform, side+"OS="+os, side+"ARCH="+arch)
	}
	return env
}

// Label names a stage as --target and COPY --from would: its alias, else its number.
func (s Stage) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return strconv.Itoa(s.Index)
}

// ErrInvalid marks a Dockerfile that does not parse or does not fit the build.
var ErrInvalid = errors.New("invalid Dockerfile")

// maxSize bounds what is read: a lab Dockerfile is a few hundred bytes.
const maxSize = 1 << 20

// Check parses a Dockerfile read from r (named file in messages) and, if
// target is set, checks that a stage of that name exists. It returns the
// stages, their FROM resolved with the ARGs' defaults.
func Check(file string, r io.Reader, target string) ([]Stage, error) {
	return Read(file, r, Options{Target: target})
}

// Read is Check with build arguments: an ARG before the first FROM takes
// its value from o.Args, else its default, as the builder gives it, and a
// FROM that uses an ARG with neither is an error naming both lines.
func Read(file string, r io.Reader, o Options) ([]Stage, error) {
	target := o.Target
	data, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > maxSize {
		return nil, fmt.Errorf("%w: %s: larger than %d bytes", ErrInvalid, file, maxSize)
	}
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, located(file, err)
	}
	parsed, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, located(file, err)
	}
	if len(parsed) == 0 {
		return nil, fmt.Errorf("%w: %s: no FROM instruction", ErrInvalid, file)
	}
	lex := shell.NewLex(res.EscapeToken)
	env, unset, err := globalArgs(file, lex, metaArgs, o.Args)
	env = append(platformArgs(o.Platform), env...)
	if err != nil {
		return nil, err
	}
	stages := make([]Stage, len(parsed))
	for i, s := range parsed {
		st := Stage{Index: i, Name: s.Name, Base: s.BaseName, From: s.BaseName, Platform: s.Platform, Line: line(s.Location)}
		base, unmatched, err := lex.ProcessWord(s.BaseName, shell.EnvsFromSlice(env))
		if err != nil {
			return nil, fmt.Errorf("%w: %s:%d: FROM %s: %v", ErrInvalid, file, st.Line, s.BaseName, err)
		}
		for _, name := range slices.Sorted(maps.Keys(unmatched)) {
			if at, ok := unset[name]; ok {
				return nil, fmt.Errorf("%w: %s:%d: FROM %s uses ARG %s, which has no value (ARG at line %d): give it a default there (ARG %s=VALUE) or a value in lab.yaml's build-args", ErrInvalid, file, st.Line, s.BaseName, name, at, name)
			}
			return nil, fmt.Errorf("%w: %s:%d: FROM %s uses $%s, which no ARG before the first FROM declares: add ARG %s=VALUE before it", ErrInvalid, file, st.Line, s.BaseName, name, name)
		}
		st.Base = base
		for _, cmd := range s.Commands {
			if c, ok := cmd.(*instructions.CopyCommand); ok && c.From != "" {
				st.CopyFrom = append(st.CopyFrom, CopyFrom{From: c.From, Line: line(c.Location())})
			}
		}
		stages[i] = st
	}
	if err := checkCopyFrom(file, parsed, stages); err != nil {
		return nil, err
	}
	if target != "" && !hasStage(stages, target) {
		return nil, fmt.Errorf("%w: %s: --target %s names no stage; the stages are %s", ErrInvalid, file, target, describe(stages))
	}
	return stages, nil
}

// globalArgs are the ARGs before the first FROM as the builder sees them:
// "NAME=value" for those with a value (the build's argument, else the
// default, expanded with the ARGs before it), and the line of each that
// has none.
func globalArgs(file string, lex *shell.Lex, meta []instructions.ArgCommand, given map[string]string) ([]string, map[string]int, error) {
	var env []string
	unset := map[string]int{}
	for _, a := range meta {
		for _, kv := range a.Args {
			if v, ok := given[kv.Key]; ok {
				env = append(env, kv.Key+"="+v)
				delete(unset, kv.Key)
				continue
			}
			if kv.Value == nil {
				unset[kv.Key] = line(a.Location())
				continue
			}
			v, _, err := lex.ProcessWord(*kv.Value, shell.EnvsFromSlice(env))
			if err != nil {
				return nil, nil, fmt.Errorf("%w: %s:%d: ARG %s: %v", ErrInvalid, file, line(a.Location()), kv.Key, err)
			}
			env = append(env, kv.Key+"="+v)
			delete(unset, kv.Key)
		}
	}
	return env, unset, nil
}

// checkCopyFrom rejects a COPY --from=N that points at a stage that is not
// before it: BuildKit would take a number it does not know as an image name.
func checkCopyFrom(file string, parsed []instructions.Stage, stages []Stage) error {
	for i, s := range parsed {
		for _, cmd := range s.Commands {
			c, ok := cmd.(*instructions.CopyCommand)
			if !ok || c.From == "" {
				continue
			}
			if n, err := strconv.Atoi(c.From); err == nil && (n < 0 || n >= i) {
				return fmt.Errorf("%w: %s:%d: COPY --from=%d names no earlier stage; the stages are %s", ErrInvalid, file, line(c.Location()), n, describe(stages))
			}
		}
	}
	return nil
}

func hasStage(stages []Stage, target string) bool {
	for _, s := range stages {
		if strings.EqualFold(s.Name, target) {
			return true
		}
	}
	return false
}

// describe lists the stages as a person reads them: "0 (line 1), runtime (line 7)".
func describe(stages []Stage) string {
	parts := make([]string, len(stages))
	for i, s := range stages {
		parts[i] = fmt.Sprintf("%s (line %d)", s.Label(), s.Line)
	}
	return strings.Join(parts, ", ")
}

// located formats a parser error as file:line: message.
func located(file string, err error) error {
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 && le.Locations[0][0].Start.Line > 0 {
		return fmt.Errorf("%w: %s:%d: %s", ErrInvalid, file, le.Locations[0][0].Start.Line, le.Unwrap().Error())
	}
	return fmt.Errorf("%w: %s: %s", ErrInvalid, file, err.Error())
}

func line(r []parser.Range) int {
	if len(r) == 0 {
		return 0
	}
	return r[0].Start.Line
}

// Sources are the context paths a Dockerfile's COPY and ADD instructions
// read (not those that copy --from a stage or image, nor ADD of a URL), so
// the build context can carry only them.
func Sources(r io.Reader) ([]string, error) {
	res, err := parser.Parse(io.LimitReader(r, maxSize))
	if err != nil {
		return nil, err
	}
	parsed, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range parsed {
		for _, cmd := range s.Commands {
			switch c := cmd.(type) {
			case *instructions.CopyCommand:
				if c.From == "" {
					out = append(out, c.SourcePaths...)
				}
			case *instructions.AddCommand:
				for _, p := range c.SourcePaths {
					if !strings.Contains(p, "://") && !strings.HasPrefix(p, "git@") {
						out = append(out, p)
					}
				}
			}
		}
	}
	return out, nil
}

// ClassicCannot is the first instruction of a Dockerfile read from r that
// only BuildKit builds (FROM --platform with BuildKit's platform
// arguments; RUN --mount, --network or --security; a heredoc; COPY or ADD
// --link, --chmod, --parents or --exclude), as an error naming file and
// line; nil if the classic builder can build it all.
func ClassicCannot(file string, r io.Reader) error {
	res, err := parser.Parse(io.LimitReader(r, maxSize))
	if err != nil {
		return located(file, err)
	}
	parsed, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return located(file, err)
	}
	for _, s := range parsed {
		if usesPlatformArg(s.Platform) {
			return fmt.Errorf("%w: %s:%d: FROM --platform=%s needs BuildKit; the classic builder cannot build it: use LAB_BUILDER=buildkit", ErrInvalid, file, line(s.Location), s.Platform)
		}
		for _, cmd := range s.Commands {
			if what := buildKitOnly(cmd); what != "" {
				return fmt.Errorf("%w: %s:%d: %s needs BuildKit; the classic builder cannot build it: use LAB_BUILDER=buildkit", ErrInvalid, file, line(cmd.Location()), what)
			}
		}
	}
	return nil
}

// usesPlatformArg reports whether a FROM's --platform uses one of
// BuildKit's automatic platform arguments, which the classic builder does
// not set (it fails on the empty platform).
func usesPlatformArg(platform string) bool {
	for _, env := range platformArgs("") {
		name, _, _ := strings.Cut(env, "=")
		if strings.Contains(platform, "$"+name) || strings.Contains(platform, "${"+name) {
			return true
		}
	}
	return false
}

// buildKitOnly names what in cmd only BuildKit builds, or "".
func buildKitOnly(cmd instructions.Command) string {
	flags := func(name string, link, parents bool, chmod string, exclude []string, heredoc bool) string {
		switch {
		case heredoc:
			return name + " with a heredoc"
		case link:
			return name + " --link"
		case chmod != "":
			return name + " --chmod"
		case parents:
			return name + " --parents"
		case len(exclude) > 0:
			return name + " --exclude"
		}
		return ""
	}
	switch c := cmd.(type) {
	case *instructions.RunCommand:
		for _, f := range c.FlagsUsed {
			if f == "mount" || f == "network" || f == "security" {
				return "RUN --" + f
			}
		}
		if len(c.Files) > 0 {
			return "RUN with a heredoc"
		}
	case *instructions.CopyCommand:
		return flags("COPY", c.Link, c.Parents, c.Chmod, c.ExcludePatterns, len(c.SourceContents) > 0)
	case *instructions.AddCommand:
		return flags("ADD", c.Link, false, c.Chmod, c.ExcludePatterns, len(c.SourceContents) > 0)
	}
	return ""
}
