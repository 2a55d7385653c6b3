package lab

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/image"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/standin"
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
	require.NoError(t, WriteTable(&out, rows, now))
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
func baseEngine(t *testing.T, imported *[]string) *fakeClient {
	return &fakeClient{
		imageInspect: func(ref string) (image.InspectResponse, error) {
			for _, r := range *imported {
				if r == ref {
					return image.InspectResponse{ID: "sha256:" + strings.TrimSuffix(ref, ":latest"), Config: &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{Labels: map[string]string{LabelStandin: "x"}}}}, nil
				}
			}
			return image.InspectResponse{}, notFound(ref)
		},
		imagePull: func(ref string) (io.ReadCloser, error) {
			return nil, errors.New("dial tcp: lookup registry-1.docker.io: no such host")
		},
		imageImport: func(ref string, r io.Reader, o image.ImportOptions) (io.ReadCloser, error) {
			_, err := io.Copy(io.Discard, r)
			require.NoError(t, err)
			*imported = append(*imported, ref)
			return body(`{"status":"sha256:abc"}`), nil
		},
		serverVersion: func() (types.Version, error) { return types.Version{Arch: "amd64"}, nil },
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

func TestBaseModeAutoFallsBackToStandin(t *testing.T) {
	bb, err := standin.FindBusybox("", "amd64")
	if err != nil {
		t.Skip("no static busybox on this machine: ", err)
	}
	var imported []string
	var out strings.Builder
	l := New(baseEngine(t, &imported), settings.Settings{Base: settings.BaseAuto, Busybox: bb}, projectRoot(t), &out)
	require.NoError(t, l.EnsureBases(t.Context()))
	assert.Equal(t, []string{"golang:latest", "alpine:latest"}, imported)
	assert.Contains(t, out.String(), "alpine:latest: not here and the pull failed (dial tcp: lookup registry-1.docker.io: no such host); making an offline stand-in\n")
}
