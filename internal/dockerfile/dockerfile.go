// Package dockerfile checks the lab's Dockerfiles with BuildKit's own parser
// before anything is sent to the engine, so a typo is reported with its file
// and line, not as a failed build.
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Stage is one FROM of a Dockerfile.
type Stage struct {
	Index int
	Name  string // the alias after AS, or ""
	Base  string // the image or stage it starts from
	Line  int
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
// stages.
func Check(file string, r io.Reader, target string) ([]Stage, error) {
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
	parsed, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, located(file, err)
	}
	if len(parsed) == 0 {
		return nil, fmt.Errorf("%w: %s: no FROM instruction", ErrInvalid, file)
	}
	stages := make([]Stage, len(parsed))
	for i, s := range parsed {
		stages[i] = Stage{Index: i, Name: s.Name, Base: s.BaseName, Line: line(s.Location)}
	}
	if err := checkCopyFrom(file, parsed, stages); err != nil {
		return nil, err
	}
	if target != "" && !hasStage(stages, target) {
		return nil, fmt.Errorf("%w: %s: --target %s names no stage; the stages are %s", ErrInvalid, file, target, describe(stages))
	}
	return stages, nil
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
