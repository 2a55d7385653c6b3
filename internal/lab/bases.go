package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/standin"
)

// Base is a base image on the engine as the lab found or made it.
type Base struct {
	Ref     string
	ID      string
	Standin bool
	Size    int64
	Layers  []string
}

// Kind says "stand-in" or "real".
func (b Base) Kind() string {
	if b.Standin {
		return "stand-in"
	}
	return "real"
}

// BaseRefs are the tags the Dockerfiles' FROM lines resolve to.
var BaseRefs = []string{"golang:latest", "alpine:latest"}

// ErrBaseMissing says a base image is absent and the settings forbid, or the
// machine cannot provide, a way to get it.
var ErrBaseMissing = errors.New("base image missing")

// pullTimeout bounds a pull attempt in auto mode, where a stand-in follows.
const pullTimeout = 2 * time.Minute

// EnsureBases makes sure golang:latest and alpine:latest are on the engine,
// as LAB_BASE says: local, pulled, or a stand-in made here. It asks the
// engine only once per lab run.
func (l *Lab) EnsureBases(ctx context.Context) error {
	if l.bases != nil {
		return nil
	}
	bases := map[string]Base{}
	for _, ref := range BaseRefs {
		b, err := l.ensureBase(ctx, ref)
		if err != nil {
			return err
		}
		bases[ref] = b
	}
	l.bases = bases
	return nil
}

func (l *Lab) ensureBase(ctx context.Context, ref string) (Base, error) {
	if b, ok, err := l.InspectBase(ctx, ref); err != nil || ok {
		return b, err
	}
	mode := l.Settings.Base
	if mode != settings.BaseStandin {
		err := l.pull(ctx, ref)
		if err == nil {
			return l.mustInspectBase(ctx, ref)
		}
		if ctx.Err() != nil {
			return Base{}, ctx.Err()
		}
		if mode == settings.BasePull {
			return Base{}, fmt.Errorf("%w: pull %s: %v (LAB_BASE=pull makes no stand-in; use LAB_BASE=auto or standin)", ErrBaseMissing, ref, err)
		}
		l.printf("%s: not here and the pull failed (%s); making an offline stand-in\n", ref, firstLine(err.Error()))
	}
	if err := l.makeStandin(ctx, ref); err != nil {
		return Base{}, err
	}
	return l.mustInspectBase(ctx, ref)
}

// InspectBase reports whether ref is on the engine and what it is.
func (l *Lab) InspectBase(ctx context.Context, ref string) (Base, bool, error) {
	in, err := l.Client.ImageInspect(ctx, ref)
	if errdefs.IsNotFound(err) {
		return Base{Ref: ref}, false, nil
	}
	if err != nil {
		return Base{}, false, fmt.Errorf("inspect %s: %w", ref, err)
	}
	b := Base{Ref: ref, ID: in.ID, Size: in.Size, Layers: in.RootFS.Layers}
	if in.Config != nil {
		_, b.Standin = in.Config.Labels[LabelStandin]
	}
	return b, true, nil
}

func (l *Lab) mustInspectBase(ctx context.Context, ref string) (Base, error) {
	b, ok, err := l.InspectBase(ctx, ref)
	if err == nil && !ok {
		err = fmt.Errorf("%w: %s is still absent after it was made", ErrBaseMissing, ref)
	}
	return b, err
}

func (l *Lab) pull(ctx context.Context, ref string) error {
	pctx, cancel := context.WithTimeout(ctx, pullTimeout)
	defer cancel()
	rc, err := l.Client.ImagePull(pctx, ref, image.PullOptions{})
	if err != nil {
		return err
	}
	defer rc.Close()
	return jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil)
}

// MakeStandins makes a stand-in for each base image that is absent and says
// what it did with each; an image already there, real or not, is left as it is.
func (l *Lab) MakeStandins(ctx context.Context) error {
	for _, ref := range BaseRefs {
		b, ok, err := l.InspectBase(ctx, ref)
		if err != nil {
			return err
		}
		if ok {
			l.printf("%s: already here (%s, %s), left as it is\n", ref, b.Kind(), shortID(b.ID))
			continue
		}
		if err := l.makeStandin(ctx, ref); err != nil {
			return err
		}
	}
	return nil
}

// RemoveStandins removes the stand-in base images, and never a real one.
func (l *Lab) RemoveStandins(ctx context.Context) error {
	var errs []error
	for _, ref := range BaseRefs {
		b, ok, err := l.InspectBase(ctx, ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case !ok:
			l.printf("%s: not here\n", ref)
		case !b.Standin:
			l.printf("%s: a real image, kept\n", ref)
		default:
			if _, err := l.Client.ImageRemove(ctx, ref, image.RemoveOptions{}); err != nil && !errdefs.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("remove %s: %w", ref, err))
				continue
			}
			l.printf("removed stand-in %s (%s)\n", ref, shortID(b.ID))
		}
	}
	l.bases = nil
	return errors.Join(errs...)
}

// makeStandin imports a stand-in root filesystem, written as it is sent.
func (l *Lab) makeStandin(ctx context.Context, ref string) error {
	arch, err := l.engineArch(ctx)
	if err != nil {
		return err
	}
	busybox, err := standin.FindBusybox(l.Settings.Busybox, arch)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBaseMissing, ref, err)
	}
	var spec standin.Spec
	var write func(io.Writer) error
	switch ref {
	case "alpine:latest":
		spec = standin.Alpine()
		write = func(w io.Writer) error { return standin.WriteAlpine(w, busybox) }
	case "golang:latest":
		tc, err := standin.FindToolchain(arch)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBaseMissing, ref, err)
		}
		spec = standin.Golang(tc.Version)
		write = func(w io.Writer) error { return standin.WriteGolang(w, busybox, tc.GOROOT) }
	default:
		return fmt.Errorf("no stand-in for %s", ref)
	}
	start := time.Now()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw)) }()
	changes := append(spec.Changes, fmt.Sprintf("LABEL %s=%s", LabelStandin, spec.Kind))
	rc, err := l.Client.ImageImport(ctx, image.ImportSource{Source: pr, SourceName: "-"}, spec.Ref, image.ImportOptions{Changes: changes})
	if err != nil {
		pr.CloseWithError(err)
		return fmt.Errorf("make stand-in %s: %w", ref, err)
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("make stand-in %s: %w", ref, err)
	}
	b, _, err := l.InspectBase(ctx, ref)
	if err != nil {
		return err
	}
	l.printf("made offline stand-in %s (%s, %s) in %.1fs\n", ref, shortID(b.ID), humanSize(b.Size), time.Since(start).Seconds())
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
