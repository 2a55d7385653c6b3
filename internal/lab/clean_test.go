package lab

import (
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/ledger"
	"github.com/multistage-lab/multistage-lab/internal/settings"
)

var labLabels = map[string]string{LabelLab: LabValue}

// compareRepos are the seed's comparison's repositories.
var compareRepos = []string{"helloworld", "helloworld-build"}

// engineState is a made-up engine: the lab's images, a user's tag on one of
// them, an old untagged lab build, a classic chain the lab recorded and one
// built by hand, the bases, and the user's own things and containers.
func engineState() Engine {
	images := []image.Summary{
		{ID: "sha256:runtime", RepoTags: []string{"multi-state:v1", "multi-state:v2", "multi-state:runtime", "mine:keep"}, Labels: labLabels},
		{ID: "sha256:builder", RepoTags: []string{"multi-state:builder"}, Labels: labLabels},
		{ID: "sha256:oldbuild", RepoTags: []string{"<none>:<none>"}, Labels: labLabels},
		{ID: "sha256:golang", RepoTags: []string{"golang:latest"}, Labels: map[string]string{LabelStandin: "golang"}},
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
	e := Engine{
		Repositories: []string{Repository}, CompareRepositories: compareRepos,
		Images: images,
		Containers: []ContainerRef{
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
			"c-lab":      {LabelContainer: LabValue},
			"c-mine-run": labLabels, // inherited from its image: not the lab's mark
		},
		Recorded: []string{"a1a1a1a1a1a1ff", "a2a2a2a2a2a2ff", "a3a3a3a3a3a3ff", "b1b1b1b1b1b1ff", "dddddddddddd"},
	}
	return e
}

func containerIDs(cs []ContainerRef) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestPlanCleanSelectsOnlyTheLabs(t *testing.T) {
	p := PlanClean(engineState())
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

func TestPlanCleanEmpty(t *testing.T) {
	p := PlanClean(Engine{Repositories: []string{Repository}, CompareRepositories: compareRepos})
	assert.True(t, p.Empty())
}

// TestPlanCleanTakesAChainWhole: with nothing built on it, the lab's whole
// recorded chain goes, deepest first.
func TestPlanCleanTakesAChainWhole(t *testing.T) {
	e := Engine{
		Repositories: []string{Repository}, CompareRepositories: compareRepos,
		Images: []image.Summary{
			{ID: "sha256:a1a1a1a1a1a1ff", ParentID: "sha256:base"},
			{ID: "sha256:a3a3a3a3a3a3ff", ParentID: "sha256:a2a2a2a2a2a2ff"},
			{ID: "sha256:a2a2a2a2a2a2ff", ParentID: "sha256:a1a1a1a1a1a1ff"},
			{ID: "sha256:base", RepoTags: []string{"golang:latest"}},
		},
		Recorded: []string{"a1a1a1a1a1a1ff", "a2a2a2a2a2a2ff", "a3a3a3a3a3a3ff"},
	}
	p := PlanClean(e)
	assert.Equal(t, []string{"sha256:a3a3a3a3a3a3ff", "sha256:a2a2a2a2a2a2ff", "sha256:a1a1a1a1a1a1ff"}, p.Untagged)
	assert.Empty(t, p.Tags)
}

func TestCleanRemovesThePlanAndSaysSo(t *testing.T) {
	t.Setenv("LAB_LEDGER_DIR", t.TempDir())
	e := engineState()
	lg, err := ledger.Open("fake-engine")
	require.NoError(t, err)
	require.NoError(t, lg.Add("fake-engine", e.Recorded...))
	var summaries []container.Summary
	for _, c := range e.Containers {
		image := c.Image
		if c.ID == "c-old" {
			image = "sha256:oldbuild" // the tag it was made from moved on
		}
		summaries = append(summaries, container.Summary{ID: c.ID, Names: []string{"/" + c.Name}, Image: image, ImageID: e.ContainerImage[c.ID], State: c.State, Labels: e.ContainerLabels[c.ID]})
	}
	var removedContainers, removedImages []string
	fc := &fakeClient{
		imageList: func(o image.ListOptions) ([]image.Summary, error) {
			require.True(t, o.All, "intermediate steps too")
			return e.Images, nil
		},
		containerList: func(o container.ListOptions) ([]container.Summary, error) {
			require.True(t, o.All)
			return summaries, nil
		},
		containerInfo: func(id string) (container.InspectResponse, error) {
			made := map[string]string{"c-old": "multi-state:runtime", "c-lab": "golang"}[id]
			require.NotEmpty(t, made, "only a container listed by its image ID is inspected")
			return container.InspectResponse{Config: &container.Config{Image: made}}, nil
		},
		containerRemove: func(id string, o container.RemoveOptions) error {
			assert.True(t, o.Force, "a running lab container is removed too")
			removedContainers = append(removedContainers, id)
			return nil
		},
		imageRemove: func(ref string, o image.RemoveOptions) ([]image.DeleteResponse, error) {
			assert.False(t, o.Force, "a tag is removed without force, so a user's other tag keeps the image")
			assert.False(t, o.PruneChildren, "parents go only by the record")
			removedImages = append(removedImages, ref)
			if ref == "multi-state:v1" {
				return nil, notFound(ref) // removed meanwhile: not an error
			}
			return []image.DeleteResponse{{Untagged: ref}}, nil
		},
	}
	var out strings.Builder
	l := New(fc, settings.Settings{}, projectRoot(t), &out)
	require.NoError(t, l.Clean(t.Context()))
	assert.Equal(t, []string{"c-run", "c-lab", "c-old"}, removedContainers)
	assert.Equal(t, []string{"helloworld-build:latest", "helloworld:v1", "multi-state:builder", "multi-state:classic", "multi-state:runtime", "multi-state:v1", "multi-state:v2", "sha256:a2a2a2a2a2a2ff", "sha256:oldbuild"}, removedImages)
	assert.Contains(t, out.String(), "removed container seed-run (multi-state:runtime, exited)\n")
	assert.Contains(t, out.String(), "removed container old (multi-state:runtime, created)\n")
	assert.Contains(t, out.String(), "untagged multi-state:v2\n")
	assert.Contains(t, out.String(), "kept mine:keep (runtime): tagged by you from a lab image\n")
	assert.Contains(t, out.String(), "kept container mine-run (mine:keep, running): yours, made from your tag mine:keep\n")
	ids, err := lg.IDs()
	require.NoError(t, err)
	assert.Equal(t, []string{"a1a1a1a1a1a1", "a3a3a3a3a3a3", "b1b1b1b1b1b1"}, ids,
		"the removed step and the image the engine no longer has leave the record")
}

func TestCleanWithNothingToDo(t *testing.T) {
	t.Setenv("LAB_LEDGER_DIR", t.TempDir())
	fc := &fakeClient{
		imageList: func(image.ListOptions) ([]image.Summary, error) {
			return []image.Summary{{ID: "x", RepoTags: []string{"alpine:latest"}}}, nil
		},
		containerList: func(container.ListOptions) ([]container.Summary, error) { return nil, nil },
	}
	var out strings.Builder
	require.NoError(t, New(fc, settings.Settings{}, projectRoot(t), &out).Clean(t.Context()))
	assert.Equal(t, "nothing to clean: no multi-state (or comparison) images or containers made from them\n", out.String())
}

func allOnEngine() ([]image.Summary, []container.Summary) {
	e := engineState()
	images := e.Images[:10]
	var cs []container.Summary
	for _, c := range e.Containers[:5] {
		cs = append(cs, container.Summary{ID: c.ID, Image: c.Image, State: c.State})
	}
	return images, cs
}

func TestCleanAllWithoutConfirmationRemovesNothing(t *testing.T) {
	images, containers := allOnEngine()
	fc := &fakeClient{
		imageList:     func(image.ListOptions) ([]image.Summary, error) { return images, nil },
		containerList: func(container.ListOptions) ([]container.Summary, error) { return containers, nil },
		// No remove funcs: calling one would panic on the nil interface.
	}
	var out strings.Builder
	err := New(fc, settings.Settings{Confirm: "yes"}, projectRoot(t), &out).CleanAll(t.Context())
	require.ErrorIs(t, err, ErrNotConfirmed)
	assert.Contains(t, out.String(), "clean:all would remove 5 containers and 10 images:\n")
	assert.Contains(t, out.String(), "  image usersdanglin <none>\n")
}

func TestCleanAllWithConfirmationRemovesEverything(t *testing.T) {
	images, containers := allOnEngine()
	var removed int
	fc := &fakeClient{
		imageList:       func(image.ListOptions) ([]image.Summary, error) { return images, nil },
		containerList:   func(container.ListOptions) ([]container.Summary, error) { return containers, nil },
		containerRemove: func(string, container.RemoveOptions) error { removed++; return nil },
		imageRemove: func(ref string, o image.RemoveOptions) ([]image.DeleteResponse, error) {
			assert.True(t, o.Force)
			removed++
			return nil, nil
		},
	}
	var out strings.Builder
	require.NoError(t, New(fc, settings.Settings{Confirm: settings.ConfirmCleanAll}, projectRoot(t), &out).CleanAll(t.Context()))
	assert.Equal(t, 5+10, removed)
}

// TestPlanCleanKeepsWhatAPersonBuiltOn: the lab's tagged step has a child of
// a person's; taking the tag off leaves it (the engine only untags), so
// its parents stay too.
func TestPlanCleanKeepsWhatAPersonBuiltOn(t *testing.T) {
	e := Engine{
		Repositories: []string{Repository}, CompareRepositories: compareRepos,
		Images: []image.Summary{
			{ID: "sha256:a1a1a1a1a1a1ff", ParentID: "sha256:base"},
			{ID: "sha256:a2a2a2a2a2a2ff", ParentID: "sha256:a1a1a1a1a1a1ff", RepoTags: []string{"multi-state:builder"}},
			{ID: "sha256:handlabel", ParentID: "sha256:a2a2a2a2a2a2ff"},
			{ID: "sha256:base", RepoTags: []string{"golang:latest"}},
		},
		Recorded: []string{"a1a1a1a1a1a1", "a2a2a2a2a2a2"},
	}
	p := PlanClean(e)
	assert.Equal(t, []string{"multi-state:builder"}, p.Tags)
	assert.Empty(t, p.Untagged)
}
