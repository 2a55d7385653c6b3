package lab

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/errdefs"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/structuretest"
	"github.com/multistage-lab/multistage-lab/internal/verify"
	"github.com/multistage-lab/multistage-lab/internal/waste"
)

// ErrAssertions marks a verify run in which an assertion failed.
var ErrAssertions = errors.New("assertions failed")

// Gather asks the engine for everything the lab file's checks look at:
// each image and base, the paths the checks name in an image, and what a
// container of each image a run check names prints.
func (l *Lab) Gather(ctx context.Context) (Inventory, error) {
	inv, err := l.gatherImages(ctx)
	if err != nil {
		return inv, err
	}
	inv.Paths, inv.Runs = map[string]map[string]PathInfo{}, map[string]checks.RunOutcome{}
	needs := verify.Needs(l.Def)
	paths, runs := needs.Paths, needs.Runs
	for _, im := range l.Images() {
		want, f := paths[im.Name], inv.Images[im.Name]
		if len(want) == 0 || !f.Present {
			continue
		}
		got, err := l.statPaths(ctx, f.Ref, needs.Read[im.Name], want...)
		if err != nil {
			return inv, err
		}
		inv.Paths[im.Name] = map[string]PathInfo{}
		for _, p := range got {
			inv.Paths[im.Name][p.Path] = p
		}
	}
	for _, name := range runs {
		f := inv.Images[name]
		if !f.Present {
			continue
		}
		l.status("verify: running %s", f.Ref)
		res, err := l.Run(ctx, f.Ref)
		if err != nil && ctx.Err() != nil {
			return inv, ctx.Err()
		}
		o := checks.RunOutcome{RunResult: res}
		if err != nil {
			o.Err = err.Error()
		}
		inv.Runs[name] = o
	}
	for _, s := range needs.Execs {
		f := inv.Images[s.Image]
		if !f.Present {
			continue
		}
		l.status("verify: running %s %s", f.Ref, strings.Join(s.Args, " "))
		res, err := l.RunWith(ctx, f.Ref, s.Args, s.Env)
		if err != nil && ctx.Err() != nil {
			return inv, ctx.Err()
		}
		o := checks.RunOutcome{RunResult: res}
		if err != nil {
			o.Err = err.Error()
		}
		inv.Runs[s.Key()] = o
	}
	inv.Waste = map[string]checks.WasteFacts{}
	for _, name := range needs.Waste {
		f := inv.Images[name]
		if !f.Present {
			continue
		}
		l.status("verify: reading the layers of %s", f.Ref)
		a, err := l.wasteOf(ctx, f.Ref)
		if err != nil && ctx.Err() != nil {
			return inv, ctx.Err()
		}
		w := checks.WasteFacts{Efficiency: a.Efficiency, WastedBytes: a.WastedBytes, UserSizeBytes: a.UserSizeBytes, UserWastedPercent: a.UserWastedPercent}
		if err != nil {
			w.Err = err.Error()
		}
		inv.Waste[name] = w
	}
	return inv, nil
}

// wasteOf reads ref's layers as docker save writes them and measures what
// they waste, as dive does (package waste).
func (l *Lab) wasteOf(ctx context.Context, ref string) (waste.Analysis, error) {
	rc, err := l.Client.ImageSave(ctx, []string{ref})
	if err != nil {
		return waste.Analysis{}, fmt.Errorf("save %s: %w", ref, err)
	}
	defer rc.Close()
	a, err := waste.Analyze(rc)
	if err != nil {
		return waste.Analysis{}, fmt.Errorf("%s: %w", ref, err)
	}
	return a, nil
}

// gatherImages inspects the lab's images and its bases.
func (l *Lab) gatherImages(ctx context.Context) (Inventory, error) {
	inv := Inventory{Images: map[string]ImageFacts{}, Bases: map[string]Base{}}
	var err error
	if inv.Store, err = l.imageStore(ctx); err != nil {
		return inv, err
	}
	for _, im := range l.Images() {
		f, err := l.imageFacts(ctx, im.Tag)
		if err != nil {
			return inv, err
		}
		inv.Images[im.Name] = f
	}
	for i, ref := range l.BaseRefs() {
		b, _, err := l.SizedBase(ctx, ref)
		if err != nil {
			return inv, err
		}
		inv.Bases[l.Def.Bases[i].Role] = b
	}
	return inv, nil
}

func (l *Lab) imageFacts(ctx context.Context, ref string) (ImageFacts, error) {
	in, sizes, err := l.inspectImage(ctx, ref)
	if errdefs.IsNotFound(err) {
		return ImageFacts{Ref: ref}, nil
	}
	if err != nil {
		return ImageFacts{}, fmt.Errorf("inspect %s: %w", ref, err)
	}
	f := ImageFacts{Ref: ref, Present: true, ID: in.ID, Size: sizes.Unpacked, Sizes: sizes, Layers: in.RootFS.Layers, Created: in.Created}
	if in.Config != nil {
		f.Entrypoint, f.Cmd = in.Config.Entrypoint, in.Config.Cmd
		f.WorkingDir, f.User = in.Config.WorkingDir, in.Config.User
		f.ExposedPorts = slices.Sorted(maps.Keys(in.Config.ExposedPorts))
		f.Volumes = slices.Sorted(maps.Keys(in.Config.Volumes))
		f.Labels = in.Config.Labels
		f.Env = in.Config.Env
	}
	if f.History, err = l.history(ctx, ref); err != nil {
		return ImageFacts{}, err
	}
	return f, nil
}

// Verification is what verify found: every check's outcome, the inventory
// it read them from, why the images the lab file holds to one ID differ
// (if they do), and how long it took. Report makes a report of it.
type Verification struct {
	Checks    []Check
	Inventory Inventory
	Why       []string
	Took      time.Duration
}

// Verify gathers the inventory, evaluates every check, tells each (and why
// v1, v2 and runtime differ, if they do) as an event, and returns what it
// found; the error is ErrAssertions if a check failed. It returns no
// Verification when it could not read the images.
func (l *Lab) Verify(ctx context.Context) (*Verification, error) {
	start := time.Now()
	l.status("verify: reading the images")
	inv, err := l.Gather(ctx)
	if err != nil {
		return nil, err
	}
	checks := verify.Evaluate(l.Def, inv)
	checks = append(checks, l.structureTests(ctx, inv)...)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	l.status("verify %d/%d passed", len(checks)-verify.Failed(checks), len(checks))
	on, err := l.engineLine(ctx)
	if err != nil {
		return nil, err
	}
	var bases []string
	for _, b := range l.Def.Bases {
		bases = append(bases, inv.Bases[b.Role].Ref+" "+baseKind(inv, b.Role))
	}
	why := verify.ExplainSameID(l.Def, inv)
	l.emit(event.Verified{On: on, Bases: bases, Checks: checks, Why: why})
	v := &Verification{Checks: checks, Inventory: inv, Why: why, Took: time.Since(start)}
	if n := verify.Failed(checks); n > 0 {
		return v, fmt.Errorf("%w: %d of %d", ErrAssertions, n, len(checks))
	}
	return v, nil
}

func baseKind(inv Inventory, role string) string {
	b, ok := inv.Bases[role]
	if !ok || b.ID == "" {
		return "absent"
	}
	return b.Kind()
}

// RunRuntime runs the lab's program image (multi-state:runtime in the
// seed's lab) as `docker run --rm` would and prints what it printed.
func (l *Lab) RunRuntime(ctx context.Context) error {
	ref := l.runImage().Tag
	l.status("run %s", ref)
	l.emit(event.Step{Text: "docker run --rm " + ref})
	res, err := l.Run(ctx, ref)
	if errdefs.IsNotFound(err) {
		return fmt.Errorf("%s is not built: run `go tool mage build` first", ref)
	}
	if err != nil {
		return err
	}
	l.emit(event.Ran{Stdout: res.Stdout, Stderr: res.Stderr})
	if res.ExitCode != 0 {
		return fmt.Errorf("%w: %s exited %d", errRunFailed, ref, res.ExitCode)
	}
	return nil
}

// runImage is the image `run` runs: the one the lab file's first run check
// names, else its last image.
func (l *Lab) runImage() Image {
	runs := verify.Needs(l.Def).Runs
	if len(runs) > 0 {
		im, _ := l.Def.ImageNamed(runs[0])
		return im
	}
	return l.Def.Images[len(l.Def.Images)-1]
}

// structureTests runs the lab file's container-structure-test configs,
// each test one check named as CST names it, with CST's verdict.
func (l *Lab) structureTests(ctx context.Context, inv Inventory) []Check {
	var out []Check
	for _, st := range l.Def.StructureTests {
		expected := "as " + st.File + " says (container-structure-test)"
		f := inv.Images[st.Image]
		if !f.Present {
			out = append(out, Check{Name: "structure tests of " + st.File, Line: st.Line, Expected: expected, Actual: l.Def.TagOf(st.Image) + " is missing"})
			continue
		}
		l.status("verify: structure tests %s on %s", st.File, f.Ref)
		for _, r := range structuretest.Run(ctx, l.Client, f.Ref, st.Config, map[string]string{LabelContainer: l.labValue()}) {
			c := Check{Name: r.Name, Line: st.Line, Pass: r.Pass, Expected: expected, Actual: "passed"}
			if !r.Pass {
				// one line: CST's reasons quote the command's output
				c.Actual = strings.ReplaceAll(strings.Join(r.Errors, "; "), "\n", `\n`)
			}
			out = append(out, c)
		}
	}
	return out
}
