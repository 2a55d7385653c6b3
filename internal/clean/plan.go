// Package clean decides what the lab's clean removes, from what the engine
// holds and the lab's record, without touching the engine: only what the
// lab made, children before parents, and each thing of a person's it keeps,
// with why. The labels here are how the lab marks what it makes.
package clean

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/image"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/ledger"
)

// Labels the lab puts on what it creates. The values never vary, so builds
// of the same inputs keep one image ID.
const (
	LabelLab = "io.multistage-lab.lab"
	// LabValue is the seed's lab's value of LabelLab and LabelContainer:
	// each lab labels what it makes with its lab file's first repository
	// (see Engine.Lab), so two labs on one engine keep apart.
	LabValue     = "multi-state"
	LabelStandin = "io.multistage-lab.standin"
	// LabelStandinCommands says what a stand-in's /bin holds: "busybox" or
	// "toolbox".
	LabelStandinCommands = "io.multistage-lab.standin.commands"
	// LabelContainer marks the containers the lab makes (a container also
	// shows its image's labels, so a user's container of a lab image carries
	// LabelLab).
	LabelContainer = "io.multistage-lab.container"
)

// Plan is what a clean removes, and what it keeps that a person might
// expect it to remove: containers by ID, image tags by reference (removing
// a tag leaves the image if the user tagged it too), then by ID the images
// that go (untagged ones, and those whose every tag the plan removes),
// children before their parents.
type Plan struct {
	Containers []ContainerRef
	Tags       []string
	Untagged   []string
	Kept       []string
	// Gone are recorded images the engine no longer has.
	Gone []string
}

// ContainerRef names a container for removal and for the message.
type ContainerRef struct {
	ID    string
	Name  string
	Image string // the name it was made from, as the user typed it
	State string
}

// Empty reports whether the plan removes nothing.
func (p Plan) Empty() bool {
	return len(p.Containers) == 0 && len(p.Tags) == 0 && len(p.Untagged) == 0
}

// isLabTag reports whether a reference is one of the lab's tags: a tag in
// a repository of the lab file's images (multi-state in the seed's lab).
func (e Engine) IsLabTag(ref string) bool {
	repo, _ := labfile.SplitTag(ref)
	return slices.Contains(e.Repositories, repo)
}

// isLabName reports whether a container was made by one of the lab's names:
// a lab tag or a comparison tag.
func (e Engine) isLabName(ref string) bool {
	repo, _ := labfile.SplitTag(ref)
	return e.IsLabTag(ref) || slices.Contains(e.CompareRepositories, repo)
}

// isOwnedTag reports whether clean removes the tag ref of an image with
// these labels: every lab tag, and a comparison lab tag (helloworld,
// helloworld-build) only on an image the lab built, so a user's own
// helloworld image is kept.
func (e Engine) isOwnedTag(ref string, labels map[string]string) bool {
	if e.IsLabTag(ref) {
		return true
	}
	repo, _ := labfile.SplitTag(ref)
	return slices.Contains(e.CompareRepositories, repo) && labels[LabelLab] == e.lab()
}

// Untagged reports whether an image has no tag at all.
func Untagged(s image.Summary) bool {
	return len(s.RepoTags) == 0 || slices.Equal(s.RepoTags, []string{"<none>:<none>"})
}

// MadeByID matches a container's image name that is an image ID, as the
// engine lists a container whose tag has since moved to another image.
var MadeByID = regexp.MustCompile(`^(sha256:)?[0-9a-f]{12,64}$`)

// Engine is what clean reads off the engine: every image (intermediate
// steps too), every container with the name it was made from, and the
// lab's record of the images its classic builds committed.
type Engine struct {
	// Repositories are the lab file's image repositories: their tags are
	// the lab's. CompareRepositories are the comparison's: their tags are
	// the lab's only on an image with the lab's label.
	Repositories        []string
	CompareRepositories []string
	Images              []image.Summary
	Containers          []ContainerRef
	// ContainerImage maps a container's ID to its image's ID.
	ContainerImage map[string]string
	// ContainerLabels maps a container's ID to its own labels.
	ContainerLabels map[string]map[string]string
	Recorded        []string
	// Lab is the value this lab's labels carry: its lab file's first
	// repository ("" is the seed's, LabValue).
	Lab string
}

// lab is the value of this lab's labels.
func (e Engine) lab() string {
	if e.Lab == "" {
		return LabValue
	}
	return e.Lab
}

// madeByLab reports whether the lab can tell it made an image: the label
// its BuildKit and comparison builds carry, or its record of what its
// classic builds committed.
func (e Engine) madeByLab(s image.Summary) bool {
	return s.Labels[LabelLab] == e.lab() || ledger.Has(e.Recorded, s.ID)
}

// Select selects what the lab made and nothing else:
//   - containers the lab made (its container label), or made by a lab name
//     from an image the lab made; a container made from your own tag or
//     from an image ID is yours and stays, running or not;
//   - the multi-state (and comparison) tags of images the lab made, unless
//     that would take the last name off an image a container of yours uses;
//   - untagged images the lab made (older builds whose tag moved on, steps a
//     failed build committed), when nothing that stays depends on them.
//
// An image the lab cannot tell it made (one you built by hand with the same
// Dockerfile) keeps its tags, and base images are never selected.
func Select(e Engine) Plan {
	var p Plan
	byID := map[string]image.Summary{}
	children := map[string][]string{}
	for _, s := range e.Images {
		byID[s.ID] = s
		if s.ParentID != "" {
			children[s.ParentID] = append(children[s.ParentID], s.ID)
		}
	}
	usedByKept := map[string][]ContainerRef{}
	for _, c := range e.Containers {
		imgID := e.ContainerImage[c.ID]
		img, known := byID[imgID]
		labImage := known && e.madeByLab(img)
		switch {
		case e.ContainerLabels[c.ID][LabelContainer] == e.lab(), e.isLabName(c.Image) && labImage:
			p.Containers = append(p.Containers, c)
		case labImage || known && slices.ContainsFunc(img.RepoTags, e.IsLabTag):
			usedByKept[imgID] = append(usedByKept[imgID], c)
			p.Kept = append(p.Kept, fmt.Sprintf("container %s (%s, %s): yours, %s", c.Name, c.Image, c.State, e.madeFrom(c.Image, labImage)))
		}
	}

	tagless := map[string]bool{} // images the plan takes every tag off
	for _, s := range e.Images {
		if Untagged(s) {
			continue
		}
		var owned, others []string
		for _, t := range s.RepoTags {
			if e.isOwnedTag(t, s.Labels) {
				owned = append(owned, t)
			} else if t != "<none>:<none>" {
				others = append(others, t)
			}
		}
		if len(owned) == 0 {
			continue
		}
		slices.Sort(owned)
		names := strings.Join(owned, ", ")
		switch {
		case !e.madeByLab(s):
			p.Kept = append(p.Kept, fmt.Sprintf("%s (%s): not built by the lab (a docker build of yours?); docker image rm removes it", names, display.ShortID(s.ID)))
		case len(others) == 0 && len(usedByKept[s.ID]) > 0:
			p.Kept = append(p.Kept, fmt.Sprintf("%s (%s): your container %s uses it", names, display.ShortID(s.ID), usedByKept[s.ID][0].Name))
		default:
			p.Tags = append(p.Tags, owned...)
			if len(others) > 0 {
				slices.Sort(others)
				p.Kept = append(p.Kept, fmt.Sprintf("%s (%s): tagged by you from a lab image", strings.Join(others, ", "), display.ShortID(s.ID)))
			} else {
				tagless[s.ID] = true
			}
		}
	}

	// An image goes when nothing that stays is built on it: a tagged one
	// when its last tag is removed (the engine only untags an image with
	// children), an untagged one the lab made by its ID. Repeat until no
	// more can go, so a chain of steps goes whole.
	removed := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, s := range e.Images {
			if removed[s.ID] || len(usedByKept[s.ID]) > 0 {
				continue
			}
			if !tagless[s.ID] && !(Untagged(s) && e.madeByLab(s)) {
				continue
			}
			if slices.ContainsFunc(children[s.ID], func(c string) bool { return !removed[c] }) {
				continue
			}
			removed[s.ID] = true
			// A tagged one with children goes by its ID too, after them:
			// removing its last tag only untags it (a stage that starts
			// FROM another stage makes such a chain), and the engine would
			// then refuse its parents.
			if Untagged(s) || len(children[s.ID]) > 0 {
				p.Untagged = append(p.Untagged, s.ID)
			}
			changed = true
		}
	}
	// Deepest first, so each goes after the images built on it.
	depth := func(id string) int {
		n := 0
		for s, ok := byID[id]; ok && s.ParentID != ""; s, ok = byID[s.ParentID] {
			n++
		}
		return n
	}
	slices.SortStableFunc(p.Untagged, func(a, b string) int { return cmp.Compare(depth(b), depth(a)) })
	slices.Sort(p.Tags)

	for _, id := range e.Recorded {
		if !slices.ContainsFunc(e.Images, func(s image.Summary) bool { return ledger.Has([]string{id}, s.ID) }) {
			p.Gone = append(p.Gone, id)
		}
	}
	return p
}

// madeFrom says why a container that uses a lab image is the user's.
func (e Engine) madeFrom(ref string, labImage bool) string {
	switch {
	case MadeByID.MatchString(ref):
		return "made from the image ID"
	case e.isLabName(ref) && !labImage:
		return "made from an image the lab did not build"
	default:
		return "made from your tag " + ref
	}
}
