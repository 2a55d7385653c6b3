package structuretest

import (
	"archive/tar"
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/stdcopy"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/engine/enginetest"
)

// fakeEngine answers as an engine with one image, app, whose containers
// print what the test says, and records what was asked of it.
type fakeEngine struct {
	mu       sync.Mutex
	created  []*container.Config
	removed  []string
	commits  int
	stdout   string
	exitCode int64
	archive  []byte
}

func (e *fakeEngine) client() *enginetest.Fake {
	return &enginetest.Fake{
		ContainerCreateFunc: func(cfg *container.Config) (container.CreateResponse, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.created = append(e.created, cfg)
			return container.CreateResponse{ID: "c" + string(rune('0'+len(e.created)))}, nil
		},
		ContainerWaitFunc: func(string) (container.WaitResponse, error) {
			return container.WaitResponse{StatusCode: e.exitCode}, nil
		},
		ContainerLogsFunc: func(string) (io.ReadCloser, error) {
			var b bytes.Buffer
			_, _ = stdcopy.NewStdWriter(&b, stdcopy.Stdout).Write([]byte(e.stdout))
			return io.NopCloser(&b), nil
		},
		ContainerCommitFunc: func(string) (container.CommitResponse, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.commits++
			return container.CommitResponse{ID: "sha256:commit" + string(rune('0'+e.commits))}, nil
		},
		ImageRemoveFunc: func(ref string, _ image.RemoveOptions) ([]image.DeleteResponse, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.removed = append(e.removed, ref)
			return nil, nil
		},
		ImageInspectFunc: func(string) (image.InspectResponse, error) {
			return image.InspectResponse{Config: &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{
				Env:          []string{"GREETING=hello", "PATH=/bin"},
				ExposedPorts: map[string]struct{}{"8080/tcp": {}},
			}}}, nil
		},
		CopyFromContainerFunc: func(string, string) (io.ReadCloser, container.PathStat, error) {
			return io.NopCloser(bytes.NewReader(e.archive)), container.PathStat{}, nil
		},
	}
}

// TestACommandTestRunsAsCSTRunsIt: global variables and each setup command
// are committed in turn; the command runs with the entrypoint cleared,
// its $VARs expanded with the image's environment before it runs and its
// own variables given raw; every committed image is removed after.
func TestACommandTestRunsAsCSTRunsIt(t *testing.T) {
	e := &fakeEngine{stdout: "hello tester\n"}
	cfg := &Config{
		GlobalEnvVars: []EnvVar{{Key: "G", Value: "$GREETING-world"}},
		CommandTests: []CommandTest{{Name: "greet", Setup: [][]string{{"touch", "/x"}}, EnvVars: []EnvVar{{Key: "WHO", Value: "tester"}},
			Command: "sh", Args: []string{"-c", "echo $GREETING $WHO"}, ExpectedOutput: []string{"^hello"}, ExcludedOutput: []string{"("}}},
	}
	r := Run(t.Context(), e.client(), "app", cfg, map[string]string{"lab": "x"})
	require.Len(t, r, 1)
	assert.Equal(t, "Command Test: greet", r[0].Name)
	assert.False(t, r[0].Pass, "a regular expression that does not compile fails, as in CST")
	require.Len(t, e.created, 3, "the global variables' container, the setup's, the command's")
	assert.Equal(t, []string{"G=hello-world"}, e.created[0].Env, "a global value expanded with the image's environment")
	assert.Equal(t, []string{noop}, []string(e.created[0].Cmd))
	assert.Equal(t, "sha256:commit1", e.created[1].Image, "setup runs on the committed globals")
	assert.Equal(t, []string{"WHO=tester"}, e.created[1].Env)
	cmd := e.created[2]
	assert.Equal(t, "sha256:commit2", cmd.Image, "the command runs on the committed setup")
	assert.Equal(t, []string{""}, []string(cmd.Entrypoint), "the entrypoint cleared")
	assert.Equal(t, []string{"sh", "-c", "echo hello "}, []string(cmd.Cmd), "$WHO is not in the image's environment: empty, as in CST")
	assert.Equal(t, []string{"WHO=tester"}, cmd.Env)
	assert.Equal(t, []string{"sha256:commit2", "sha256:commit1"}, e.removed, "the committed images removed, newest first")
	for _, c := range e.created {
		assert.Equal(t, "x", c.Labels["lab"], "every container carries the lab's label")
	}

	cfg.CommandTests[0].ExcludedOutput = nil
	e = &fakeEngine{stdout: "hello tester\n", exitCode: 0}
	assert.True(t, Run(t.Context(), e.client(), "app", cfg, map[string]string{"lab": "x"})[0].Pass)
	cfg.CommandTests[0].ExitCode = 3
	assert.False(t, Run(t.Context(), e.client(), "app", cfg, map[string]string{"lab": "x"})[0].Pass, "the exit code is compared")
}

func archiveOf(t *testing.T, h *tar.Header, content string) []byte {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	h.Size = int64(len(content))
	require.NoError(t, w.WriteHeader(h))
	_, err := w.Write([]byte(content))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

// TestFileAndMetadataTestsAsCSTJudgesThem: permissions as Go prints the
// mode, the owner from the archive, content regexes, and ports by number.
func TestFileAndMetadataTestsAsCSTJudgesThem(t *testing.T) {
	e := &fakeEngine{archive: archiveOf(t, &tar.Header{Name: "run.sh", Mode: 0o750, Uid: 1000, Gid: 0, Typeflag: tar.TypeReg}, "#!/bin/sh\necho hi\n")}
	ports := []string{"8080"}
	cfg := &Config{
		FileExistenceTests: []FileExistenceTest{
			{Name: "ok", Path: "/srv/run.sh", ShouldExist: true, Permissions: "-rwxr-x---", UID: 1000, GID: 0, IsExecutableBy: "group"},
			{Name: "not by other", Path: "/srv/run.sh", ShouldExist: true, UID: noOwner, GID: noOwner, IsExecutableBy: "other"},
		},
		FileContentTests: []FileContentTest{{Name: "shebang", Path: "/srv/run.sh", ExpectedContents: []string{"^#!/bin/sh"}, ExcludedContents: []string{"rm -rf"}}},
		MetadataTest:     MetadataTest{ExposedPorts: ports, UnexposedPorts: []string{"8080/tcp"}, EnvVars: []EnvVar{{Key: "GREETING", Value: "^hel", IsRegex: true}}},
	}
	r := Run(t.Context(), e.client(), "app", cfg, map[string]string{"lab": "x"})
	var names []string
	pass := map[string]bool{}
	for _, x := range r {
		names = append(names, x.Name)
		pass[x.Name] = x.Pass
	}
	assert.Equal(t, []string{"File Content Test: shebang", "File Existence Test: ok", "File Existence Test: not by other", "Metadata Test"}, names, "CST's order")
	assert.True(t, pass["File Content Test: shebang"])
	assert.True(t, pass["File Existence Test: ok"])
	assert.False(t, pass["File Existence Test: not by other"])
	assert.True(t, pass["Metadata Test"], "8080 matches 8080/tcp, and 8080/tcp is not a port CST finds")
	for _, c := range e.created {
		assert.True(t, strings.HasPrefix(c.Image, "app"), "files are read from the image itself without global variables")
	}
}
