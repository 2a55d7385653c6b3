package targets

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// These tests run the Mage targets as a user does, through a task binary
// compiled once with `go tool mage -compile`, and check what the user sees:
// the message and the exit code. None of them changes the engine.

var (
	root   string
	labBin string
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "targets tests:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	wd, err := os.Getwd()
	if err != nil {
		return 0, err
	}
	root = filepath.Join(wd, "..", "..")
	if flag.Parse(); testing.Short() {
		return m.Run(), nil // the task binary's tests skip (testkit.NeedEngine)
	}
	if labBin, err = testkit.TaskBinary(root); err != nil {
		return 0, err
	}
	defer os.RemoveAll(filepath.Dir(labBin))
	return m.Run(), nil
}

type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// runLab runs the task binary in the project folder with extra
// environment, through the one harness every package's target tests use.
func runLab(t *testing.T, env []string, args ...string) result {
	t.Helper()
	o := testkit.RunTask(t, root, env, nil, args...)
	return result{stdout: o.Stdout, stderr: o.Stderr, code: o.Code, took: o.Took}
}

func TestListShowsEveryTarget(t *testing.T) {
	r := runLab(t, nil, "-l")
	require.Equal(t, 0, r.code, r.stderr)
	for _, target := range []string{"all*", "build", "build:image", "build:v1", "build:v2", "build:builder", "build:runtime", "clean", "clean:all", "images", "sizes", "compare",
		"walkthrough", "verify", "verify:rebuild", "run", "context", "bench", "benchContext", "base:standins", "base:remove"} {
		assert.Regexp(t, `(?m)^  `+regexp.QuoteMeta(target)+`\s+\S`, r.stdout, target)
	}
	assert.NotContains(t, r.stdout, "clean:all*", "only all is the default")
}

func TestBadSettingExits2BeforeAnyEngineCall(t *testing.T) {
	// No engine at this address: the setting is reported first.
	r := runLab(t, []string{"LAB_BUILDER=kaniko", "DOCKER_HOST=unix:///nonexistent.sock"}, "build")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "Error: LAB_BUILDER=\"kaniko\" is not valid: use one of buildkit, classic\n", r.stderr)
}

func TestNoEngineExits2Quickly(t *testing.T) {
	r := runLab(t, []string{"DOCKER_HOST=unix:///nonexistent.sock"}, "build")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "Error: no Docker Engine answers at DOCKER_HOST=unix:///nonexistent.sock: start Docker (or dockerd), or set DOCKER_HOST to an engine that runs\n", r.stderr)
	assert.Less(t, r.took, 10*time.Second)
}

func TestCleanAllWithoutConfirmationExits2(t *testing.T) {
	if _, err := os.Stat("/var/run/docker.sock"); err != nil && os.Getenv("DOCKER_HOST") == "" {
		testkit.Missing(t, "a Docker Engine (no /var/run/docker.sock, no DOCKER_HOST)")
	}
	r := runLab(t, []string{"LAB_CONFIRM="}, "clean:all")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stdout, "clean:all would remove")
	assert.Equal(t, "Error: clean:all removes every container and image on the engine: set LAB_CONFIRM=clean-all to do it\n", r.stderr)
}

// dockerfiles writes a folder for LAB_DOCKERFILES from the project's own,
// with edits.
func dockerfiles(t *testing.T, edit func(name, text string) string) string {
	return testkit.Dockerfiles(t, root, edit)
}

func TestBrokenDockerfileIsFoundBeforeTheEngine(t *testing.T) {
	dir := dockerfiles(t, func(name, text string) string {
		if name == "v2.Dockerfile" {
			return strings.Replace(text, "WORKDIR /myapp\nCOPY    --from", "WORKDIR\nCOPY    --from", 1)
		}
		return text
	})
	// No engine answers at this address: the Dockerfile is reported first.
	r := runLab(t, []string{"LAB_DOCKERFILES=" + dir, "DOCKER_HOST=unix:///nonexistent.sock"}, "build")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "Error: invalid Dockerfile: "+filepath.Join(dir, "v2.Dockerfile")+":8: WORKDIR requires exactly one argument\n", r.stderr)
	assert.Empty(t, r.stdout, "nothing was built")
}

func TestTargetThatNamesNoStage(t *testing.T) {
	dir := dockerfiles(t, func(name, text string) string {
		return strings.Replace(text, "AS runtime", "AS final", 1)
	})
	r := runLab(t, []string{"LAB_DOCKERFILES=" + dir, "DOCKER_HOST=unix:///nonexistent.sock"}, "build:runtime")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "Error: invalid lab file: "+filepath.Join(dir, "lab.yaml")+":17: multi-state:runtime: "+filepath.Join(dir, "v2.Dockerfile")+": --target runtime names no stage; the stages are builder (line 1), final (line 7)\n", r.stderr)
}

func TestMissingDockerfilesFolder(t *testing.T) {
	r := runLab(t, []string{"LAB_DOCKERFILES=/nonexistent/dockerfiles", "DOCKER_HOST=unix:///nonexistent.sock"}, "build:v1")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "Error: invalid lab file: LAB_DOCKERFILES=/nonexistent/dockerfiles is not a folder: point it at a folder holding a lab.yaml and its Dockerfiles\n", r.stderr)
}
