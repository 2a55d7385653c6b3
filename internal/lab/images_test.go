package lab

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/engine/enginetest"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/output"
	"github.com/multistage-lab/multistage-lab/internal/settings"
)

func TestTableAsDockerPrintsIt(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	list := []image.Summary{
		{ID: "sha256:68385866b589328e3a9c1427ed96af971bf479f686de9b94b9038f1deae8ae25", RepoTags: []string{"multi-state:v1", "multi-state:v2", "multi-state:runtime", "mine:keep"}, Created: now.Add(-56 * time.Minute).Unix(), Size: 9_140_000},
		{ID: "sha256:067232e029d9aaaa", RepoTags: []string{"multi-state:builder"}, Created: now.Add(-65 * time.Minute).Unix(), Size: 841_000_000},
		{ID: "sha256:a1", RepoTags: []string{"alpine:latest"}, Created: now.Add(-30 * 24 * time.Hour).Unix(), Size: 7_800_000},
		{ID: "sha256:u1", RepoTags: []string{"localhost:5000/other:latest"}, Created: now.Unix(), Size: 1},
	}
	rows := rowsOf(list, func(ref string) bool {
		repo, _ := labfile.SplitTag(ref)
		return repo == Repository || ref == "alpine:latest"
	})
	var out strings.Builder
	require.NoError(t, output.WriteImageTable(&out, rows, now))
	assert.Equal(t, `REPOSITORY    TAG       IMAGE ID       CREATED             SIZE
multi-state   runtime   68385866b589   56 minutes ago      9.14MB
multi-state   v1        68385866b589   56 minutes ago      9.14MB
multi-state   v2        68385866b589   56 minutes ago      9.14MB
multi-state   builder   067232e029d9   About an hour ago   841MB
alpine        latest    a1             4 weeks ago         7.8MB
`, out.String())
}

func TestSplitRef(t *testing.T) {
	for ref, want := range map[string][2]string{
		"multi-state:v1":                 {"multi-state", "v1"},
		"golang":                         {"golang", "latest"},
		"localhost:5000/multi-state":     {"localhost:5000/multi-state", "latest"},
		"localhost:5000/multi-state:abc": {"localhost:5000/multi-state", "abc"},
	} {
		repo, tag := labfile.SplitTag(ref)
		assert.Equal(t, want, [2]string{repo, tag}, ref)
	}
}

// baseEngine fakes an engine where no base image exists and pulls fail as
// they do on a machine that reaches no registry.
func baseEngine(t *testing.T, imported *[]string) *enginetest.Fake {
	return &enginetest.Fake{
		ImageInspectFunc: func(ref string) (image.InspectResponse, error) {
			for _, r := range *imported {
				if r == ref {
					return image.InspectResponse{ID: "sha256:" + strings.TrimSuffix(ref, ":latest"), Config: &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{Labels: map[string]string{LabelStandin: "x", LabelStandinCommands: "toolbox"}}}}, nil
				}
			}
			return image.InspectResponse{}, notFound(ref)
		},
		ImagePullFunc: func(ref string) (io.ReadCloser, error) {
			return nil, errors.New("dial tcp: lookup registry-1.docker.io: no such host")
		},
		ImageImportFunc: func(ref string, r io.Reader, o image.ImportOptions) (io.ReadCloser, error) {
			_, err := io.Copy(io.Discard, r)
			require.NoError(t, err)
			*imported = append(*imported, ref)
			return body(`{"status":"sha256:abc"}`), nil
		},
		ServerVersionFunc: func() (types.Version, error) { return types.Version{Arch: "amd64"}, nil },
	}
}

func TestBaseModePullMakesNoStandin(t *testing.T) {
	var imported []string
	l := New(baseEngine(t, &imported), settings.Settings{Base: settings.BasePull}, projectRoot(t), io.Discard)
	err := l.EnsureBases(t.Context())
	require.ErrorIs(t, err, ErrBaseMissing)
	assert.ErrorContains(t, err, "pull golang:latest: dial tcp")
	assert.Empty(t, imported)
}

// With or without a static busybox on the machine (without, the stand-ins
// get the toolbox, built here).
func TestBaseModeAutoFallsBackToStandin(t *testing.T) {
	var imported []string
	var out strings.Builder
	l := newText(baseEngine(t, &imported), settings.Settings{Base: settings.BaseAuto}, projectRoot(t), &out)
	require.NoError(t, l.EnsureBases(t.Context()))
	assert.Equal(t, []string{"golang:latest", "alpine:latest"}, imported)
	assert.Contains(t, out.String(), "alpine:latest: not here and the pull failed (dial tcp: lookup registry-1.docker.io: no such host); making an offline stand-in\n")
}

// standinEngine fakes an engine that holds stand-ins for both bases, whose
// registry has the real images named in registry, and records what is
// pulled and removed.
type standinEngine struct {
	registry map[string]bool
	pulled   map[string]bool
	removed  []string
	asked    []string
	// commands is the stand-ins' commands label; old, one made before it.
	commands string
	imported []string
}

func (e *standinEngine) client(t *testing.T) *enginetest.Fake {
	standinID := func(ref string) string { return "sha256:standin-" + strings.TrimSuffix(ref, ":latest") }
	remadeID := func(ref string) string { return "sha256:remade-" + strings.TrimSuffix(ref, ":latest") }
	if e.commands == "" {
		e.commands = "toolbox"
	}
	return &enginetest.Fake{
		ImageInspectFunc: func(ref string) (image.InspectResponse, error) {
			for _, base := range DefaultBaseRefs {
				remade := slices.Contains(e.imported, base)
				switch {
				case ref == base && e.pulled[base]:
					return image.InspectResponse{ID: "sha256:real-" + strings.TrimSuffix(base, ":latest"), Config: &dockerspec.DockerOCIImageConfig{}}, nil
				case ref == base && remade || ref == remadeID(base) && remade:
					return image.InspectResponse{ID: remadeID(base), Config: &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{Labels: map[string]string{LabelStandin: "x", LabelStandinCommands: "toolbox"}}}}, nil
				case ref == base || ref == standinID(base):
					labels := map[string]string{LabelStandin: "x", LabelStandinCommands: e.commands}
					if e.commands == "old" {
						delete(labels, LabelStandinCommands)
					}
					return image.InspectResponse{ID: standinID(base), Config: &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{Labels: labels}}}, nil
				}
			}
			return image.InspectResponse{}, notFound(ref)
		},
		ImageImportFunc: func(ref string, r io.Reader, o image.ImportOptions) (io.ReadCloser, error) {
			_, err := io.Copy(io.Discard, r)
			require.NoError(t, err)
			assert.True(t, slices.Contains(o.Changes, "LABEL "+LabelStandinCommands+"=toolbox") || slices.Contains(o.Changes, "LABEL "+LabelStandinCommands+"=busybox"), "%v", o.Changes)
			e.imported = append(e.imported, ref)
			return body(`{"status":"sha256:abc"}`), nil
		},
		ServerVersionFunc: func() (types.Version, error) { return types.Version{Arch: "amd64"}, nil },
		DistributionInspectFunc: func(ref string) (registry.DistributionInspect, error) {
			e.asked = append(e.asked, ref)
			if e.registry[ref] {
				return registry.DistributionInspect{}, nil
			}
			return registry.DistributionInspect{}, errors.New("dial tcp: lookup registry-1.docker.io: no such host")
		},
		ImagePullFunc: func(ref string) (io.ReadCloser, error) {
			if !e.registry[ref] {
				return nil, errors.New("not in the registry")
			}
			e.pulled[ref] = true
			return body(`{"status":"Downloaded newer image"}`), nil
		},
		ImageRemoveFunc: func(ref string, o image.RemoveOptions) ([]image.DeleteResponse, error) {
			assert.False(t, o.Force, "a stand-in is never removed by force")
			e.removed = append(e.removed, ref)
			return nil, nil
		},
	}
}

func TestAStandinGivesWayToTheRealImage(t *testing.T) {
	e := &standinEngine{registry: map[string]bool{"alpine:latest": true}, pulled: map[string]bool{}}
	var out strings.Builder
	l := newText(e.client(t), settings.Settings{Base: settings.BaseAuto}, projectRoot(t), &out)
	require.NoError(t, l.EnsureBases(t.Context()))

	assert.Equal(t, []string{"golang:latest", "alpine:latest"}, e.asked)
	assert.Equal(t, map[string]bool{"alpine:latest": true}, e.pulled)
	assert.Equal(t, []string{"sha256:standin-alpine"}, e.removed, "only the replaced stand-in is removed, by its ID")
	assert.Equal(t, "alpine:latest: a registry has the real image now; pulled it (real-alpine) and removed the stand-in standin-alpi\n", out.String())
	assert.False(t, l.bases["alpine:latest"].Standin)
	assert.True(t, l.bases["golang:latest"].Standin, "offline for golang: its stand-in is kept, silently")
}

func TestAStandinStaysOfflineAndWhenAskedFor(t *testing.T) {
	for _, mode := range []settings.BaseMode{settings.BaseAuto, settings.BasePull, settings.BaseStandin} {
		t.Run(string(mode), func(t *testing.T) {
			e := &standinEngine{registry: map[string]bool{}, pulled: map[string]bool{}}
			if mode == settings.BaseStandin {
				e.registry = map[string]bool{"golang:latest": true, "alpine:latest": true}
			}
			var out strings.Builder
			l := newText(e.client(t), settings.Settings{Base: mode}, projectRoot(t), &out)
			require.NoError(t, l.EnsureBases(t.Context()))
			assert.Empty(t, out.String())
			assert.Empty(t, e.pulled)
			assert.Empty(t, e.removed)
			if mode == settings.BaseStandin {
				assert.Empty(t, e.asked, "LAB_BASE=standin asks no registry")
			} else {
				assert.Len(t, e.asked, 2)
			}
		})
	}
}

// A stand-in an earlier lab made (a shell and no commands) is made anew,
// and the old one removed, when no registry has the real image.
func TestAShellOnlyStandinIsMadeAnew(t *testing.T) {
	e := &standinEngine{registry: map[string]bool{}, pulled: map[string]bool{}, commands: "old"}
	var out strings.Builder
	l := newText(e.client(t), settings.Settings{Base: settings.BaseAuto}, projectRoot(t), &out)
	defer l.Close()
	require.NoError(t, l.EnsureBases(t.Context()))
	assert.Equal(t, []string{"golang:latest", "alpine:latest"}, e.imported)
	assert.Equal(t, []string{"sha256:standin-golang", "sha256:standin-alpine"}, e.removed)
	assert.Contains(t, out.String(), "alpine:latest: its stand-in (standin-alpi) has a shell and no commands (an earlier lab made it); making it anew\n")
	assert.Equal(t, "toolbox", l.bases["alpine:latest"].Commands)
}
