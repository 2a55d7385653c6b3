package clean_test

import (
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"

	"github.com/multistage-lab/multistage-lab/internal/clean"
	"github.com/multistage-lab/multistage-lab/internal/clean/cleantest"
)

func containerIDs(cs []clean.ContainerRef) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestSelectTakesOnlyTheLabs(t *testing.T) {
	p := clean.Select(cleantest.CleanEngine())
	assert.Equal(t, []string{"c-run", "c-lab", "c-old"}, containerIDs(p.Containers),
		"made by a lab name from a lab image, or by the lab; not the user's tag, image ID or hand build")
	assert.Equal(t, []string{"helloworld-build:latest", "helloworld:v1", "multi-state:builder", "multi-state:classic", "multi-state:runtime", "multi-state:v1", "multi-state:v2"}, p.Tags)
	assert.Equal(t, []string{"sha256:a2a2a2a2a2a2ff", "sha256:oldbuild"}, p.Untagged,
		"the lab's untagged images, children first; not its first step (a hand build sits on it), not a step a user's container uses")
	assert.Equal(t, []string{"dddddddddddd"}, p.Gone)
	assert.ElementsMatch(t, []string{
		"container mine-run (mine:keep, running): yours, made from your tag mine:keep",
		"container mine-stopped (mine:keep, created): yours, made from your tag mine:keep",
		"container by-id (c1c1c1c1c1c1, running): yours, made from the image ID",
		"container hand (multi-state:byhand, exited): yours, made from an image the lab did not build",
		"container step (b1b1b1b1b1b1, exited): yours, made from the image ID",
		"mine:keep (runtime): tagged by you from a lab image",
		"multi-state:byhand (handfinal): not built by the lab (a docker build of yours?); docker image rm removes it",
		"multi-state:byid (c1c1c1c1c1c1): your container by-id uses it",
	}, p.Kept)
}

func TestSelectEmpty(t *testing.T) {
	p := clean.Select(clean.Engine{Repositories: []string{"multi-state"}, CompareRepositories: []string{"helloworld", "helloworld-build"}})
	assert.True(t, p.Empty())
}

// TestSelectTakesAChainWhole: with nothing built on it, the lab's whole
// recorded chain goes, deepest first.
func TestSelectTakesAChainWhole(t *testing.T) {
	e := clean.Engine{
		Repositories: []string{"multi-state"}, CompareRepositories: []string{"helloworld", "helloworld-build"},
		Images: []image.Summary{
			{ID: "sha256:a1a1a1a1a1a1ff", ParentID: "sha256:base"},
			{ID: "sha256:a3a3a3a3a3a3ff", ParentID: "sha256:a2a2a2a2a2a2ff"},
			{ID: "sha256:a2a2a2a2a2a2ff", ParentID: "sha256:a1a1a1a1a1a1ff"},
			{ID: "sha256:base", RepoTags: []string{"golang:latest"}},
		},
		Recorded: []string{"a1a1a1a1a1a1ff", "a2a2a2a2a2a2ff", "a3a3a3a3a3a3ff"},
	}
	p := clean.Select(e)
	assert.Equal(t, []string{"sha256:a3a3a3a3a3a3ff", "sha256:a2a2a2a2a2a2ff", "sha256:a1a1a1a1a1a1ff"}, p.Untagged)
	assert.Empty(t, p.Tags)
}

// TestSelectTakesAStageChainWhole: a classic build of a Dockerfile whose
// build stage starts FROM its deps stage, both tagged: removing the tag
// deps only untags it (the build stage's steps are its children), so it
// goes by its ID after them, and its own steps after it.
func TestSelectTakesAStageChainWhole(t *testing.T) {
	e := clean.Engine{
		Repositories: []string{"team/app"},
		Images: []image.Summary{
			{ID: "sha256:base", RepoTags: []string{"golang:latest"}},
			{ID: "sha256:d1d1d1d1d1d1ff", ParentID: "sha256:base"},
			{ID: "sha256:deps00000000ff", ParentID: "sha256:d1d1d1d1d1d1ff", RepoTags: []string{"team/app:deps"}},
			{ID: "sha256:b1b1b1b1b1b1ff", ParentID: "sha256:deps00000000ff"},
			{ID: "sha256:build0000000ff", ParentID: "sha256:b1b1b1b1b1b1ff", RepoTags: []string{"team/app:build"}},
		},
		Recorded: []string{"d1d1d1d1d1d1ff", "deps00000000ff", "b1b1b1b1b1b1ff", "build0000000ff"},
	}
	p := clean.Select(e)
	assert.Equal(t, []string{"team/app:build", "team/app:deps"}, p.Tags)
	assert.Equal(t, []string{"sha256:b1b1b1b1b1b1ff", "sha256:deps00000000ff", "sha256:d1d1d1d1d1d1ff"}, p.Untagged,
		"by ID, children before parents: deps after the build stage's step (build goes with its tag), its own step after it")
}

// TestSelectKeepsWhatAPersonBuiltOn: the lab's tagged step has a child of
// a person's; taking the tag off leaves it (the engine only untags), so
// its parents stay too.
func TestSelectKeepsWhatAPersonBuiltOn(t *testing.T) {
	e := clean.Engine{
		Repositories: []string{"multi-state"}, CompareRepositories: []string{"helloworld", "helloworld-build"},
		Images: []image.Summary{
			{ID: "sha256:a1a1a1a1a1a1ff", ParentID: "sha256:base"},
			{ID: "sha256:a2a2a2a2a2a2ff", ParentID: "sha256:a1a1a1a1a1a1ff", RepoTags: []string{"multi-state:builder"}},
			{ID: "sha256:handlabel", ParentID: "sha256:a2a2a2a2a2a2ff"},
			{ID: "sha256:base", RepoTags: []string{"golang:latest"}},
		},
		Recorded: []string{"a1a1a1a1a1a1", "a2a2a2a2a2a2"},
	}
	p := clean.Select(e)
	assert.Equal(t, []string{"multi-state:builder"}, p.Tags)
	assert.Empty(t, p.Untagged)
}
