package lab

import (
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/clean/cleantest"
	"github.com/multistage-lab/multistage-lab/internal/engine/enginetest"
	"github.com/multistage-lab/multistage-lab/internal/ledger"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

func TestCleanRemovesThePlanAndSaysSo(t *testing.T) {
	t.Parallel()
	env := ledgerEnv(t)
	e := cleantest.CleanEngine()
	lg, err := ledger.OpenEnv(env, "fake-engine", "")
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
	fc := &enginetest.Fake{
		ImageListFunc: func(o image.ListOptions) ([]image.Summary, error) {
			require.True(t, o.All, "intermediate steps too")
			return e.Images, nil
		},
		ContainerListFunc: func(o container.ListOptions) ([]container.Summary, error) {
			require.True(t, o.All)
			return summaries, nil
		},
		ContainerInspectFunc: func(id string) (container.InspectResponse, error) {
			made := map[string]string{"c-old": "multi-state:runtime", "c-lab": "golang"}[id]
			require.NotEmpty(t, made, "only a container listed by its image ID is inspected")
			return container.InspectResponse{Config: &container.Config{Image: made}}, nil
		},
		ContainerRemoveFunc: func(id string, o container.RemoveOptions) error {
			assert.True(t, o.Force, "a running lab container is removed too")
			removedContainers = append(removedContainers, id)
			return nil
		},
		ImageRemoveFunc: func(ref string, o image.RemoveOptions) ([]image.DeleteResponse, error) {
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
	l := newText(fc, settings.Settings{}, projectRoot(t), &out)
	l.getenv = env
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
	t.Parallel()
	env := ledgerEnv(t)
	fc := &enginetest.Fake{
		ImageListFunc: func(image.ListOptions) ([]image.Summary, error) {
			return []image.Summary{{ID: "x", RepoTags: []string{"alpine:latest"}}}, nil
		},
		ContainerListFunc: func(container.ListOptions) ([]container.Summary, error) { return nil, nil },
	}
	var out strings.Builder
	l := newText(fc, settings.Settings{}, projectRoot(t), &out)
	l.getenv = env
	require.NoError(t, l.Clean(t.Context()))
	assert.Equal(t, "nothing to clean: no multi-state (or comparison) images or containers made from them\n", out.String())
}

func allOnEngine() ([]image.Summary, []container.Summary) {
	e := cleantest.CleanEngine()
	images := e.Images[:10]
	var cs []container.Summary
	for _, c := range e.Containers[:5] {
		cs = append(cs, container.Summary{ID: c.ID, Image: c.Image, State: c.State})
	}
	return images, cs
}

func TestCleanAllWithoutConfirmationRemovesNothing(t *testing.T) {
	images, containers := allOnEngine()
	fc := &enginetest.Fake{
		ImageListFunc:     func(image.ListOptions) ([]image.Summary, error) { return images, nil },
		ContainerListFunc: func(container.ListOptions) ([]container.Summary, error) { return containers, nil },
		// No remove funcs: calling one would panic on the nil interface.
	}
	var out strings.Builder
	err := newText(fc, settings.Settings{Confirm: "yes"}, projectRoot(t), &out).CleanAll(t.Context())
	require.ErrorIs(t, err, ErrNotConfirmed)
	assert.Contains(t, out.String(), "clean:all would remove 5 containers and 10 images:\n")
	assert.Contains(t, out.String(), "  image usersdanglin <none>\n")
}

func TestCleanAllWithConfirmationRemovesEverything(t *testing.T) {
	images, containers := allOnEngine()
	var removed int
	fc := &enginetest.Fake{
		ImageListFunc:       func(image.ListOptions) ([]image.Summary, error) { return images, nil },
		ContainerListFunc:   func(container.ListOptions) ([]container.Summary, error) { return containers, nil },
		ContainerRemoveFunc: func(string, container.RemoveOptions) error { removed++; return nil },
		ImageRemoveFunc: func(ref string, o image.RemoveOptions) ([]image.DeleteResponse, error) {
			assert.True(t, o.Force)
			removed++
			return nil, nil
		},
	}
	var out strings.Builder
	require.NoError(t, newText(fc, settings.Settings{Confirm: settings.ConfirmCleanAll}, projectRoot(t), &out).CleanAll(t.Context()))
	assert.Equal(t, 5+10, removed)
}

// ledgerEnv is an environment whose LAB_LEDGER_DIR is a folder of the
// test's own.
func ledgerEnv(t *testing.T) func(string) string {
	return testkit.Env(map[string]string{"LAB_LEDGER_DIR": t.TempDir()})
}
