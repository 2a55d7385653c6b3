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

	"github.com/multistage-lab/multistage-lab/internal/dockerfile"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// shapeMarker is in the history of every image a shape's build makes (its
// build stages start WORKDIR /src; its final stages hold /hello or
// /usr/local/bin/hello), and of no image another test makes.
var shapeMarker = regexp.MustCompile(`WORKDIR /src|/hello\b`)

// TestShapesBuild builds, verifies and cleans each shape of the corpus on
// the engine with each builder, as a team's lab file is run (LAB_DOCKERFILES
// at the shape), in the test process: every check passes, the build line
// says the build's arguments as the docker CLI takes them, and one clean
// leaves none of the images the builds made (docker image ls -a). The
// classic builder refuses the BuildKit-only shape before building anything,
// naming the line, as bad input (exit 2). It works where ownEngineUnlessNamed says.
func TestShapesBuild(t *testing.T) {
	host := ownEngineUnlessNamed(t, testkit.Beside)
	_, _ = realLabOn(t, host, settings.Settings{})
	removeShapeImages(t, host)
	t.Cleanup(func() { removeShapeImages(t, host) })
	// Only images new since now can be a shape's: the history of the
	// engine's other images need not be read again and again.
	before := strings.Fields(docker(t, dockerAt(host, "image", "ls", "-a", "-q", "--no-trunc")...))
	shapeImages := func(t *testing.T) []string { return shapeImagesAmong(t, host, newImages(t, host, before)) }
	for _, s := range shapes {
		dir, err := filepath.Abs(shapeDir(s.name))
		require.NoError(t, err)
		for _, b := range []settings.Builder{settings.Classic, settings.BuildKit} {
			t.Run(s.name+"/"+string(b), func(t *testing.T) {
				l, out := realLabOn(t, host, settings.Settings{Dockerfiles: dir, Builder: b})
				ctx := t.Context()
				t.Cleanup(func() { removeShapeImages(t, host) }) // whatever a failure left
				if b == settings.Classic && s.classicRefuses != "" {
					_, err := l.BuildAll(ctx)
					require.Error(t, err)
					assert.ErrorIs(t, err, dockerfile.ErrInvalid, "bad input: exit 2")
					assert.Contains(t, err.Error(), strings.TrimPrefix(s.classicRefuses, "invalid Dockerfile: "))
					assert.NotContains(t, out.String(), "==> docker image build", "refused before any build")
					assert.Empty(t, shapeImages(t), "nothing built")
					return
				}
				_, err := l.BuildAll(ctx)
				require.NoError(t, err)
				_, err = l.Verify(ctx)
				require.NoError(t, err, "every check passes")
				assert.Regexp(t, `(\d+) of \d+ assertions passed`, out.String())
				assert.NotContains(t, out.String(), "FAIL")
				if s.name == "build-arg" {
					assert.Contains(t, out.String(), "==> docker image build --build-arg GO_VERSION=latest --label org.opencontainers.image.title=shape-build-arg -t shape-build-arg:app "+filepath.Join("internal", "lab", "testdata", "shapes", "build-arg")+"   (Dockerfile, "+string(b)+" builder)")
					title := docker(t, dockerAt(host, "image", "inspect", "--format", `{{index .Config.Labels "org.opencontainers.image.title"}}`, "shape-build-arg:app")...)
					assert.Equal(t, "shape-build-arg", title, "the lab file's label is on the image")
				}
				require.NotEmpty(t, shapeImages(t))
				require.NoError(t, l.Clean(ctx))
				assert.Empty(t, shapeImages(t), "one clean leaves none of the images the builds made")
			})
		}
	}
}

// shapeImages are the images on the engine at host (docker image ls -a)
// that a shape's build made.
func shapeImages(t *testing.T, host string) []string {
	return shapeImagesAmong(t, host, strings.Fields(docker(t, dockerAt(host, "image", "ls", "-a", "-q", "--no-trunc")...)))
}

// newImages are the images on the engine at host (docker image ls -a) that
// are not in before.
func newImages(t *testing.T, host string, before []string) []string {
	var ids []string
	for _, id := range strings.Fields(docker(t, dockerAt(host, "image", "ls", "-a", "-q", "--no-trunc")...)) {
		if !slices.Contains(before, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// shapeImagesAmong are the images of ids whose history says a shape's
// build made them.
func shapeImagesAmong(t *testing.T, host string, ids []string) []string {
	var out []string
	for _, id := range ids {
		if slices.Contains(out, id) {
			continue
		}
		h, err := exec.Command("docker", dockerAt(host, "image", "history", "--no-trunc", "--format", "{{.CreatedBy}}", id)...).Output()
		if err == nil && shapeMarker.Match(h) {
			out = append(out, id)
		}
	}
	return out
}

func removeShapeImages(t *testing.T, host string) {
	for _, ref := range strings.Fields(docker(t, dockerAt(host, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}")...)) {
		if strings.HasPrefix(ref, "shape-") {
			_ = exec.Command("docker", dockerAt(host, "image", "rm", "-f", ref)...).Run()
		}
	}
	for _, id := range shapeImages(t, host) {
		_ = exec.Command("docker", dockerAt(host, "image", "rm", "-f", id)...).Run()
	}
}
