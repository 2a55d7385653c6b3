package bench

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// haveBuildx stops the test, naming what it lacks, when neither the docker
// CLI nor the bench's cache folder has buildx (scripts/install-test-tools.sh
// builds it there; the bench itself would, which takes minutes): a skip,
// or in CI a failure (see testkit.NeedTool).
func haveBuildx(t *testing.T) string {
	t.Helper()
	base, err := os.UserCacheDir()
	require.NoError(t, err)
	cache := filepath.Join(base, "multistage-lab")
	if exec.Command("docker", "buildx", "version").Run() == nil {
		return cache
	}
	testkit.NeedTool(t, filepath.Join(cache, "buildx", BuildxVersion, "cli-plugins", "docker-buildx"), testkit.InstallTestTools)
	return cache
}

// TestTheBenchMeasuresEachBuilderOnTheEngine runs the bench's warm case
// once a side on the engine DOCKER_HOST names: the lab's build against the
// seed's four docker CLI commands, classic (DOCKER_BUILDKIT=0) then
// BuildKit (buildx). Every warm figure is measured, from events of both
// sides, and the CLI's side leaves the seed's four tags, as the docker CLI
// sees them.
func TestTheBenchMeasuresEachBuilderOnTheEngine(t *testing.T) {
	connect(t)
	cache := haveBuildx(t)
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	var mu sync.Mutex
	ran := map[string]int{}
	say := func(e event.Event) {
		if r, ok := e.(event.BenchRun); ok {
			mu.Lock()
			ran[r.Builder+" "+r.Case+" "+r.Side]++
			mu.Unlock()
		}
	}
	b, err := Lab(t.Context(), root, Options{WarmRuns: 1, Cache: cache, CachedCompile: true, Events: say})
	require.True(t, err == nil || errors.Is(err, ErrMissed), "%v", err)
	require.Len(t, b.Cells, 2)
	assert.Contains(t, b.Buildx, "buildx v")
	for i, builder := range Builders {
		c := b.Cells[i]
		assert.Equal(t, builder, c.Builder)
		assert.Empty(t, c.Err)
		assert.NotEmpty(t, c.Version)
		assert.Regexp(t, `^(containerd image store|graph driver) `, c.Store)
		require.Len(t, c.Warm.Ours, 1, builder)
		require.Len(t, c.Warm.CLI, 1, builder)
		assert.Positive(t, c.Warm.Ours[0])
		assert.Positive(t, c.Warm.CLI[0])
		assert.False(t, c.Cold.Measured(), "no cold runs asked for")
		assert.Equal(t, 1, ran[builder+" warm lab build"])
		assert.Equal(t, 1, ran[builder+" warm docker CLI"])
	}
	assert.Zero(t, b.Compile, "a compile on the build cache as it is is not the first compile's figure")
	out, err := exec.Command("docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", lab.Repository).Output()
	require.NoError(t, err)
	for _, tag := range []string{"v1", "v2", "builder", "runtime"} {
		assert.Contains(t, strings.Fields(string(out)), lab.Repository+":"+tag)
	}
}
