package standin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/errdefs"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/clean"
	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/event"
)

// ErrBaseMissing says a base image is absent and the settings forbid, or
// the machine cannot provide, a way to get it.
var ErrBaseMissing = errors.New("base image missing")

// registryTimeout bounds the question whether a registry has the real
// image for a stand-in: a run that reaches no registry loses at most this.
const registryTimeout = 10 * time.Second

// A Keeper looks after one engine's stand-ins: makes them, replaces one
// with the real image when a registry has it, remakes an earlier lab's,
// removes them; and tells Say what it did.
type Keeper struct {
	Client engine.Client
	Say    event.Sink
	// Inspect reports whether ref is on the engine and what it is, with
	// its sizes if sized.
	Inspect func(ctx context.Context, ref string, sized bool) (checks.Base, bool, error)
	// Pull pulls ref as the lab pulls; PullAuth is its registry's
	// credentials for the engine.
	Pull     func(ctx context.Context, ref string) error
	PullAuth func(ref string) (string, error)
	// Arch is the engine's architecture; Shell the /bin/sh stand-ins get.
	Arch  func(ctx context.Context) (string, error)
	Shell func(ctx context.Context, arch string) (Shell, error)
}

// Make makes the stand-in for ref (see package Make) and says what it made.
func (k *Keeper) Make(ctx context.Context, ref string) error {
	k.Say(event.Status{Text: "making a stand-in for " + ref})
	arch, err := k.Arch(ctx)
	if err != nil {
		return err
	}
	sh, err := k.Shell(ctx, arch)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBaseMissing, ref, err)
	}
	start := time.Now()
	if err := Make(ctx, k.Client, ref, arch, sh); err != nil {
		if errors.Is(err, ErrNone) || errors.Is(err, ErrNoToolchain) {
			return fmt.Errorf("%w: %w", ErrBaseMissing, err)
		}
		return err
	}
	b, _, err := k.Inspect(ctx, ref, true)
	if err != nil {
		return err
	}
	k.Say(event.StandinMade{Ref: ref, ID: b.ID, Size: b.Size, Took: time.Since(start), Shell: sh.Describe()})
	return nil
}

// Replace pulls the real image for the stand-in old when a registry (or
// the engine's mirror) has it now: the real image takes the tag, and the
// stand-in, an image the lab labelled as its own, is removed. Offline, the
// stand-in is kept without a word.
func (k *Keeper) Replace(ctx context.Context, old checks.Base) (checks.Base, error) {
	online, err := k.Online(ctx, old.Ref)
	return k.ReplaceIfOnline(ctx, old, online, err)
}

// Online asks the registry (or the engine's mirror), through the engine,
// whether it has ref now; false offline. An error is only ctx's.
func (k *Keeper) Online(ctx context.Context, ref string) (bool, error) {
	auth, err := k.PullAuth(ref)
	if err != nil {
		return false, nil
	}
	ictx, cancel := context.WithTimeout(ctx, registryTimeout)
	_, err = k.Client.DistributionInspect(ictx, ref, auth)
	cancel()
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	return err == nil, nil
}

// ReplaceIfOnline is Replace with Online's answer already asked (several
// bases are asked side by side).
func (k *Keeper) ReplaceIfOnline(ctx context.Context, old checks.Base, online bool, err error) (checks.Base, error) {
	ref := old.Ref
	if err != nil {
		return checks.Base{}, err
	}
	if !online {
		return old, nil
	}
	if err := k.Pull(ctx, ref); err != nil {
		if ctx.Err() != nil {
			return checks.Base{}, ctx.Err()
		}
		k.Say(event.StandinKept{Ref: ref, ID: old.ID, Err: err})
		return old, nil
	}
	b, err := k.Present(ctx, ref)
	if err != nil {
		return b, err
	}
	if b.ID == old.ID || b.Standin {
		return b, nil
	}
	k.Say(event.RealPulled{Ref: ref, ID: b.ID, OldID: old.ID, RemoveErr: k.removeImage(ctx, old.ID)})
	return b, nil
}

// Remake makes the stand-in old anew: an earlier lab gave it a shell and
// no commands, so `docker run alpine:latest echo hi` and a RUN line's
// sleep failed in it.
func (k *Keeper) Remake(ctx context.Context, old checks.Base) (checks.Base, error) {
	k.Say(event.StandinRemade{Ref: old.Ref, ID: old.ID})
	if err := k.Make(ctx, old.Ref); err != nil {
		return checks.Base{}, err
	}
	b, err := k.Present(ctx, old.Ref)
	if err != nil || b.ID == old.ID {
		return b, err
	}
	if err := k.removeImage(ctx, old.ID); err != nil {
		k.Say(event.OldStandinKept{Ref: old.Ref, ID: old.ID, Err: err})
	}
	return b, nil
}

// Remove removes the stand-ins among refs, and never a real image.
func (k *Keeper) Remove(ctx context.Context, refs []string) error {
	var errs []error
	for _, ref := range refs {
		b, ok, err := k.Inspect(ctx, ref, false)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case !ok:
			k.Say(event.StandinAbsent{Ref: ref})
		case !b.Standin:
			k.Say(event.RealKept{Ref: ref})
		default:
			if _, err := k.Client.ImageRemove(ctx, ref, image.RemoveOptions{}); err != nil && !errdefs.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("remove %s: %w", ref, err))
				continue
			}
			k.Say(event.StandinRemoved{Ref: ref, ID: b.ID})
		}
	}
	return errors.Join(errs...)
}

// Present is ref as Inspect finds it, which must be on the engine (it was
// just made or pulled).
func (k *Keeper) Present(ctx context.Context, ref string) (checks.Base, error) {
	b, ok, err := k.Inspect(ctx, ref, false)
	if err == nil && !ok {
		err = fmt.Errorf("%w: %s is still absent after it was made", ErrBaseMissing, ref)
	}
	return b, err
}

// removeImage removes the image id if it is one of the lab's stand-ins,
// never forcing: an image still tagged elsewhere or used by a container
// stays.
func (k *Keeper) removeImage(ctx context.Context, id string) error {
	in, err := k.Client.ImageInspect(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if in.Config == nil || in.Config.Labels[clean.LabelStandin] == "" {
		return fmt.Errorf("%s is not a stand-in of the lab's", display.ShortID(id))
	}
	if _, err := k.Client.ImageRemove(ctx, id, image.RemoveOptions{PruneChildren: true}); err != nil && !errdefs.IsNotFound(err) {
		return err
	}
	return nil
}
