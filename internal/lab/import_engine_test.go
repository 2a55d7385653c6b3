package lab

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// A team's own repository: a module of its own whose magefile imports the
// lab's targets with two import lines, its own dockerfiles/lab.yaml and Dockerfile
// under its own image names, and mage as a tool, as the README shows.
const (
	teamMagefile = `//go:build mage

package main

import (
	//mage:import lab
	_ "github.com/multistage-lab/multistage-lab/labtargets"
	//mage:import lab
	_ "github.com/multistage-lab/multistage-lab/labtargets/namespaces"
)
`
	teamLabFile = `version: 1
images:
  - tag: REPO:build
    dockerfile: service.Dockerfile
    target: build
  - tag: REPO:final
    dockerfile: service.Dockerfile
bases:
  - role: alpine
    image: final
checks:
  - name: both images exist
    exist: all
  - name: final is another image than build
    differ: [build, final]
  - name: final holds the report and not the notes
    files: {image: final, present: [/srv/report.txt], absent: [/work/notes.txt]}
  - name: a final container prints the report
    run: {image: final, stdout: "built from the notes\n", exit: 0}
`
	teamDockerfile = `FROM alpine:latest AS build
WORKDIR /work
COPY notes.txt .
RUN cat notes.txt > report.txt

FROM alpine:latest AS final
COPY --from=build /work/report.txt /srv/report.txt
ENTRYPOINT ["cat", "/srv/report.txt"]
`
)

// teamModule writes the team's module in a folder of its own; its go.mod
// points at this checkout with a replace, as the README tells a user to
// where the module path is not fetchable, and lists this module's
// requirements (with its go.sum), so nothing is fetched.
func teamModule(t *testing.T, repo string) string {
	t.Helper()
	root := projectRoot(t)
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	gomod := strings.Replace(string(mod), "module github.com/multistage-lab/multistage-lab", "module example.com/team-service", 1) +
		"\nrequire github.com/multistage-lab/multistage-lab v0.0.0\n\nreplace github.com/multistage-lab/multistage-lab => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	return testkit.Files(t, map[string]string{
		"go.mod":                         gomod,
		"go.sum":                         string(sum),
		"magefile.go":                    teamMagefile,
		"dockerfiles/lab.yaml":           strings.ReplaceAll(teamLabFile, "REPO", repo),
		"dockerfiles/service.Dockerfile": teamDockerfile,
		"app/notes.txt":                  "built from the notes\n",
	})
}

// goTool runs `go tool mage ARGS` in dir as a user does there.
func goTool(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"tool", "mage"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"GOWORK=off", "GOFLAGS=-mod=mod"}, env...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestAnotherRepositoryImportsTheTargets: a team's module brings the lab's
// targets in with two //mage:import lines (one alias), lists them all, and builds,
// verifies and cleans its own images; the seed's lab's images (a tagged
// one and an untagged one, both labelled as the seed's lab labels them)
// are left alone.
func TestAnotherRepositoryImportsTheTargets(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	repo := "team-service-" + randomSuffix(t)
	dir := teamModule(t, repo)

	witnessTag := "multi-state:import-witness-" + randomSuffix(t)
	tagged := importWitness(t, witnessTag)
	untagged := importWitness(t, "")
	t.Cleanup(func() {
		_ = exec.Command("docker", "image", "rm", "-f", witnessTag, tagged, untagged).Run()
		_ = exec.Command("sh", "-c", "docker image ls -aq --filter reference='"+repo+"' | xargs -r docker image rm -f").Run()
	})

	start := time.Now()
	list, err := goTool(t, dir, nil, "-l")
	require.NoError(t, err, list)
	t.Logf("go tool mage -l in the team's module (first compile): %s\n%s", time.Since(start).Round(time.Second), list)
	for _, target := range []string{"lab:all", "lab:build", "lab:verify", "lab:clean", "lab:images", "lab:sizes", "lab:compare",
		"lab:walkthrough", "lab:run", "lab:context", "lab:build:image", "lab:verify:rebuild", "lab:clean:all", "lab:base:standins", "lab:base:remove"} {
		assert.Regexp(t, `(?m)^  `+regexp.QuoteMeta(target)+`\s+\S`, list, target)
	}
	assert.NotContains(t, list, "lab:build:v1", "the seed's own targets stay in this repository")

	for _, b := range []string{"buildkit", "classic"} {
		t.Run(b, func(t *testing.T) {
			out, err := goTool(t, dir, []string{"LAB_BUILDER=" + b, "LAB_PROGRESS=plain"}, "lab:build", "lab:build:image", "final", "lab:verify", "lab:clean")
			require.NoError(t, err, out)
			assert.Equal(t, 2, strings.Count(out, "docker image build -t "+repo+":final "), "lab:build, then lab:build:image final: %s", out)
			assert.Contains(t, out, "4 of 4 assertions passed", out)
			assert.Contains(t, out, repo+":final", out)
			assert.Empty(t, docker(t, "image", "ls", "-a", "-q", "--filter", "reference="+repo), "lab:clean removed the team's images")
			assert.Empty(t, docker(t, "image", "ls", "-a", "-q", "--filter", "label="+LabelLab+"="+repo), "and its untagged ones")
			assert.Equal(t, tagged, docker(t, "image", "inspect", "--format", "{{.ID}}", witnessTag), "the seed's lab's tagged image is untouched")
			assert.Equal(t, untagged, docker(t, "image", "inspect", "--format", "{{.ID}}", untagged), "and its untagged one")
		})
	}
}

// importWitness imports an empty image labelled as the seed's lab labels
// its images, tagged ref (untagged if ""), and returns its ID.
func importWitness(t *testing.T, ref string) string {
	t.Helper()
	args := []string{"image", "import", "--change", "LABEL " + LabelLab + "=" + LabValue + " witness=" + randomSuffix(t), "-"}
	if ref != "" {
		args = append(args, ref)
	}
	cmd := exec.Command("docker", args...)
	cmd.Stdin = strings.NewReader(string(make([]byte, 1024))) // an empty tar: two zero blocks
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return strings.TrimSpace(string(out))
}
