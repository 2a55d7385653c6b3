package lab

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// TestOneCleanTakesAStageChain: a Dockerfile whose build stage starts FROM
// its deps stage makes, with the classic builder, a chain of images where
// the deps image has children, and a step of its own below it. Its tag
// sorts first, so clean takes it off while the build stage's image still
// stands on it: the engine only untags it. One clean still removes every
// image the builds made, deps and its step included, with each builder, and
// returns no error (the lab in the test process, beside the other tests).
func TestOneCleanTakesAStageChain(t *testing.T) {
	testkit.Beside(t)
	_, _ = realLab(t, settings.Settings{})
	marker := "chain-" + randomSuffix(t)
	repo := "stage-chain-" + randomSuffix(t)
	dir := testkit.Files(t, map[string]string{
		"lab.yaml": `version: 1
images:
  - {tag: ` + repo + `:a-deps, dockerfile: chain.Dockerfile, target: deps}
  - {tag: ` + repo + `:b-build, dockerfile: chain.Dockerfile, target: build}
  - {tag: ` + repo + `:c-final, dockerfile: chain.Dockerfile}
build:
  parallel: 1
checks:
  - {name: the three exist, exist: all}
`,
		"chain.Dockerfile": `FROM alpine:latest AS deps
RUN echo ` + marker + ` > /deps.txt
RUN echo more >> /deps.txt

FROM deps AS build
RUN cat /deps.txt > /build.txt

FROM alpine:latest AS final
RUN echo ` + marker + ` > /final.txt
COPY --from=build /build.txt /srv/build.txt
`,
	})
	// Only images new since now can hold the marker.
	before := strings.Fields(docker(t, "image", "ls", "-a", "-q", "--no-trunc"))
	t.Cleanup(func() {
		for _, id := range marked(t, before, marker) {
			docker(t, "image", "rm", "-f", id)
		}
	})
	for _, b := range []string{"classic", "buildkit"} {
		t.Run(b, func(t *testing.T) {
			// In the test process, without the engine's lock: the images
			// are the test's own, and the tests beside it need the lock.
			l, out := realLab(t, settings.Settings{Builder: settings.Builder(b), Dockerfiles: dir})
			_, err := l.BuildAll(t.Context())
			require.NoError(t, err)
			built := marked(t, before, marker)
			require.NotEmpty(t, built, "the builds made images")

			require.NoError(t, l.Clean(t.Context()), "one clean, no conflict")
			assert.NotContains(t, out.String(), "conflict")
			assert.Empty(t, marked(t, before, marker), "none of the images the builds made is left (docker image ls -a)")
		})
	}
}

// marked lists the images on the engine (docker image ls -a), not in
// before, whose history holds the marker: the ones this test's builds made, and none of another
// test's.
func marked(t *testing.T, before []string, marker string) []string {
	var out []string
	for _, id := range newImages(t, "", before) {
		if slices.Contains(out, id) {
			continue
		}
		h, err := exec.Command("docker", "image", "history", "--no-trunc", "--format", "{{.CreatedBy}}", id).Output()
		if err == nil && strings.Contains(string(h), marker) {
			out = append(out, id)
		}
	}
	return out
}
