package lab

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// TestABaseNoOneCanProvideStopsBeforeAnyBuild: a lab whose Dockerfile
// starts a stage FROM an image the engine lacks and cannot pull (no
// registry here; a name no registry has elsewhere), and that no stand-in
// replaces, exits 2 before any build starts, naming the image, the
// Dockerfile's line and the ways to provide it; nothing is built.
func TestABaseNoOneCanProvideStopsBeforeAnyBuild(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	absent := "lab-absent-" + randomSuffix(t) + ":bookworm-slim"
	repo := "other-base-" + randomSuffix(t)
	dir := testkit.Files(t, map[string]string{
		"lab.yaml":       "version: 1\nimages:\n  - {tag: " + repo + ":final, dockerfile: app.Dockerfile}\nchecks:\n  - {name: it exists, exist: all}\n",
		"app.Dockerfile": "FROM alpine:latest AS build\nRUN echo built > /built.txt\n\nFROM " + absent + " AS final\nCOPY --from=build /built.txt /built.txt\n",
	})
	for _, b := range []string{"buildkit", "classic"} {
		t.Run(b, func(t *testing.T) {
			o := task(t, []string{"LAB_DOCKERFILES=" + dir, "LAB_BUILDER=" + b}, nil, "build")
			assert.Equal(t, 2, o.code, o.said())
			assert.Contains(t, o.stderr, "Error: base image missing: "+absent+" (FROM in "+filepath.Join(dir, "app.Dockerfile")+":4) is not on the engine and the pull failed: ")
			assert.Contains(t, o.stderr, "load it (docker load -i FILE), point the engine at a registry mirror that has it")
			assert.NotContains(t, o.stdout, "==> docker image build", "no build started")
			assert.Empty(t, docker(t, "image", "ls", "-a", "-q", "--filter", "reference="+repo), "nothing was built")
		})
	}
}
