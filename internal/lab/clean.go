package lab

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/errdefs"

	"github.com/multistage-lab/multistage-lab/internal/clean"
	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/enginelock"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/settings"
)

// What clean removes is chosen by package clean, from what readEngine
// reads; these names keep the lab's side short.
type (
	Plan         = clean.Plan
	ContainerRef = clean.ContainerRef
	Engine       = clean.Engine
)

// Clean removes the lab's containers and images and says what it removed
// and what it kept.
func (l *Lab) Clean(ctx context.Context) error {
	l.status("clean")
	e, err := l.readEngine(ctx)
	if err != nil {
		return err
	}
	p := clean.Select(e)
	if p.Empty() {
		l.emit(event.NothingToClean{Repositories: e.Repositories})
	}
	var errs []error
	for _, c := range p.Containers {
		if err := l.Client.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", display.ShortID(c.ID), err))
			continue
		}
		l.emit(event.ContainerRemoved{ID: c.ID, Name: c.Name, Image: c.Image, State: c.State})
	}
	var gone []string
	for _, t := range p.Tags {
		if err := l.removeImage(ctx, t, false); err != nil {
			errs = append(errs, err)
		}
	}
	for _, id := range p.Untagged {
		if err := l.removeImage(ctx, id, false); err != nil {
			errs = append(errs, err)
			continue
		}
		gone = append(gone, id)
	}
	for _, k := range p.Kept {
		l.emit(event.KeptImage{Why: k})
	}
	l.forget(ctx, append(gone, p.Gone...))
	return errors.Join(errs...)
}

// readEngine lists every image and container, with the name each container
// was made from, and the lab's record for this engine.
func (l *Lab) readEngine(ctx context.Context) (Engine, error) {
	e := Engine{Repositories: l.Def.Repositories(), Lab: l.labValue()}
	if l.Cmp != nil {
		e.CompareRepositories = l.Cmp.Repositories()
	}
	var err error
	if e.Images, err = l.Client.ImageList(ctx, image.ListOptions{All: true}); err != nil {
		return e, fmt.Errorf("list images: %w", err)
	}
	cs, err := l.Client.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		return e, fmt.Errorf("list containers: %w", err)
	}
	e.ContainerImage = map[string]string{}
	e.ContainerLabels = map[string]map[string]string{}
	for _, c := range cs {
		name := c.ID
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		made := c.Image
		// The engine lists a container by its image's ID once the name
		// it was made from names another image; its config keeps the name.
		if strings.HasPrefix(made, "sha256:") {
			in, err := l.Client.ContainerInspect(ctx, c.ID)
			if err == nil && in.Config != nil {
				made = in.Config.Image
			}
		}
		if clean.MadeByID.MatchString(made) {
			made = display.ShortID(made)
		}
		e.Containers = append(e.Containers, ContainerRef{ID: c.ID, Name: name, Image: made, State: c.State})
		e.ContainerImage[c.ID] = c.ImageID
		e.ContainerLabels[c.ID] = c.Labels
	}
	e.Recorded = l.recorded(ctx)
	return e, nil
}

// removeImage removes one tag or image (never its parents: the lab removes
// only the steps it can tell it made) and prints what the engine did.
func (l *Lab) removeImage(ctx context.Context, ref string, force bool) error {
	resp, err := l.Client.ImageRemove(ctx, ref, image.RemoveOptions{Force: force, PruneChildren: force})
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove image %s: %w", ref, err)
	}
	for _, r := range resp {
		if r.Untagged != "" {
			l.emit(event.Untagged{Ref: r.Untagged})
		}
		if r.Deleted != "" {
			l.emit(event.Deleted{ID: r.Deleted})
		}
	}
	return nil
}

func (l *Lab) listAll(ctx context.Context) ([]image.Summary, []container.Summary, error) {
	images, err := l.Client.ImageList(ctx, image.ListOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("list images: %w", err)
	}
	containers, err := l.Client.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		return nil, nil, fmt.Errorf("list containers: %w", err)
	}
	return images, containers, nil
}

// keepLock leaves the engine's lock out of what clean:all removes, and says
// so: it is a run's (this one's, or another's that waits or works), and
// removing it would let two runs change the engine at once.
func (l *Lab) keepLock(ctx context.Context, images []image.Summary, containers []container.Summary) ([]image.Summary, []container.Summary) {
	kept := false
	containers = slices.DeleteFunc(containers, func(c container.Summary) bool {
		if c.Labels[enginelock.Label] == "" {
			return false
		}
		kept = true
		return true
	})
	images = slices.DeleteFunc(images, func(s image.Summary) bool { return s.Labels[enginelock.Label] != "" })
	if kept {
		who := "a run"
		if h, ok, err := enginelock.Held(ctx, l.Client); err == nil && ok {
			who = h.String()
		}
		l.emit(event.LockKept{Container: enginelock.Name, Image: enginelock.Image, Holder: who})
	}
	return images, containers
}

// ErrNotConfirmed says clean:all ran without the confirmation.
var ErrNotConfirmed = errors.New("clean:all removes every container and image on the engine: set LAB_CONFIRM=" + settings.ConfirmCleanAll + " to do it")

// CleanAll is the seed's first step: every container and every image on the
// engine. Without LAB_CONFIRM=clean-all it only lists what it would remove.
func (l *Lab) CleanAll(ctx context.Context) error {
	images, containers, err := l.listAll(ctx)
	if err != nil {
		return err
	}
	images, containers = l.keepLock(ctx, images, containers)
	if l.Settings.Confirm != settings.ConfirmCleanAll {
		var would event.WouldRemove
		for _, c := range containers {
			would.Containers = append(would.Containers, event.ContainerRemoved{ID: c.ID, Image: c.Image, State: c.State})
		}
		for _, s := range images {
			im := event.ImageLine{ID: s.ID}
			if !clean.Untagged(s) {
				im.Tags = s.RepoTags
			}
			would.Images = append(would.Images, im)
		}
		l.emit(would)
		return ErrNotConfirmed
	}
	var errs []error
	for _, c := range containers {
		if err := l.Client.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", display.ShortID(c.ID), err))
			continue
		}
		l.emit(event.ContainerRemoved{ID: c.ID, Image: c.Image})
	}
	for _, s := range images {
		if err := l.removeImage(ctx, s.ID, true); err != nil {
			errs = append(errs, err)
		}
	}
	l.bases = nil
	return errors.Join(errs...)
}
