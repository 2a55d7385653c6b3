package clean

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/errdefs"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/enginelock"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/ledger"
	"github.com/multistage-lab/multistage-lab/internal/settings"
)

// A Cleaner removes what the lab made from one engine, and retires the
// images the lab's builds untag, saying what it did to Say. It keeps the
// lab's record (package ledger) of what the classic builds committed.
type Cleaner struct {
	Client engine.Client
	Say    event.Sink
	// Ledger opens the lab's record for this engine, with the engine's ID.
	Ledger func(ctx context.Context) (*ledger.Ledger, string, error)
	// Retired is the run's note of the images whose fate retire has said.
	Retired *Retired
}

// Retired notes, for a run, the images whose fate has been said, once each.
type Retired struct {
	mu  sync.Mutex
	ids map[string]bool
}

// ErrNotConfirmed says clean:all ran without the confirmation.
var ErrNotConfirmed = errors.New("clean:all removes every container and image on the engine: set LAB_CONFIRM=" + settings.ConfirmCleanAll + " to do it")

// Clean removes the lab's containers and images (the Plan that Select
// makes of what the engine holds, e's repositories and lab label) and says
// what it removed and what it kept.
func (c *Cleaner) Clean(ctx context.Context, e Engine) error {
	e, err := c.read(ctx, e)
	if err != nil {
		return err
	}
	p := Select(e)
	if p.Empty() {
		c.Say(event.NothingToClean{Repositories: e.Repositories})
	}
	var errs []error
	for _, k := range p.Containers {
		if err := c.Client.ContainerRemove(ctx, k.ID, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", display.ShortID(k.ID), err))
			continue
		}
		c.Say(event.ContainerRemoved{ID: k.ID, Name: k.Name, Image: k.Image, State: k.State})
	}
	var gone []string
	for _, t := range p.Tags {
		if err := c.removeImage(ctx, t, false); err != nil {
			errs = append(errs, err)
		}
	}
	for _, id := range p.Untagged {
		if err := c.removeImage(ctx, id, false); err != nil {
			errs = append(errs, err)
			continue
		}
		gone = append(gone, id)
	}
	for _, k := range p.Kept {
		c.Say(event.KeptImage{Why: k})
	}
	c.Forget(ctx, append(gone, p.Gone...))
	return errors.Join(errs...)
}

// read fills e with every image and container, with the name each
// container was made from, and the lab's record for this engine.
func (c *Cleaner) read(ctx context.Context, e Engine) (Engine, error) {
	var err error
	if e.Images, err = c.Client.ImageList(ctx, image.ListOptions{All: true}); err != nil {
		return e, fmt.Errorf("list images: %w", err)
	}
	cs, err := c.Client.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		return e, fmt.Errorf("list containers: %w", err)
	}
	e.ContainerImage = map[string]string{}
	e.ContainerLabels = map[string]map[string]string{}
	for _, k := range cs {
		name := k.ID
		if len(k.Names) > 0 {
			name = strings.TrimPrefix(k.Names[0], "/")
		}
		made := k.Image
		// The engine lists a container by its image's ID once the name
		// it was made from names another image; its config keeps the name.
		if strings.HasPrefix(made, "sha256:") {
			in, err := c.Client.ContainerInspect(ctx, k.ID)
			if err == nil && in.Config != nil {
				made = in.Config.Image
			}
		}
		if MadeByID.MatchString(made) {
			made = display.ShortID(made)
		}
		e.Containers = append(e.Containers, ContainerRef{ID: k.ID, Name: name, Image: made, State: k.State})
		e.ContainerImage[k.ID] = k.ImageID
		e.ContainerLabels[k.ID] = k.Labels
	}
	e.Recorded = c.Recorded(ctx)
	return e, nil
}

// removeImage removes one tag or image (never its parents: the lab removes
// only the steps it can tell it made) and says what the engine did.
func (c *Cleaner) removeImage(ctx context.Context, ref string, force bool) error {
	resp, err := c.Client.ImageRemove(ctx, ref, image.RemoveOptions{Force: force, PruneChildren: force})
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove image %s: %w", ref, err)
	}
	for _, r := range resp {
		if r.Untagged != "" {
			c.Say(event.Untagged{Ref: r.Untagged})
		}
		if r.Deleted != "" {
			c.Say(event.Deleted{ID: r.Deleted})
		}
	}
	return nil
}

// All is the seed's first step: every container and every image on the
// engine, but the engine's lock. Unconfirmed, it only says what it would
// remove, and returns ErrNotConfirmed.
func (c *Cleaner) All(ctx context.Context, confirmed bool) error {
	images, err := c.Client.ImageList(ctx, image.ListOptions{})
	if err != nil {
		return fmt.Errorf("list images: %w", err)
	}
	containers, err := c.Client.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	images, containers = c.keepLock(ctx, images, containers)
	if !confirmed {
		var would event.WouldRemove
		for _, k := range containers {
			would.Containers = append(would.Containers, event.ContainerRemoved{ID: k.ID, Image: k.Image, State: k.State})
		}
		for _, s := range images {
			im := event.ImageLine{ID: s.ID}
			if !Untagged(s) {
				im.Tags = s.RepoTags
			}
			would.Images = append(would.Images, im)
		}
		c.Say(would)
		return ErrNotConfirmed
	}
	var errs []error
	for _, k := range containers {
		if err := c.Client.ContainerRemove(ctx, k.ID, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", display.ShortID(k.ID), err))
			continue
		}
		c.Say(event.ContainerRemoved{ID: k.ID, Image: k.Image})
	}
	for _, s := range images {
		if err := c.removeImage(ctx, s.ID, true); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// keepLock leaves the engine's lock out of what clean:all removes, and says
// so: it is a run's (this one's, or another's that waits or works), and
// removing it would let two runs change the engine at once.
func (c *Cleaner) keepLock(ctx context.Context, images []image.Summary, containers []container.Summary) ([]image.Summary, []container.Summary) {
	kept := false
	containers = slices.DeleteFunc(containers, func(k container.Summary) bool {
		if k.Labels[enginelock.Label] == "" {
			return false
		}
		kept = true
		return true
	})
	images = slices.DeleteFunc(images, func(s image.Summary) bool { return s.Labels[enginelock.Label] != "" })
	if kept {
		who := "a run"
		if h, ok, err := enginelock.Held(ctx, c.Client); err == nil && ok {
			who = h.String()
		}
		c.Say(event.LockKept{Container: enginelock.Name, Image: enginelock.Image, Holder: who})
	}
	return images, containers
}

// Record adds what a classic build committed to the lab's record. A record
// that cannot be written costs only the lab's own clean-up later, so it is
// a warning, to say.
func (c *Cleaner) Record(ctx context.Context, ids []string, say event.Sink) {
	if len(ids) == 0 {
		return
	}
	lg, engineID, err := c.Ledger(context.WithoutCancel(ctx))
	if err == nil {
		err = lg.Add(engineID, ids...)
	}
	if err != nil {
		say(event.NotRecorded{Err: err, IDs: ids})
	}
}

// Recorded is the lab's record for this engine; empty if it cannot be
// read, so the lab then keeps what it cannot tell it made.
func (c *Cleaner) Recorded(ctx context.Context) []string {
	lg, _, err := c.Ledger(ctx)
	if err != nil {
		return nil
	}
	ids, err := lg.IDs()
	if err != nil {
		return nil
	}
	return ids
}

// Forget drops removed images from the record.
func (c *Cleaner) Forget(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	if lg, _, err := c.Ledger(ctx); err == nil {
		_ = lg.Forget(ids...)
	}
}

// Retire deals with the image a build's tag named before, once the build
// has moved the tag and no tag names it any more, and tells say its fate.
// An image the lab's classic build made goes now, with the steps of it
// that the lab made and nothing else depends on (nothing could tell it
// from anyone's dangling image later). One the lab did not make (built by
// hand with the same Dockerfile) is left as docker build leaves it:
// dangling, with its parents.
//
// The builds after v1 run side by side and may move tags off the same
// image, so Retire runs one at a time and says each image's fate once: an
// image another Retire removed, or already reported, is not news.
func (c *Cleaner) Retire(ctx context.Context, id, tag string, say event.Sink) {
	c.Retired.mu.Lock()
	defer c.Retired.mu.Unlock()
	if c.Retired.ids[id] {
		return
	}
	in, err := c.Client.ImageInspect(ctx, id)
	if errdefs.IsNotFound(err) {
		// The containerd image store drops an image whose only name a
		// BuildKit build takes, as it does for docker build; the lab
		// removed nothing.
		say(event.Previous{Tag: tag, ID: id, Fate: event.RemovedByEngine})
		c.Retired.settle(id)
		c.Forget(ctx, []string{id})
		return
	}
	if err != nil || len(in.RepoTags) > 0 {
		return
	}
	recorded := c.Recorded(ctx)
	if !ledger.Has(recorded, id) {
		say(event.Previous{Tag: tag, ID: id, Fate: event.LeftDangling})
		c.Retired.settle(id)
		return
	}
	var gone []string
	for cur := id; cur != "" && ledger.Has(recorded, cur); {
		in, err := c.Client.ImageInspect(ctx, cur)
		if err != nil || len(in.RepoTags) > 0 {
			break
		}
		if _, err := c.Client.ImageRemove(ctx, cur, image.RemoveOptions{}); err != nil {
			if cur == id && !errdefs.IsNotFound(err) {
				say(event.Previous{Tag: tag, ID: id, Fate: event.Kept, Err: err})
			}
			break
		}
		gone = append(gone, cur)
		cur = in.Parent
	}
	if len(gone) > 0 {
		say(event.Previous{Tag: tag, ID: id, Fate: event.Removed})
		c.Retired.settle(id)
	}
	c.Forget(ctx, gone)
}

// settle notes that an image's fate has been said; mu is held.
func (r *Retired) settle(id string) {
	if r.ids == nil {
		r.ids = map[string]bool{}
	}
	r.ids[id] = true
}
