package lab

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/ledger"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// TestCleanLeavesTheUsersThingsAlone is the user's story, on the engine,
// with each builder: after the lab's build they tag a lab image, make a
// stopped and a running container from their tag and one from an image ID;
// the seed's `docker run multi-state:runtime` leaves one more. clean and the
// whole lab remove only the last.
func TestCleanLeavesTheUsersThingsAlone(t *testing.T) {
	testkit.Alone(t)
	for _, b := range []settings.Builder{settings.BuildKit, settings.Classic} {
		t.Run(string(b), func(t *testing.T) {
			// Dockerfiles of the test's own, so every image the lab builds
			// is one it commits (the classic builder would otherwise take
			// byte-identical images other runs left on the engine, which
			// the lab cannot tell it made).
			sfx := randomSuffix(t)
			dir := labDockerfiles(t, labelEachStage("labtest", sfx))
			l, out := realLab(t, settings.Settings{Builder: b, Dockerfiles: dir})
			ctx := t.Context()
			_, err := l.BuildAll(ctx)
			require.NoError(t, err)

			userImage := "labtest-user-" + sfx + ":keep"
			mine := "labtest-me-" + sfx + ":keep"
			stopped, running := "labtest-stopped-"+sfx, "labtest-running-"+sfx
			byID, seedRun := "labtest-byid-"+sfx, "labtest-seedrun-"+sfx
			t.Cleanup(func() {
				_ = exec.Command("docker", "rm", "-f", stopped, running, byID, seedRun).Run()
				_ = exec.Command("docker", "rmi", userImage, mine).Run()
			})
			// The user's own image, and a tag of theirs on a lab image.
			build := exec.Command("docker", "build", "-q", "-t", userImage, "-")
			build.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
			build.Stdin = strings.NewReader("FROM alpine:latest\nLABEL owner=user-" + sfx + "\n")
			out2, err := build.CombinedOutput()
			require.NoError(t, err, string(out2))
			userID := docker(t, "image", "inspect", "--format", "{{.ID}}", userImage)
			docker(t, "tag", Repository+":runtime", mine)
			docker(t, "create", "--name", stopped, mine)
			docker(t, "run", "-d", "--name", running, "--entrypoint", "/bin/sh", mine, "-c", "sleep 600")
			builderID := docker(t, "image", "inspect", "--format", "{{.ID}}", Repository+":builder")
			docker(t, "create", "--name", byID, builderID)
			docker(t, "create", "--name", seedRun, Repository+":v1")

			require.NoError(t, l.Clean(ctx))

			assert.Equal(t, "true", docker(t, "inspect", "--format", "{{.State.Running}}", running), "the user's running container runs on")
			assert.Equal(t, "created", docker(t, "inspect", "--format", "{{.State.Status}}", stopped))
			assert.Equal(t, "created", docker(t, "inspect", "--format", "{{.State.Status}}", byID), "a container made from an image ID is the user's")
			assert.Error(t, exec.Command("docker", "inspect", seedRun).Run(), "a container made by a lab tag is the lab's")
			assert.Equal(t, userID, docker(t, "image", "inspect", "--format", "{{.ID}}", userImage))
			assert.NotEmpty(t, docker(t, "image", "inspect", "--format", "{{.ID}}", mine), "the user's tag on a lab image survives")
			assert.Equal(t, map[string]string{"builder": builderID}, labIDs(t),
				"the lab's tags are gone but builder's, which the user's container by ID holds")
			for _, line := range []string{
				"removed container " + seedRun + " (" + Repository + ":v1, created)",
				"kept container " + running + " (" + mine + ", running): yours, made from your tag " + mine,
				"kept container " + stopped + " (" + mine + ", created): yours, made from your tag " + mine,
				"kept container " + byID + " (" + display.ShortID(builderID) + ", created): yours, made from the image ID",
				"kept " + Repository + ":builder (" + display.ShortID(builderID) + "): your container " + byID + " uses it",
				"kept " + mine + " (" + display.ShortID(docker(t, "image", "inspect", "--format", "{{.ID}}", mine)) + "): tagged by you from a lab image",
			} {
				assert.Contains(t, out.String(), line+"\n")
			}
			for _, ref := range DefaultBaseRefs {
				assert.NotEmpty(t, docker(t, "image", "inspect", "--format", "{{.ID}}", ref), "clean never removes a base image")
			}

			// The targets, as a user types them: clean, then the whole lab.
			env := []string{"LAB_BUILDER=" + string(b), "LAB_PROGRESS=quiet", "LAB_DOCKERFILES=" + dir}
			o := task(t, env, nil, "clean")
			require.Equal(t, 0, o.code, o.stdout+o.stderr)
			o = task(t, env, nil)
			require.Equal(t, 0, o.code, o.stdout+o.stderr)
			assert.Contains(t, o.stdout, "kept container "+running)
			assert.Equal(t, userID, docker(t, "image", "inspect", "--format", "{{.ID}}", userImage))
			assert.Equal(t, "true", docker(t, "inspect", "--format", "{{.State.Running}}", running))
			assert.Equal(t, "created", docker(t, "inspect", "--format", "{{.State.Status}}", stopped))
			assert.Equal(t, "created", docker(t, "inspect", "--format", "{{.State.Status}}", byID))
		})
	}
}

// labelEachStage ends each stage of a lab Dockerfile with a label of its
// own, so the images are new to the engine.
func labelEachStage(key, value string) func(string, string) string {
	return func(_, text string) string {
		label := "\nLABEL   " + key + "=" + value
		text = strings.Replace(text, "RUN     go build -o helloworld", "RUN     go build -o helloworld"+label, 1)
		return strings.Replace(text, `ENTRYPOINT [ "./helloworld" ]`, `ENTRYPOINT [ "./helloworld" ]`+label, 1)
	}
}

// handBuild types the seed's four builds with the docker CLI and the classic
// builder, in a folder of their own, with a label of the test's own so the
// chain is the person's and not one the lab committed. It returns the
// images of the two chains that the person's builds made (the tags' images
// and their parents, less the steps the lab's record names).
func handBuild(t *testing.T, sfx string) []string {
	t.Helper()
	root, err := findTestRoot()
	require.NoError(t, err)
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(root, "app", "helloworld.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "helloworld.go"), data, 0o644))
	for _, step := range []struct{ dockerfile, target, tag string }{
		{"v1.Dockerfile", "", "v1"}, {"v2.Dockerfile", "", "v2"}, {"v2.Dockerfile", "builder", "builder"}, {"v2.Dockerfile", "runtime", "runtime"},
	} {
		df, err := os.ReadFile(filepath.Join(root, "dockerfiles", step.dockerfile))
		require.NoError(t, err)
		text := labelEachStage("byhand", sfx)(step.dockerfile, string(df))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(text), 0o644))
		args := []string{"image", "build", "-q", "-t", Repository + ":" + step.tag}
		if step.target != "" {
			args = append(args, "--target", step.target)
		}
		cmd := exec.Command("docker", append(args, ".")...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, string(b))
	}
	var bases []string
	for _, ref := range DefaultBaseRefs {
		bases = append(bases, docker(t, "image", "inspect", "--format", "{{.ID}}", ref))
	}
	// Steps the person's builds took from the classic cache that the lab
	// committed first are the lab's, by its record.
	lg, err := ledger.Open(docker(t, "info", "--format", "{{.ID}}"), "")
	require.NoError(t, err)
	recorded, err := lg.IDs()
	require.NoError(t, err)
	var ids []string
	for _, tag := range []string{"v1", "builder"} {
		for _, id := range strings.Fields(docker(t, "history", "-q", "--no-trunc", Repository+":"+tag)) {
			if id != "<missing>" && !slices.Contains(bases, id) && !ledger.Has(recorded, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// TestHandBuiltImagesSurviveALabBuild: the seed typed by hand, then the lab
// with each builder. The lab's builds move the multi-state tags; the
// person's images are left as docker build leaves them, dangling with their
// parents (the classic builder's cache of their own builds), and clean
// keeps them too.
func TestHandBuiltImagesSurviveALabBuild(t *testing.T) {
	testkit.Alone(t)
	for _, b := range []settings.Builder{settings.BuildKit, settings.Classic} {
		t.Run(string(b), func(t *testing.T) {
			l, out := realLab(t, settings.Settings{Builder: b})
			ctx := t.Context()
			require.NoError(t, l.EnsureBases(ctx))
			hand := handBuild(t, randomSuffix(t))
			handV1 := docker(t, "image", "inspect", "--format", "{{.ID}}", Repository+":v1")
			t.Cleanup(func() {
				// The person's images go, and with them any lab tag a
				// classic build put on one of them (a cache hit).
				for tag, id := range labIDs(t) {
					if slices.Contains(hand, id) {
						_ = exec.Command("docker", "rmi", "--no-prune", Repository+":"+tag).Run()
					}
				}
				for i := len(hand) - 1; i >= 0; i-- {
					_ = exec.Command("docker", "rmi", "--no-prune", hand[i]).Run()
				}
			})
			exists := func(id string) bool { return exec.Command("docker", "image", "inspect", id).Run() == nil }

			require.NoError(t, l.Clean(ctx))
			assert.Contains(t, out.String(), "not built by the lab", "clean says why it keeps the hand-built tags")
			assert.Equal(t, handV1, labIDs(t)["v1"], "clean leaves a hand-built multi-state image")

			_, err := l.BuildAll(ctx)
			require.NoError(t, err)
			assert.NotEqual(t, handV1, labIDs(t)["v1"], "the lab's build moved the tag")
			// The person's image is left as docker build leaves it: dangling
			// on a graph driver; on the containerd store a BuildKit build
			// that takes an image's only name makes the engine drop it.
			assert.Regexp(t, ` image `+display.ShortID(handV1)+`( as docker build leaves it: dangling, with its parents \(the lab did not build it\)| when this build took its name)`, out.String())
			var survivors []string
			for _, id := range hand {
				if exists(id) {
					survivors = append(survivors, id)
				} else {
					assert.Contains(t, out.String(), "the engine removed the previous "+Repository+":", "%s is gone only where the engine dropped it", display.ShortID(id))
				}
			}
			require.NoError(t, l.Clean(ctx))
			for _, id := range survivors {
				assert.True(t, exists(id), "the person's image %s survives the lab's clean", display.ShortID(id))
			}
		})
	}
}
