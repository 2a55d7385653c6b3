package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/progress"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// fakeEngine is a small engine in memory behind fakeClient: builds give
// each tag an ID (the same for the tags idOf maps to one key), inspect knows
// the bases and what was built, and a container of the program prints
// stdout and exits with exit.
type fakeEngine struct {
	mu       sync.Mutex
	images   map[string]image.InspectResponse
	order    []string // tags in the order their builds were sent
	inFlight int
	maxDuo   int // the most builds in flight at once
	stdout   string
	exit     int64
	removed  []string
}

const fakeBinarySize = 2_397_568

func newFakeEngine() *fakeEngine {
	e := &fakeEngine{images: map[string]image.InspectResponse{}, stdout: "Hello World\n"}
	e.images["golang:latest"] = image.InspectResponse{ID: "sha256:golang", Size: 226_746_694, RootFS: image.RootFS{Layers: []string{"g1"}}}
	e.images["alpine:latest"] = image.InspectResponse{ID: "sha256:alpine", Size: 1_982_368, RootFS: image.RootFS{Layers: []string{"a1"}}}
	return e
}

// built is the image a build of target makes: builder is the golang tree
// and the program; anything else is alpine and the binary, one image.
func built(target string) image.InspectResponse {
	if target == "builder" {
		return image.InspectResponse{ID: "sha256:builder", Size: 261_993_651, RootFS: image.RootFS{Layers: []string{"g1", "b1"}},
			Config: &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{WorkingDir: "/myapp"}}}
	}
	return image.InspectResponse{ID: "sha256:runtime", Size: 4_380_025, RootFS: image.RootFS{Layers: []string{"a1", "r1"}},
		Config: &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{WorkingDir: "/myapp", Entrypoint: []string{"./helloworld"}}}}
}

func (e *fakeEngine) client() *fakeClient {
	return &fakeClient{
		imageBuild: func(ctx context.Context, r io.Reader, o build.ImageBuildOptions) (build.ImageBuildResponse, error) {
			e.mu.Lock()
			e.order = append(e.order, o.Tags[0])
			e.inFlight++
			e.maxDuo = max(e.maxDuo, e.inFlight)
			e.mu.Unlock()
			_, _ = io.Copy(io.Discard, r)
			time.Sleep(30 * time.Millisecond)
			in := built(o.Target)
			e.mu.Lock()
			e.inFlight--
			for _, t := range o.Tags {
				e.images[t] = in
			}
			e.mu.Unlock()
			return build.ImageBuildResponse{Body: body(fmt.Sprintf(`{"id":"moby.image.id","aux":{"ID":%q}}`+"\n", in.ID))}, nil
		},
		imageInspect: func(ref string) (image.InspectResponse, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			if in, ok := e.images[ref]; ok {
				return in, nil
			}
			return image.InspectResponse{}, notFound(ref)
		},
		containerCreate: func(cfg *container.Config) (container.CreateResponse, error) {
			e.mu.Lock()
			_, ok := e.images[cfg.Image]
			e.mu.Unlock()
			if !ok {
				return container.CreateResponse{}, notFound(cfg.Image)
			}
			sum := sha256.Sum256([]byte(cfg.Image))
			return container.CreateResponse{ID: hex.EncodeToString(sum[:])}, nil
		},
		containerStatPath: func(_, path string) (container.PathStat, error) {
			if path == "/myapp/helloworld" {
				return container.PathStat{Name: "helloworld", Size: fakeBinarySize}, nil
			}
			return container.PathStat{}, notFound(path)
		},
		containerWait: func(string) (container.WaitResponse, error) {
			return container.WaitResponse{StatusCode: e.exit}, nil
		},
		containerLogs: func(string) (io.ReadCloser, error) {
			var b strings.Builder
			w := stdcopy.NewStdWriter(&b, stdcopy.Stdout)
			_, _ = w.Write([]byte(e.stdout))
			return body(b.String()), nil
		},
		imageRemove: func(ref string, _ image.RemoveOptions) ([]image.DeleteResponse, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.removed = append(e.removed, ref)
			return []image.DeleteResponse{{Untagged: ref}}, nil
		},
	}
}

// fakeLab runs the lab file in dir (the project's if "") on a fake engine.
func fakeLab(t *testing.T, c *fakeClient, dir string) (*Lab, *strings.Builder) {
	t.Setenv("LAB_LEDGER_DIR", t.TempDir())
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	out := &strings.Builder{}
	l := New(c, settings.Settings{Builder: settings.BuildKit, Progress: progress.Quiet, Dockerfiles: dir}, projectRoot(t), out)
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
			e := newFakeEngine()
			l, _ := fakeLab(t, e.client(), labWithV3(t, parallel))
			got, err := l.BuildAll(t.Context())
			require.NoError(t, err)
			var tags []string
			for _, b := range got {
				tags = append(tags, b.Image.Tag)
			}
			assert.Equal(t, []string{"multi-state:v1", "multi-state:v2", "multi-state:builder", "multi-state:runtime", "multi-state:v3"}, tags, "reported in the lab file's order")
			assert.Equal(t, "multi-state:v1", e.order[0], "the first image is sent first")
			assert.ElementsMatch(t, tags, e.order)
			assert.Equal(t, parallel, e.maxDuo, "at most build.parallel of the later builds at once")
			assert.Equal(t, "sha256:runtime", got[4].ID)
		})
	}
}

func TestVerifyOnTheFakeEngine(t *testing.T) {
	e := newFakeEngine()
	l, out := fakeLab(t, e.client(), labWithV3(t, 3))
	_, err := l.BuildAll(t.Context())
	require.NoError(t, err)
	checks, err := l.Verify(t.Context())
	require.NoError(t, err, out.String())
	require.Len(t, checks, 10)
	assert.Equal(t, "multi-state:v1, multi-state:v2, multi-state:builder, multi-state:runtime, multi-state:v3", checks[0].Expected, "verify names the fifth image")
	assert.Contains(t, out.String(), "10 of 10 assertions passed")
	assert.Contains(t, out.String(), "(bases: golang:latest real, alpine:latest real)")

	// The program prints something else: only the run check fails.
	e.stdout = "Hello\n"
	checks, err = l.Verify(t.Context())
	require.ErrorIs(t, err, ErrAssertions)
	for _, c := range checks {
		assert.Equal(t, !strings.HasPrefix(c.Name, "7."), c.Pass, c.Name)
	}
	// The fifth image goes missing: the tags check names it.
	delete(e.images, "multi-state:v3")
	checks, _ = l.Verify(t.Context())
	assert.Equal(t, "missing: multi-state:v3", checks[0].Actual)
}

func TestRunRunsTheLabFilesProgram(t *testing.T) {
	e := newFakeEngine()
	l, out := fakeLab(t, e.client(), "")
	require.ErrorContains(t, l.RunRuntime(t.Context()), "multi-state:runtime is not built: run `go tool mage build` first")
	e.images["multi-state:runtime"] = built("runtime")
	require.NoError(t, l.RunRuntime(t.Context()))
	assert.Contains(t, out.String(), "==> docker run --rm multi-state:runtime\nHello World\n")
	e.exit = 3
	assert.ErrorContains(t, l.RunRuntime(t.Context()), "multi-state:runtime exited 3")
}

func TestCleanRemovesTheLabFilesRepositories(t *testing.T) {
	dir := testkit.Dockerfiles(t, projectRoot(t), func(name, text string) string {
		if name == "lab.yaml" {
			return strings.ReplaceAll(text, "multi-state:", "ci.example/app:")
		}
		return text
	})
	labelled := map[string]string{LabelLab: LabValue}
	e := newFakeEngine()
	fc := e.client()
	fc.imageList = func(image.ListOptions) ([]image.Summary, error) {
		return []image.Summary{
			{ID: "sha256:ours", RepoTags: []string{"ci.example/app:v1", "ci.example/app:runtime"}, Labels: labelled},
			{ID: "sha256:seed", RepoTags: []string{"multi-state:v1"}, Labels: labelled},
		}, nil
	}
	l, out := fakeLab(t, fc, dir)
	require.NoError(t, l.Clean(t.Context()), out.String())
	assert.ElementsMatch(t, []string{"ci.example/app:v1", "ci.example/app:runtime"}, e.removed, "this lab's tags, not the seed's")
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
	e := newFakeEngine()
	l, _ := fakeLab(t, e.client(), "")
	var mu sync.Mutex
	var said []string
	l.Status = func(s string) {
		mu.Lock()
		defer mu.Unlock()
		if len(said) == 0 || said[len(said)-1] != s {
			said = append(said, s)
		}
	}
	require.NoError(t, l.All(t.Context()))
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
