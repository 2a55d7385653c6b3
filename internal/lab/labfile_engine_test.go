package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// TestAFifthImageIsOneEntry adds multi-state:v3 to a copy of the lab file,
// with a copy of v2.Dockerfile, and runs the targets as a user does: build
// builds it, verify names it, clean removes it. No Go changes.
func TestAFifthImageIsOneEntry(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	// Dockerfiles of the test's own, so the classic images are new ones the
	// lab commits (and records), not byte-identical ones found in the cache
	// that clean rightly keeps.
	label := labelEachStage("fifth", randomSuffix(t))
	dir := labDockerfiles(t, func(name, text string) string {
		if name == "lab.yaml" {
			return strings.Replace(text, "\nbuild:", "  - tag: multi-state:v3\n    dockerfile: v3.Dockerfile\n\nbuild:", 1)
		}
		return label(name, text)
	})
	v2, err := os.ReadFile(filepath.Join(dir, "v2.Dockerfile"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "v3.Dockerfile"), v2, 0o644))
	for _, b := range []string{"buildkit", "classic"} {
		t.Run(b, func(t *testing.T) {
			env := []string{"LAB_DOCKERFILES=" + dir, "LAB_BUILDER=" + b, "LAB_PROGRESS=quiet"}
			o := task(t, env, nil, "build")
			require.Equal(t, 0, o.code, o.stdout+o.stderr)
			assert.Contains(t, o.stdout, "docker image build -t multi-state:v3 .   (v3.Dockerfile, "+b+" builder)")
			ids := labIDs(t)
			require.Contains(t, ids, "v3", "the docker CLI sees multi-state:v3")
			assert.Equal(t, ids["v2"], ids["v3"], "the same Dockerfile and context: the same image")

			o = task(t, env, nil, "verify")
			require.Equal(t, 0, o.code, o.stdout+o.stderr)
			assert.Contains(t, o.stdout, "expected: multi-state:v1, multi-state:v2, multi-state:builder, multi-state:runtime, multi-state:v3\n      actual:   all present")
			assert.Contains(t, o.stdout, "10 of 10 assertions passed")

			o = task(t, env, nil, "clean")
			require.Equal(t, 0, o.code, o.stdout+o.stderr)
			assert.Contains(t, o.stdout, "untagged multi-state:v3")
			assert.Empty(t, labIDs(t), "no multi-state tag is left")

			// build:image builds one image by its lab file name.
			o = task(t, env, nil, "build:image", "v3")
			require.Equal(t, 0, o.code, o.stdout+o.stderr)
			assert.Contains(t, labIDs(t), "v3")
			o = task(t, env, nil, "build:image", "v9")
			assert.Equal(t, 2, o.code)
			assert.Equal(t, fmt.Sprintf("Error: invalid lab file: %s names no image \"v9\" (its images: v1, v2, builder, runtime, v3)\n", filepath.Join(dir, "lab.yaml")), o.stderr)
			o = task(t, env, nil, "clean")
			require.Equal(t, 0, o.code, o.stdout+o.stderr)
		})
	}
}

// TestALabFileThatNamesAMissingDockerfileChangesNothing: exit 2, naming
// lab.yaml and its line, before any engine call; the docker CLI sees the
// same images and containers after.
func TestALabFileThatNamesAMissingDockerfileChangesNothing(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	dir := labDockerfiles(t, func(name, text string) string {
		if name == "lab.yaml" {
			return strings.Replace(text, "\nbuild:", "  - tag: multi-state:v3\n    dockerfile: v3.Dockerfile\n\nbuild:", 1)
		}
		return text
	})
	// docker image ls orders images made in the same second as it likes:
	// the lists are compared as sets.
	images := sortedRows(docker(t, "image", "ls", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"))
	containers := sortedRows(docker(t, "container", "ls", "-a", "--no-trunc", "--format", "{{.ID}} {{.State}}"))
	for _, target := range []string{"build", "verify", "clean", "run", "images", "walkthrough"} {
		o := task(t, []string{"LAB_DOCKERFILES=" + dir}, nil, target)
		assert.Equal(t, 2, o.code, target)
		assert.Equal(t, "Error: invalid lab file: "+filepath.Join(dir, "lab.yaml")+":20: multi-state:v3: dockerfile v3.Dockerfile does not exist beside lab.yaml\n", o.stderr, target)
		assert.Empty(t, o.stdout, target)
	}
	assert.Equal(t, images, sortedRows(docker(t, "image", "ls", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}")))
	assert.Equal(t, containers, sortedRows(docker(t, "container", "ls", "-a", "--no-trunc", "--format", "{{.ID}} {{.State}}")))
}

// sortedRows are the lines of s, sorted.
func sortedRows(s string) []string {
	rows := strings.Split(s, "\n")
	slices.Sort(rows)
	return rows
}
