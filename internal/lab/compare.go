package lab

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/report"
	"github.com/multistage-lab/multistage-lab/internal/verify"
)

// Approach is one way to package the program, as built and measured.
type Approach = report.Approach

// ErrOrdering says the approaches' sizes are not in the order the lab teaches.
var ErrOrdering = fmt.Errorf("%w: the sizes are not in the expected order", ErrAssertions)

// Compare builds the comparison file's approaches in its order (the
// seed's: one stage, the builder pattern, multi-stage, and a static binary
// on scratch) and measures their size, layer count and build time.
func (l *Lab) Compare(ctx context.Context) ([]Approach, error) {
	if l.Cmp == nil {
		return nil, l.cmpErr
	}
	var out []Approach
	took := map[string]time.Duration{} // by tag, for an approach that copies from it
	for _, a := range l.Cmp.Approaches {
		if a.Lab != "" {
			im, err := l.ImageNamed(a.Lab)
			if err != nil {
				return nil, err
			}
			b, err := l.Build(ctx, im)
			if err != nil {
				return nil, err
			}
			out = append(out, Approach{Name: a.Name, Tags: []string{im.Tag}, ID: b.ID, Took: b.Duration})
			continue
		}
		spec := buildSpec{Tags: a.Tags, Dockerfile: filepath.Join(l.Cmp.Dir, filepath.FromSlash(a.Dockerfile)), Display: a.Dockerfile}
		start := time.Now()
		var before time.Duration
		if f := a.CopyFrom; f != nil {
			// The builder pattern: copy the binary out of a container of
			// the build image, then build a second image around it. Its
			// time includes the build image's.
			l.emit(event.Step{Text: fmt.Sprintf("docker container create %s; docker container cp ...:%s %s", f.Image, f.Path, f.As)})
			bin, err := l.copyOut(ctx, f.Image, f.Path)
			if err != nil {
				return nil, err
			}
			spec.Files = map[string][]byte{f.As: bin}
			before = took[f.Image]
		}
		id, t, err := l.build(ctx, spec)
		if err != nil {
			return nil, err
		}
		if a.CopyFrom != nil {
			t = before + time.Since(start)
		}
		x := Approach{Name: a.Name, Tags: a.Tags, ID: id, Took: t}
		for _, t := range a.Tags {
			took[t] = x.Took
		}
		out = append(out, x)
	}

	for i := range out {
		in, sizes, err := l.inspectImage(ctx, out[i].ID)
		if err != nil {
			return nil, fmt.Errorf("inspect %s: %w", out[i].Tags[0], err)
		}
		out[i].Size, out[i].Content, out[i].EngineSize, out[i].Layers = sizes.Unpacked, sizes.Content, sizes.Engine, len(in.RootFS.Layers)
		res, err := l.Run(ctx, out[i].Tags[0])
		switch {
		case err != nil:
			out[i].ExitErr = err.Error()
		case res.ExitCode != 0:
			out[i].ExitErr = fmt.Sprintf("exit %d", res.ExitCode)
		}
		out[i].Output = res.Stdout
	}
	return out, nil
}

// copyOut reads one file out of an image through a created container, as
// `docker container cp` does.
func (l *Lab) copyOut(ctx context.Context, ref, path string) ([]byte, error) {
	id, err := l.createContainer(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer l.removeContainer(id)
	rc, _, err := l.Client.CopyFromContainer(ctx, id, path)
	if err != nil {
		return nil, fmt.Errorf("copy %s out of %s: %w", path, ref, err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("copy %s out of %s: %w", path, ref, err)
		}
		if h.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}

// CheckOrdering runs the comparison file's checks (the seed's: one stage
// is the largest, the builder pattern and multi-stage are about the same,
// within 1 MiB, and a static binary on scratch is the smallest).
func CheckOrdering(c *labfile.Comparison, a []Approach) []Check {
	inv := checks.Inventory{Approaches: map[string]checks.ApproachFacts{}}
	for _, x := range a {
		inv.Approaches[x.Name] = checks.ApproachFacts{Size: x.Size, Output: x.Output, ExitErr: x.ExitErr}
	}
	var out []Check
	for _, k := range c.Checks {
		v := k.Kind.Evaluate(c, inv)
		out = append(out, Check{Name: k.Name, Line: k.Line, Pass: v.Pass, Expected: v.Expected, Actual: v.Actual})
	}
	return out
}

// ShowComparison builds the approaches, prints them, and checks the
// ordering.
func (l *Lab) ShowComparison(ctx context.Context) error {
	a, err := l.Compare(ctx)
	if err != nil {
		return err
	}
	checks := CheckOrdering(l.Cmp, a)
	l.emit(event.Compared{Approaches: a, Checks: checks})
	if n := verify.Failed(checks); n > 0 {
		return fmt.Errorf("%w: %d of %d", ErrOrdering, n, len(checks))
	}
	return nil
}
