package lab

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/engine/enginetest"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/progress"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// fakeLab runs the lab file in dir (the project's if "") on a fake engine.
func fakeLab(t *testing.T, c *enginetest.Fake, dir string) (*Lab, *strings.Builder) {
	out := &strings.Builder{}
	l := newText(c, settings.Settings{Builder: settings.BuildKit, Progress: progress.Quiet, Dockerfiles: dir}, projectRoot(t), out)
	l.getenv = testkit.Env(map[string]string{"LAB_LEDGER_DIR": t.TempDir(), "DOCKER_CONFIG": t.TempDir()})
	require.NoError(t, l.defErr)
	t.Cleanup(l.Close)
	return l, out
}

// labWithV3 is a copy of the project's lab with multi-state:v3 (a copy of
// v2.Dockerfile) appended to its images, and build.parallel set.
func labWithV3(t *testing.T, parallel int) string {
	dir := testkit.Dockerfiles(t, projectRoot(t), func(name, text string) string {
		if name != "lab.yaml" {
			return text
		}
		return strings.Replace(text, "\nbuild:\n  parallel: 3\n", fmt.Sprintf("  - tag: multi-state:v3\n    dockerfile: v3.Dockerfile\n\nbuild:\n  parallel: %d\n", parallel), 1)
	})
	v2, err := os.ReadFile(filepath.Join(dir, "v2.Dockerfile"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "v3.Dockerfile"), v2, 0o644))
	return dir
}

func TestBuildAllFollowsTheLabFile(t *testing.T) {
	for _, parallel := range []int{1, 2} {
		t.Run(fmt.Sprint("parallel ", parallel), func(t *testing.T) {
			e := enginetest.NewSeed()
			l, _ := fakeLab(t, e.Client(), labWithV3(t, parallel))
			got, err := l.BuildAll(t.Context())
			require.NoError(t, err)
			var tags []string
			for _, b := range got {
				tags = append(tags, b.Image.Tag)
			}
			assert.Equal(t, []string{"multi-state:v1", "multi-state:v2", "multi-state:builder", "multi-state:runtime", "multi-state:v3"}, tags, "reported in the lab file's order")
			assert.Equal(t, "multi-state:v1", e.Order[0], "the first image is sent first")
			assert.ElementsMatch(t, tags, e.Order)
			assert.Equal(t, parallel, e.MaxDuo, "at most build.parallel of the later builds at once")
			assert.Equal(t, "sha256:runtime", got[4].ID)
		})
	}
}

func TestVerifyOnTheFakeEngine(t *testing.T) {
	e := enginetest.NewSeed()
	l, out := fakeLab(t, e.Client(), labWithV3(t, 3))
	_, err := l.BuildAll(t.Context())
	require.NoError(t, err)
	found, err := l.Verify(t.Context())
	checks := checksOf(found)
	require.NoError(t, err, out.String())
	require.Len(t, checks, 10)
	assert.Equal(t, "multi-state:v1, multi-state:v2, multi-state:builder, multi-state:runtime, multi-state:v3", checks[0].Expected, "verify names the fifth image")
	assert.Contains(t, out.String(), "10 of 10 assertions passed")
	assert.Contains(t, out.String(), "(bases: golang:latest real, alpine:latest real)")

	// The program prints something else: only the run check fails.
	e.Stdout = "Hello\n"
	found, err = l.Verify(t.Context())
	checks = checksOf(found)
	require.ErrorIs(t, err, ErrAssertions)
	for _, c := range checks {
		assert.Equal(t, !strings.HasPrefix(c.Name, "7."), c.Pass, c.Name)
	}
	// The fifth image goes missing: the tags check names it.
	delete(e.Images, "multi-state:v3")
	found, _ = l.Verify(t.Context())
	checks = checksOf(found)
	assert.Equal(t, "missing: multi-state:v3", checks[0].Actual)
}

func TestRunRunsTheLabFilesProgram(t *testing.T) {
	e := enginetest.NewSeed()
	l, out := fakeLab(t, e.Client(), "")
	require.ErrorContains(t, l.RunRuntime(t.Context()), "multi-state:runtime is not built: run `go tool mage build` first")
	e.Images["multi-state:runtime"] = enginetest.Built("runtime")
	require.NoError(t, l.RunRuntime(t.Context()))
	assert.Contains(t, out.String(), "==> docker run --rm multi-state:runtime\nHello World\n")
	e.Exit = 3
	assert.ErrorContains(t, l.RunRuntime(t.Context()), "multi-state:runtime exited 3")
}

func TestCleanRemovesTheLabFilesRepositories(t *testing.T) {
	dir := testkit.Dockerfiles(t, projectRoot(t), func(name, text string) string {
		if name == "lab.yaml" {
			return strings.ReplaceAll(text, "multi-state:", "ci.example/app:")
		}
		return text
	})
	ours := map[string]string{LabelLab: "ci.example/app"} // a lab labels its images with its first repository
	seeds := map[string]string{LabelLab: LabValue}
	e := enginetest.NewSeed()
	fc := e.Client()
	fc.ImageListFunc = func(image.ListOptions) ([]image.Summary, error) {
		return []image.Summary{
			{ID: "sha256:ours", RepoTags: []string{"ci.example/app:v1", "ci.example/app:runtime"}, Labels: ours},
			{ID: "sha256:seed", RepoTags: []string{"multi-state:v1"}, Labels: seeds},
			{ID: "sha256:ours-old", RepoTags: []string{"<none>:<none>"}, Labels: ours},
			{ID: "sha256:seed-old", RepoTags: []string{"<none>:<none>"}, Labels: seeds},
		}, nil
	}
	l, out := fakeLab(t, fc, dir)
	require.NoError(t, l.Clean(t.Context()), out.String())
	assert.ElementsMatch(t, []string{"ci.example/app:v1", "ci.example/app:runtime", "sha256:ours-old"}, e.Removed, "this lab's tags and its untagged image, not the seed's")
}

func TestALabFileThatNamesAMissingDockerfile(t *testing.T) {
	dir := labWithV3(t, 3)
	require.NoError(t, os.Remove(filepath.Join(dir, "v3.Dockerfile")))
	l := New(nil, settings.Settings{Dockerfiles: dir}, projectRoot(t), io.Discard)
	require.ErrorIs(t, l.defErr, labfile.ErrInvalid)
	assert.Equal(t, "invalid lab file: "+filepath.Join(dir, "lab.yaml")+":20: multi-state:v3: dockerfile v3.Dockerfile does not exist beside lab.yaml", l.defErr.Error())
}

// TestTheLabSaysWhatItDoes follows the statuses a whole lab run gives (a
// run on several engines shows them on its board): in the lab's order, the
// later builds together, the assertions counted.
func TestTheLabSaysWhatItDoes(t *testing.T) {
	e := enginetest.NewSeed()
	l, _ := fakeLab(t, e.Client(), "")
	var mu sync.Mutex
	var said []string
	l.Events = func(e event.Event) {
		st, ok := e.(event.Status)
		if !ok {
			return
		}
		s := st.Text
		mu.Lock()
		defer mu.Unlock()
		if len(said) == 0 || said[len(said)-1] != s {
			said = append(said, s)
		}
	}
	_, err := l.All(t.Context())
	require.NoError(t, err)
	at := func(s string) int {
		for i, x := range said {
			if x == s {
				return i
			}
		}
		t.Errorf("never said %q: %q", s, said)
		return -1
	}
	assert.Equal(t, "clean", said[0])
	order := []int{at("clean"), at("bases"), at("building v1"), at("verify: reading the images"), at("verify: running multi-state:runtime"),
		at("verify 10/10 passed"), at("run multi-state:runtime"), at("images")}
	assert.IsIncreasing(t, order, "%q", said)
	assert.Equal(t, "images", said[len(said)-1])
	// Between v1 and verify: only the later builds, never v1 again.
	for _, s := range said[at("building v1")+1 : at("verify: reading the images")] {
		assert.Regexp(t, `^building (v2|builder|runtime)(, (builder|runtime))*$`, s)
	}
}

// TestAProgramGetsTheLabsWorkAsValues runs the whole lab with Events set,
// as a program that imports the lab does: every build, the verdicts, the
// program's output and the image table arrive as values, in the lab's
// order, and nothing is written as text of the lab's own.
func TestAProgramGetsTheLabsWorkAsValues(t *testing.T) {
	e := enginetest.NewSeed()
	c := e.Client()
	var mu sync.Mutex
	c.ImageListFunc = func(image.ListOptions) ([]image.Summary, error) {
		mu.Lock()
		defer mu.Unlock()
		var list []image.Summary
		for ref, in := range e.Images {
			list = append(list, image.Summary{ID: in.ID, RepoTags: []string{ref}, Size: in.Size})
		}
		return list, nil
	}
	l, out := fakeLab(t, c, "")
	var got []event.Event
	l.Events = func(ev event.Event) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
	}
	found, err := l.All(t.Context())
	require.NoError(t, err)
	assert.Empty(t, out.String(), "with Events set, the lab writes no text of its own (progress is quiet here)")

	var built []string
	var verified *event.Verified
	var ran *event.Ran
	var images *event.Images
	for _, ev := range got {
		switch ev := ev.(type) {
		case event.BuildDone:
			built = append(built, ev.Tag)
			assert.NotEmpty(t, ev.ID, ev.Tag)
		case event.Verified:
			verified = &ev
		case event.Ran:
			ran = &ev
		case event.Images:
			images = &ev
		}
	}
	assert.ElementsMatch(t, []string{"multi-state:v1", "multi-state:v2", "multi-state:builder", "multi-state:runtime"}, built)
	assert.Equal(t, "multi-state:v1", built[0], "v1 is built first")
	require.NotNil(t, verified)
	assert.Len(t, verified.Checks, 10)
	for _, c := range verified.Checks {
		assert.True(t, c.Pass, c.Name)
	}
	require.NotNil(t, found, "All returns what its verify found")
	assert.Equal(t, verified.Checks, found.Checks)
	assert.Equal(t, verified.Why, found.Why)
	require.NotNil(t, ran)
	assert.Equal(t, e.Stdout, ran.Stdout)
	require.NotNil(t, images)
	var tags []string
	for _, r := range images.Rows {
		tags = append(tags, r.Repository+":"+r.Tag)
	}
	assert.Subset(t, tags, built)
}
