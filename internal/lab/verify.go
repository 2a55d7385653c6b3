package lab

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docker/docker/errdefs"
)

// ErrAssertions marks a verify run in which an assertion failed.
var ErrAssertions = errors.New("assertions failed")

// Gather asks the engine for everything the assertions look at.
func (l *Lab) Gather(ctx context.Context) (Inventory, error) {
	inv, err := l.gatherImages(ctx)
	if err != nil {
		return inv, err
	}
	runtime := inv.Images["runtime"]
	inv.Binary, inv.GoRoot = PathInfo{Path: "/myapp/helloworld"}, PathInfo{Path: "/usr/local/go"}
	if !runtime.Present {
		return inv, nil
	}
	paths, err := l.statPaths(ctx, runtime.Ref, inv.Binary.Path, inv.GoRoot.Path)
	if err != nil {
		return inv, err
	}
	inv.Binary, inv.GoRoot = paths[0], paths[1]
	res, err := l.Run(ctx, runtime.Ref)
	if err != nil {
		if ctx.Err() != nil {
			return inv, ctx.Err()
		}
		inv.RunErr = err.Error()
	}
	inv.Run = res
	return inv, nil
}

// gatherImages inspects the lab's images and its bases.
func (l *Lab) gatherImages(ctx context.Context) (Inventory, error) {
	inv := Inventory{Images: map[string]ImageFacts{}, Bases: map[string]Base{}}
	var err error
	if inv.Store, err = l.imageStore(ctx); err != nil {
		return inv, err
	}
	for _, im := range Images {
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
		inv.Bases[baseRoles[i]] = b
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
		f.Entrypoint = in.Config.Entrypoint
		f.WorkingDir = in.Config.WorkingDir
		f.Labels = in.Config.Labels
		f.Env = in.Config.Env
	}
	if f.History, err = l.history(ctx, ref); err != nil {
		return ImageFacts{}, err
	}
	return f, nil
}

// Verify gathers the inventory, evaluates every assertion, prints each (and
// why v1, v2 and runtime differ, if they do), writes the report LAB_REPORT
// asks for, and returns ErrAssertions if any failed.
func (l *Lab) Verify(ctx context.Context) ([]Check, error) {
	start := time.Now()
	inv, err := l.Gather(ctx)
	if err != nil {
		return nil, err
	}
	checks := Evaluate(inv)
	on, err := l.engineLine(ctx)
	if err != nil {
		return nil, err
	}
	l.printf("==> verify on %s (bases: %s %s, %s %s)\n", on, inv.Bases["golang"].Ref, baseKind(inv, "golang"), inv.Bases["alpine"].Ref, baseKind(inv, "alpine"))
	WriteChecks(l.Out, checks)
	why := explainSameID(inv)
	if len(why) > 0 {
		l.printf("Why the IDs differ:\n")
		for _, w := range why {
			l.printf("  - %s\n", w)
		}
	}
	if l.Settings.Report != "" {
		if err := l.writeReport(ctx, inv, checks, why, start); err != nil {
			return checks, err
		}
	}
	if n := Failed(checks); n > 0 {
		return checks, fmt.Errorf("%w: %d of %d", ErrAssertions, n, len(checks))
	}
	return checks, nil
}

func baseKind(inv Inventory, role string) string {
	b, ok := inv.Bases[role]
	if !ok || b.ID == "" {
		return "absent"
	}
	return b.Kind()
}

// RunRuntime runs multi-state:runtime as `docker run --rm` would and prints
// what it printed.
func (l *Lab) RunRuntime(ctx context.Context) error {
	ref := Repository + ":runtime"
	l.printf("==> docker run --rm %s\n", ref)
	res, err := l.Run(ctx, ref)
	if errdefs.IsNotFound(err) {
		return fmt.Errorf("%s is not built: run `go tool mage build` first", ref)
	}
	if err != nil {
		return err
	}
	l.printf("%s", res.Stdout)
	if res.Stderr != "" {
		l.printf("%s", res.Stderr)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("%w: %s exited %d", errRunFailed, ref, res.ExitCode)
	}
	return nil
}
