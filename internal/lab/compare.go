package lab

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/report"
	"github.com/multistage-lab/multistage-lab/internal/verify"
)

// Approach is one way to package the program, as built and measured.
type Approach struct {
	Name string
	Tags []string
	ID   string
	// Size is the unpacked size, compared on every image store; Sizes has
	// the engine's own too.
	Size    int64
	Sizes   Sizes
	Layers  int
	Took    time.Duration
	Output  string
	ExitErr string
}

// CompareRepositories are the comparison lab's image names; clean removes
// their tags only from images that carry the lab's label.
var CompareRepositories = []string{"helloworld", "helloworld-build"}

// ErrOrdering says the approaches' sizes are not in the order the lab teaches.
var ErrOrdering = fmt.Errorf("%w: the sizes are not in the expected order", ErrAssertions)

// Compare builds the program four ways — one stage, the builder pattern,
// multi-stage, and a static binary on scratch — and compares their size,
// layer count and build time.
func (l *Lab) Compare(ctx context.Context) ([]Approach, error) {
	dockerfiles := filepath.Join(l.Root, "dockerfiles")
	var out []Approach

	// 1. One stage: the whole golang image plus the binary.
	single := Approach{Name: "single stage", Tags: []string{"helloworld:v1", "helloworld-build:latest"}}
	id, took, err := l.build(ctx, buildSpec{Tags: single.Tags, Dockerfile: filepath.Join(dockerfiles, "single.Dockerfile"), Display: "single.Dockerfile"})
	if err != nil {
		return nil, err
	}
	single.ID, single.Took = id, took
	out = append(out, single)

	// 2. The builder pattern: copy the binary out of a container of the
	// build image, then build a second image around it.
	start := time.Now()
	l.printf("==> docker container create helloworld-build; docker container cp ...:/myapp/helloworld .\n")
	bin, err := l.copyOut(ctx, "helloworld-build:latest", "/myapp/helloworld")
	if err != nil {
		return nil, err
	}
	pattern := Approach{Name: "builder pattern", Tags: []string{"helloworld:v2", "helloworld:latest"}}
	id, _, err = l.build(ctx, buildSpec{Tags: pattern.Tags, Dockerfile: filepath.Join(dockerfiles, "builder-pattern.Dockerfile"), Display: "builder-pattern.Dockerfile", Files: map[string][]byte{"helloworld": bin}})
	if err != nil {
		return nil, err
	}
	pattern.ID = id
	// The pattern's time includes building its build image, shared with
	// the single-stage approach.
	pattern.Took = single.Took + time.Since(start)
	out = append(out, pattern)

	// 3. Multi-stage: the lab's own runtime image.
	rt := l.runImage()
	b, err := l.Build(ctx, rt)
	if err != nil {
		return nil, err
	}
	out = append(out, Approach{Name: "multi-stage", Tags: []string{rt.Tag}, ID: b.ID, Took: b.Duration})

	// 4. Further: a static, stripped binary on an empty image.
	scratch := Approach{Name: "static on scratch", Tags: []string{"helloworld:scratch"}}
	id, took, err = l.build(ctx, buildSpec{Tags: scratch.Tags, Dockerfile: filepath.Join(dockerfiles, "scratch.Dockerfile"), Display: "scratch.Dockerfile"})
	if err != nil {
		return nil, err
	}
	scratch.ID, scratch.Took = id, took
	out = append(out, scratch)

	for i := range out {
		in, sizes, err := l.inspectImage(ctx, out[i].ID)
		if err != nil {
			return nil, fmt.Errorf("inspect %s: %w", out[i].Tags[0], err)
		}
		out[i].Size, out[i].Sizes, out[i].Layers = sizes.Unpacked, sizes, len(in.RootFS.Layers)
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

// CheckOrdering is what the comparison teaches: one stage is the largest,
// the builder pattern and multi-stage are about the same (within 1 MiB), and
// a static binary on scratch is the smallest.
func CheckOrdering(a []Approach) []Check {
	size := map[string]int64{}
	for _, x := range a {
		size[x.Name] = x.Size
	}
	single, pattern, multi, scratch := size["single stage"], size["builder pattern"], size["multi-stage"], size["static on scratch"]
	diff := pattern - multi
	if diff < 0 {
		diff = -diff
	}
	return []Check{
		{Name: "single stage > builder pattern", Expected: "single stage larger", Actual: fmt.Sprintf("%s vs %s", display.HumanSize(single), display.HumanSize(pattern)), Pass: single > pattern},
		{Name: "builder pattern ~ multi-stage", Expected: "within 1 MiB", Actual: fmt.Sprintf("%s vs %s (%d bytes apart)", display.HumanSize(pattern), display.HumanSize(multi), diff), Pass: diff <= verify.MiB},
		{Name: "multi-stage > static on scratch", Expected: "scratch smaller", Actual: fmt.Sprintf("%s vs %s", display.HumanSize(multi), display.HumanSize(scratch)), Pass: multi > scratch},
		{Name: "every approach prints Hello World", Expected: "Hello World, exit 0", Actual: outputs(a), Pass: allHello(a)},
	}
}

func outputs(a []Approach) string {
	var parts []string
	for _, x := range a {
		s := fmt.Sprintf("%q", x.Output)
		if x.ExitErr != "" {
			s = x.ExitErr
		}
		parts = append(parts, x.Name+": "+s)
	}
	return strings.Join(parts, "; ")
}

func allHello(a []Approach) bool {
	for _, x := range a {
		if x.Output != "Hello World\n" || x.ExitErr != "" {
			return false
		}
	}
	return true
}

// WriteComparison prints the table and chart of the approaches.
func WriteComparison(w io.Writer, a []Approach) {
	tw := tabwriter.NewWriter(w, 0, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "APPROACH\tIMAGE\tIMAGE ID\tSIZE\tBYTES\tLAYERS\tBUILD TIME")
	for _, x := range a {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%.1fs\n", x.Name, strings.Join(x.Tags, ", "), display.ShortID(x.ID), display.HumanSize(x.Size), x.Size, x.Layers, x.Took.Seconds())
	}
	tw.Flush()
	fmt.Fprintln(w)
	bars := make([]report.Bar, len(a))
	for i, x := range a {
		bars[i] = report.Bar{Label: x.Name, Size: x.Size}
	}
	report.TextChart(w, bars, 40)
}

// ShowComparison builds the four approaches, prints them, and checks the
// ordering.
func (l *Lab) ShowComparison(ctx context.Context) error {
	a, err := l.Compare(ctx)
	if err != nil {
		return err
	}
	l.printf("\n")
	WriteComparison(l.Out, a)
	l.printf("\n")
	checks := CheckOrdering(a)
	verify.WriteChecks(l.Out, checks)
	if n := verify.Failed(checks); n > 0 {
		return fmt.Errorf("%w: %d of %d", ErrOrdering, n, len(checks))
	}
	return nil
}
