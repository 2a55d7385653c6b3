// Package cleantest holds a made-up engine for the tests of what clean removes.
package cleantest

import (
	"github.com/docker/docker/api/types/image"

	"github.com/multistage-lab/multistage-lab/internal/clean"
)

var labLabels = map[string]string{clean.LabelLab: clean.LabValue}

// compareRepos are the seed's comparison's repositories.
var compareRepos = []string{"helloworld", "helloworld-build"}

// CleanEngine is a made-up engine for clean's tests: the lab's images, a user's tag on one of
// them, an old untagged lab build, a classic chain the lab recorded and one
// built by hand, the bases, and the user's own things and containers.
func CleanEngine() clean.Engine {
	images := []image.Summary{
		{ID: "sha256:runtime", RepoTags: []string{"multi-state:v1", "multi-state:v2", "multi-state:runtime", "mine:keep"}, Labels: labLabels},
		{ID: "sha256:builder", RepoTags: []string{"multi-state:builder"}, Labels: labLabels},
		{ID: "sha256:oldbuild", RepoTags: []string{"<none>:<none>"}, Labels: labLabels},
		{ID: "sha256:golang", RepoTags: []string{"golang:latest"}, Labels: map[string]string{clean.LabelStandin: "golang"}},
		{ID: "sha256:alpine", RepoTags: []string{"alpine:latest"}},
		{ID: "sha256:users", RepoTags: []string{"users/app:1"}},
		{ID: "sha256:usersdangling", RepoTags: nil},
		{ID: "sha256:regport", RepoTags: []string{"localhost:5000/multi-state:v1"}},
		{ID: "sha256:single", RepoTags: []string{"helloworld:v1", "helloworld-build:latest"}, Labels: labLabels},
		{ID: "sha256:usershello", RepoTags: []string{"helloworld:mine"}},
		// A classic chain the lab committed: step1 <- step2 <- final.
		{ID: "sha256:a1a1a1a1a1a1ff", ParentID: "sha256:golang"},
		{ID: "sha256:a2a2a2a2a2a2ff", ParentID: "sha256:a1a1a1a1a1a1ff"},
		{ID: "sha256:a3a3a3a3a3a3ff", ParentID: "sha256:a2a2a2a2a2a2ff", RepoTags: []string{"multi-state:classic"}},
		// A user's hand build on top of the lab's first step, and a hand
		// build of the lab's tag: neither is the lab's.
		{ID: "sha256:handstep", ParentID: "sha256:a1a1a1a1a1a1ff"},
		{ID: "sha256:handfinal", ParentID: "sha256:handstep", RepoTags: []string{"multi-state:byhand"}},
		// An untagged step the lab committed, used by a container of the
		// user's made from its ID.
		{ID: "sha256:b1b1b1b1b1b1ff", ParentID: "sha256:golang"},
		// A lab image with only lab tags that the user runs by ID.
		{ID: "sha256:c1c1c1c1c1c1ff", RepoTags: []string{"multi-state:byid"}, Labels: labLabels},
	}
	e := clean.Engine{
		Repositories: []string{"multi-state"}, CompareRepositories: compareRepos,
		Images: images,
		Containers: []clean.ContainerRef{
			{ID: "c-run", Name: "seed-run", Image: "multi-state:runtime", State: "exited"},
			{ID: "c-lab", Name: "lab-made", Image: "sha256:whatever", State: "created"},
			{ID: "c-mine-run", Name: "mine-run", Image: "mine:keep", State: "running"},
			{ID: "c-mine-stopped", Name: "mine-stopped", Image: "mine:keep", State: "created"},
			{ID: "c-byid", Name: "by-id", Image: "c1c1c1c1c1c1", State: "running"},
			{ID: "c-old", Name: "old", Image: "multi-state:runtime", State: "created"},
			{ID: "c-hand", Name: "hand", Image: "multi-state:byhand", State: "exited"},
			{ID: "c-step", Name: "step", Image: "b1b1b1b1b1b1", State: "exited"},
			{ID: "c-user", Name: "user", Image: "users/app:1", State: "running"},
			{ID: "c-alpine", Name: "alp", Image: "alpine", State: "exited"},
		},
		ContainerImage: map[string]string{
			"c-run": "sha256:runtime", "c-lab": "sha256:golang", "c-mine-run": "sha256:runtime",
			"c-mine-stopped": "sha256:runtime", "c-byid": "sha256:c1c1c1c1c1c1ff", "c-old": "sha256:oldbuild",
			"c-hand": "sha256:handfinal", "c-step": "sha256:b1b1b1b1b1b1ff", "c-user": "sha256:users", "c-alpine": "sha256:alpine",
		},
		ContainerLabels: map[string]map[string]string{
			"c-lab":      {clean.LabelContainer: clean.LabValue},
			"c-mine-run": labLabels, // inherited from its image: not the lab's mark
		},
		Recorded: []string{"a1a1a1a1a1a1ff", "a2a2a2a2a2a2ff", "a3a3a3a3a3a3ff", "b1b1b1b1b1b1ff", "dddddddddddd"},
	}
	return e
}
