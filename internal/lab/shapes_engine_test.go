package lab

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// shapeMarker is in the history of every image a shape's build makes (its
// build stages start WORKDIR /src; its final stages hold /hello or
// /usr/local/bin/hello), and of no image another test makes.
var shapeMarker = regexp.MustCompile(`WORKDIR /src|/hello\b`)

// TestShapesBuild builds, verifies and cleans each shape of the corpus on
// the engine with each builder, through the task binary as a team runs it
// (LAB_DOCKERFILES at the shape): every check passes, the build line says
// the build's arguments as the docker CLI takes them, and one clean leaves
// none of the images the builds made (docker image ls -a). The classic
// builder refuses the BuildKit-only shape before building anything, naming
// the line.
func TestShapesBuild(t *testing.T) {
	testkit.Beside(t)
	_, _ = realLab(t, settings.Settings{})
	removeShapeImages(t)
	t.Cleanup(func() { removeShapeImages(t) })
	// Only images new since now can be a shape's: the history of the
	// engine's other images need not be read again and again.
	before := strings.Fields(docker(t, "image", "ls", "-a", "-q", "--no-trunc"))
	shapeImages := func(t *testing.T) []string { return shapeImagesAmong(t, newImages(t, before)) }
	for _, s := range shapes {
		dir, err := filepath.Abs(shapeDir(s.name))
		require.NoError(t, err)
		for _, b := range []string{"classic", "buildkit"} {
			t.Run(s.name+"/"+b, func(t *testing.T) {
				env := []string{"LAB_DOCKERFILES=" + dir, "LAB_BUILDER=" + b}
				t.Cleanup(func() { removeShapeImages(t) }) // whatever a failure left
				if b == "classic" && s.classicRefuses != "" {
					o := task(t, env, nil, "build")
					assert.Equal(t, 2, o.code, o.said())
					assert.Contains(t, o.stderr, strings.TrimPrefix(s.classicRefuses, "invalid Dockerfile: "))
					assert.NotContains(t, o.stdout, "==> docker image build", "refused before any build")
					assert.Empty(t, shapeImages(t), "nothing built")
					return
				}
				o := task(t, env, nil, "build", "verify")
				require.Equal(t, 0, o.code, "%s\n%s", o.stdout, o.said())
				assert.Regexp(t, `(\d+) of \d+ assertions passed`, o.stdout)
				assert.NotContains(t, o.stdout, "FAIL")
				if s.name == "build-arg" {
					assert.Contains(t, o.stdout, "==> docker image build --build-arg GO_VERSION=latest --label org.opencontainers.image.title=shape-build-arg -t shape-build-arg:app "+filepath.Join("internal", "lab", "testdata", "shapes", "build-arg")+"   (Dockerfile, "+b+" builder)")
					title := docker(t, "image", "inspect", "--format", `{{index .Config.Labels "org.opencontainers.image.title"}}`, "shape-build-arg:app")
					assert.Equal(t, "shape-build-arg", title, "the lab file's label is on the image")
				}
				require.NotEmpty(t, shapeImages(t))
				o = task(t, env, nil, "clean")
				require.Equal(t, 0, o.code, o.said())
				assert.Empty(t, shapeImages(t), "one clean leaves none of the images the builds made")
			})
		}
	}
}

// shapeImages are the images on the engine (docker image ls -a) that a
// shape's build made.
func shapeImages(t *testing.T) []string {
	return shapeImagesAmong(t, strings.Fields(docker(t, "image", "ls", "-a", "-q", "--no-trunc")))
}

// newImages are the images on the engine (docker image ls -a) that are not
// in before.
func newImages(t *testing.T, before []string) []string {
	var ids []string
	for _, id := range strings.Fields(docker(t, "image", "ls", "-a", "-q", "--no-trunc")) {
		if !slices.Contains(before, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// shapeImagesAmong are the images of ids whose history says a shape's
// build made them.
func shapeImagesAmong(t *testing.T, ids []string) []string {
	var out []string
	for _, id := range ids {
		if slices.Contains(out, id) {
			continue
		}
		h, err := exec.Command("docker", "image", "history", "--no-trunc", "--format", "{{.CreatedBy}}", id).Output()
		if err == nil && shapeMarker.Match(h) {
			out = append(out, id)
		}
	}
	return out
}

func removeShapeImages(t *testing.T) {
	for _, ref := range strings.Fields(docker(t, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}")) {
		if strings.HasPrefix(ref, "shape-") {
			_ = exec.Command("docker", "image", "rm", "-f", ref).Run()
		}
	}
	for _, id := range shapeImages(t) {
		_ = exec.Command("docker", "image", "rm", "-f", id).Run()
	}
}
