package bench

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestContextBenchmarkSmall runs the context benchmark small (8 MiB, no
// real build, so it leaves the lab's tags to the lab's own tests): the task
// binary streams the context, and its peak memory is measured.
func TestContextBenchmarkSmall(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	var out strings.Builder
	err = Context(t.Context(), root, &out, ContextOptions{Files: 8, FileSize: 1 << 20, Runs: 1, PeakLimit: 64 << 20})
	require.NoError(t, err, out.String())
	m := regexp.MustCompile(`peak memory of the lab: streaming (\d+) MiB`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	n, _ := strconv.Atoi(m[1])
	assert.Greater(t, n, 0, "peak memory was measured")
	assert.Less(t, n, 64)
	assert.Contains(t, out.String(), "context: 8 MiB in 8 files")
}
