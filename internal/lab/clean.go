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

	"github.com/multistage-lab/multistage-lab/internal/settings"
)

// Plan is what a clean removes: containers by ID, image tags by reference
// (removing a tag leaves the image if the user tagged it too), and untagged
// images by ID.
type Plan struct {
	Containers []ContainerRef
	Tags       []string
	Untagged   []string
}

// ContainerRef names a container for removal and for the message.
type ContainerRef struct {
	ID    string
	Image string
	State string
}

// Empty reports whether the plan removes nothing.
func (p Plan) Empty() bool {
	return len(p.Containers) == 0 && len(p.Tags) == 0 && len(p.Untagged) == 0
}

// isLabTag reports whether a reference is one of the lab's tags.
func isLabTag(ref string) bool {
	repo, _ := splitRef(ref)
	return repo == Repository
}

// isOwnedTag reports whether clean removes the tag ref of an image with
// these labels: every multi-state tag, and a comparison lab tag
// (helloworld, helloworld-build) only on an image the lab built, so a user's
// own helloworld image is kept.
func isOwnedTag(ref string, labels map[string]string) bool {
	if isLabTag(ref) {
		return true
	}
	repo, _ := splitRef(ref)
	return slices.Contains(CompareRepositories, repo) && labels[LabelLab] == LabValue
}

// untagged reports whether an image has no tag at all.
func untagged(s image.Summary) bool {
	return len(s.RepoTags) == 0 || slices.Equal(s.RepoTags, []string{"<none>:<none>"})
}

// PlanClean selects the lab's images and containers and nothing else: every
// multi-state tag, the untagged images that carry the lab's label (earlier
// builds whose tag moved on), and the containers made from any of them.
// Base images, stand-ins included, are never selected.
func PlanClean(images []image.Summary, containers []container.Summary) Plan {
	var p Plan
	labIDs := map[string]bool{}
	for _, s := range images {
		switch {
		case untagged(s) && s.Labels[LabelLab] == LabValue:
			p.Untagged = append(p.Untagged, s.ID)
			labIDs[s.ID] = true
		default:
			for _, t := range s.RepoTags {
				if isOwnedTag(t, s.Labels) {
					p.Tags = append(p.Tags, t)
					labIDs[s.ID] = true
				}
			}
		}
	}
	for _, c := range containers {
		if labIDs[c.ImageID] || isLabTag(c.Image) {
			p.Containers = append(p.Containers, ContainerRef{ID: c.ID, Image: c.Image, State: c.State})
		}
	}
	slices.Sort(p.Tags)
	return p
}

// Clean removes the lab's containers and images and says what it removed.
func (l *Lab) Clean(ctx context.Context) error {
	images, containers, err := l.listAll(ctx)
	if err != nil {
		return err
	}
	p := PlanClean(images, containers)
	if p.Empty() {
		l.printf("nothing to clean: no %s (or comparison) images or containers made from them\n", Repository)
		return nil
	}
	var errs []error
	for _, c := range p.Containers {
		if err := l.Client.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", shortID(c.ID), err))
			continue
		}
		l.printf("removed container %s (%s, %s)\n", shortID(c.ID), c.Image, c.State)
	}
	for _, t := range p.Tags {
		if err := l.removeImage(ctx, t, false); err != nil {
			errs = append(errs, err)
		}
	}
	for _, id := range p.Untagged {
		if err := l.removeImage(ctx, id, false); err != nil {
			errs = append(errs, err)
		}
	}
	l.reportKept(images)
	return errors.Join(errs...)
}

// reportKept names the user's own tags on images the lab built, which
// clean leaves in place.
func (l *Lab) reportKept(before []image.Summary) {
	for _, s := range before {
		var labTag bool
		var others []string
		for _, t := range s.RepoTags {
			if isOwnedTag(t, s.Labels) {
				labTag = true
			} else if t != "<none>:<none>" {
				others = append(others, t)
			}
		}
		if labTag && len(others) > 0 {
			l.printf("kept %s (%s): tagged by you from a lab image\n", strings.Join(others, ", "), shortID(s.ID))
		}
	}
}

// removeImage removes one tag or image and prints what the engine did.
func (l *Lab) removeImage(ctx context.Context, ref string, force bool) error {
	resp, err := l.Client.ImageRemove(ctx, ref, image.RemoveOptions{Force: force, PruneChildren: true})
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove image %s: %w", ref, err)
	}
	for _, r := range resp {
		if r.Untagged != "" {
			l.printf("untagged %s\n", r.Untagged)
		}
		if r.Deleted != "" {
			l.printf("deleted %s\n", r.Deleted)
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

// ErrNotConfirmed says clean:all ran without the confirmation.
var ErrNotConfirmed = errors.New("clean:all removes every container and image on the engine: set LAB_CONFIRM=" + settings.ConfirmCleanAll + " to do it")

// CleanAll is the seed's first step: every container and every image on the
// engine. Without LAB_CONFIRM=clean-all it only lists what it would remove.
func (l *Lab) CleanAll(ctx context.Context) error {
	images, containers, err := l.listAll(ctx)
	if err != nil {
		return err
	}
	if l.Settings.Confirm != settings.ConfirmCleanAll {
		l.printf("clean:all would remove %d containers and %d images:\n", len(containers), len(images))
		for _, c := range containers {
			l.printf("  container %s (%s, %s)\n", shortID(c.ID), c.Image, c.State)
		}
		for _, s := range images {
			tags := "<none>"
			if !untagged(s) {
				tags = strings.Join(s.RepoTags, ", ")
			}
			l.printf("  image %s %s\n", shortID(s.ID), tags)
		}
		return ErrNotConfirmed
	}
	var errs []error
	for _, c := range containers {
		if err := l.Client.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", shortID(c.ID), err))
			continue
		}
		l.printf("removed container %s (%s)\n", shortID(c.ID), c.Image)
	}
	for _, s := range images {
		if err := l.removeImage(ctx, s.ID, true); err != nil {
			errs = append(errs, err)
		}
	}
	l.bases = nil
	return errors.Join(errs...)
}
