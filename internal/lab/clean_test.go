package lab

import (
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/settings"
)

var labLabels = map[string]string{LabelLab: LabValue}

// engineState is a made-up engine: the lab's images, a user's tag on one of
// them, an old untagged lab build, the bases, and the user's own things.
func engineState() ([]image.Summary, []container.Summary) {
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
	}
	containers := []container.Summary{
		{ID: "c-run", Image: "multi-state:runtime", ImageID: "sha256:runtime", State: "exited"},
		{ID: "c-byid", Image: "sha256:builder", ImageID: "sha256:builder", State: "running"},
		{ID: "c-old", Image: "5f1e2d3c4b5a", ImageID: "sha256:oldbuild", State: "created"},
		{ID: "c-user", Image: "users/app:1", ImageID: "sha256:users", State: "running"},
		{ID: "c-alpine", Image: "alpine", ImageID: "sha256:alpine", State: "exited"},
	}
	return images, containers
}

func TestPlanCleanSelectsOnlyTheLabs(t *testing.T) {
	p := PlanClean(engineState())
	assert.Equal(t, []string{"helloworld-build:latest", "helloworld:v1", "multi-state:builder", "multi-state:runtime", "multi-state:v1", "multi-state:v2"}, p.Tags)
	assert.Equal(t, []string{"sha256:oldbuild"}, p.Untagged)
	var ids []string
	for _, c := range p.Containers {
		ids = append(ids, c.ID)
	}
	assert.Equal(t, []string{"c-run", "c-byid", "c-old"}, ids)
}

func TestPlanCleanEmpty(t *testing.T) {
	p := PlanClean(nil, nil)
	assert.True(t, p.Empty())
}

func TestCleanRemovesThePlanAndSaysSo(t *testing.T) {
	images, containers := engineState()
	var removedContainers, removedImages []string
	fc := &fakeClient{
		imageList: func(image.ListOptions) ([]image.Summary, error) { return images, nil },
		containerList: func(o container.ListOptions) ([]container.Summary, error) {
			require.True(t, o.All)
			return containers, nil
		},
		containerRemove: func(id string, o container.RemoveOptions) error {
			assert.True(t, o.Force, "a running lab container is removed too")
			removedContainers = append(removedContainers, id)
			return nil
		},
		imageRemove: func(ref string, o image.RemoveOptions) ([]image.DeleteResponse, error) {
			assert.False(t, o.Force, "a tag is removed without force, so a user's other tag keeps the image")
			removedImages = append(removedImages, ref)
			if ref == "multi-state:v1" {
				return nil, notFound(ref) // removed meanwhile: not an error
			}
			return []image.DeleteResponse{{Untagged: ref}}, nil
		},
	}
	var out strings.Builder
	l := New(fc, settings.Settings{}, ".", &out)
	require.NoError(t, l.Clean(t.Context()))
	assert.Equal(t, []string{"c-run", "c-byid", "c-old"}, removedContainers)
	assert.Equal(t, []string{"helloworld-build:latest", "helloworld:v1", "multi-state:builder", "multi-state:runtime", "multi-state:v1", "multi-state:v2", "sha256:oldbuild"}, removedImages)
	assert.Contains(t, out.String(), "removed container c-run (multi-state:runtime, exited)\n")
	assert.Contains(t, out.String(), "untagged multi-state:v2\n")
	assert.Contains(t, out.String(), "kept mine:keep (runtime): tagged by you from a lab image\n")
}

func TestCleanWithNothingToDo(t *testing.T) {
	fc := &fakeClient{
		imageList: func(image.ListOptions) ([]image.Summary, error) {
			return []image.Summary{{ID: "x", RepoTags: []string{"alpine:latest"}}}, nil
		},
		containerList: func(container.ListOptions) ([]container.Summary, error) { return nil, nil },
	}
	var out strings.Builder
	require.NoError(t, New(fc, settings.Settings{}, ".", &out).Clean(t.Context()))
	assert.Equal(t, "nothing to clean: no multi-state (or comparison) images or containers made from them\n", out.String())
}

func TestCleanAllWithoutConfirmationRemovesNothing(t *testing.T) {
	images, containers := engineState()
	fc := &fakeClient{
		imageList:     func(image.ListOptions) ([]image.Summary, error) { return images, nil },
		containerList: func(container.ListOptions) ([]container.Summary, error) { return containers, nil },
		// No remove funcs: calling one would panic on the nil interface.
	}
	var out strings.Builder
	err := New(fc, settings.Settings{Confirm: "yes"}, ".", &out).CleanAll(t.Context())
	require.ErrorIs(t, err, ErrNotConfirmed)
	assert.Equal(t, ExitEnvironment, ExitCode(err))
	assert.Contains(t, out.String(), "clean:all would remove 5 containers and 10 images:\n")
	assert.Contains(t, out.String(), "  image usersdanglin <none>\n")
}

func TestCleanAllWithConfirmationRemovesEverything(t *testing.T) {
	images, containers := engineState()
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
	require.NoError(t, New(fc, settings.Settings{Confirm: settings.ConfirmCleanAll}, ".", &out).CleanAll(t.Context()))
	assert.Equal(t, 5+10, removed)
}
