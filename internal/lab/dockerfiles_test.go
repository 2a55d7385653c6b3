package lab

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/dockerfile"
	"github.com/multistage-lab/multistage-lab/internal/settings"
)

// TestDockerfilesAreReadAndParsedOnce: a run reads each Dockerfile once and
// keeps each parse, so a change on disk during the run is not seen, and a
// second call returns the very same result.
func TestDockerfilesAreReadAndParsedOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "v2.Dockerfile")
	require.NoError(t, os.WriteFile(path, []byte("FROM golang AS builder\nCOPY a.go .\nFROM alpine AS runtime\nCOPY --from=builder /x .\n"), 0o644))
	l := New(nil, settings.Settings{}, dir, io.Discard)

	stages, err := l.stages(path, "runtime", nil)
	require.NoError(t, err)
	require.Len(t, stages, 2)
	sources, err := l.sources(path)
	require.NoError(t, err)
	assert.Equal(t, []string{"a.go"}, sources)

	require.NoError(t, os.WriteFile(path, []byte("FROM scratch\n"), 0o644))
	again, err := l.stages(path, "runtime", nil)
	require.NoError(t, err)
	assert.Same(t, &stages[0], &again[0], "the same parse, not a new one")
	sourcesAgain, err := l.sources(path)
	require.NoError(t, err)
	assert.Same(t, &sources[0], &sourcesAgain[0])

	// Another target is its own check, on the same bytes.
	_, err = l.stages(path, "nope", nil)
	require.ErrorIs(t, err, dockerfile.ErrInvalid)
	assert.Contains(t, err.Error(), "nope")

	// A fresh run reads the file anew.
	fresh := New(nil, settings.Settings{}, dir, io.Discard)
	stages, err = fresh.stages(path, "", nil)
	require.NoError(t, err)
	assert.Len(t, stages, 1)
}
