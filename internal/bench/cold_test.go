package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

func cli(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return strings.TrimSpace(string(out))
}

// connect reaches the engine, or skips (fails in CI) when none answers.
func connect(t *testing.T) *client.Client {
	t.Helper()
	testkit.NeedEngine(t)
	c, err := engine.Connect(t.Context())
	testkit.EngineAnswered(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestColdCleanRemovesTheBenchsCachedSteps: an untagged classic build chain
// made after the snapshot, on a base image, goes; one from before stays, and
// so does a chain on an image that is not a base.
func TestColdCleanRemovesTheBenchsCachedSteps(t *testing.T) {
	c := connect(t)
	ctx := t.Context()
	dir := t.TempDir()
	// A base of its own, imported from an empty archive, so the test needs
	// no lab image and touches none.
	suffix := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	base := "bench-base-" + suffix + ":test"
	other := "bench-other-" + suffix + ":test"
	for _, ref := range []string{base, other} {
		tarPath := filepath.Join(dir, "empty.tar")
		require.NoError(t, exec.Command("tar", "cf", tarPath, "-T", "/dev/null").Run())
		cli(t, nil, "image", "import", "--change", "CMD [\"/x\"]", "--message", ref, tarPath, ref)
		t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", "-f", ref).Run() })
	}
	build := func(from, tag, word string) string {
		df := filepath.Join(dir, tag+".Dockerfile")
		require.NoError(t, os.WriteFile(df, []byte("FROM "+from+"\nLABEL a="+word+"\nLABEL b="+word+"\n"), 0o644))
		cli(t, []string{"DOCKER_BUILDKIT=0"}, "image", "build", "-q", "-f", df, "-t", tag, dir)
		// Removing the tag deletes the last step's image but, with
		// --no-prune, keeps its parent: an untagged cached step.
		id := cli(t, nil, "image", "inspect", "--format", "{{.Parent}}", tag)
		cli(t, nil, "image", "rm", "--no-prune", tag)
		t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", id).Run() })
		return id
	}
	old := build(base, "bench-old", "old")

	before, err := imageIDs(ctx, c)
	require.NoError(t, err)
	fresh := build(base, "bench-fresh", "fresh")
	foreign := build(other, "bench-foreign", "fresh")
	baseID := cli(t, nil, "image", "inspect", "--format", "{{.Id}}", base)

	n, err := removeUntaggedSince(ctx, c, before, []string{baseID})
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the fresh chain's cached step")
	exists := func(id string) bool { return exec.Command("docker", "image", "inspect", id).Run() == nil }
	assert.False(t, exists(fresh), "made after the snapshot, on a base: removed")
	assert.True(t, exists(old), "there before the snapshot: kept")
	assert.True(t, exists(foreign), "not on a base: kept")
	assert.True(t, exists(baseID), "the base itself: kept")
}

// TestColdCleanUntagsWhatTheBenchMade: the seed script's tags on images
// made since the snapshot go (clean keeps them: the lab did not build
// them); a tag on an image from before stays.
func TestColdCleanUntagsWhatTheBenchMade(t *testing.T) {
	c := connect(t)
	ctx := t.Context()
	dir := t.TempDir()
	repo := "bench-untag-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	tarPath := filepath.Join(dir, "empty.tar")
	require.NoError(t, exec.Command("tar", "cf", tarPath, "-T", "/dev/null").Run())
	cli(t, nil, "image", "import", "--change", `CMD ["/x"]`, "--message", "old", tarPath, repo+":old")
	t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", "-f", repo+":old", repo+":fresh").Run() })
	before, err := imageIDs(ctx, c)
	require.NoError(t, err)
	cli(t, nil, "image", "import", "--change", `CMD ["/y"]`, "--message", "fresh", tarPath, repo+":fresh")

	require.NoError(t, untagSince(ctx, c, before, repo))
	assert.Error(t, exec.Command("docker", "image", "inspect", repo+":fresh").Run(), "made since the snapshot: untagged")
	assert.NoError(t, exec.Command("docker", "image", "inspect", repo+":old").Run(), "there before: kept")
}
