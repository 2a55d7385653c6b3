package lab

import (
	"strings"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/engine/enginetest"
	"github.com/multistage-lab/multistage-lab/internal/ledger"
	"github.com/multistage-lab/multistage-lab/internal/settings"
)

// TestRetireSaysOnceWhatBecameOfAnImage: v2's and runtime's builds both
// move a tag off the same recorded image. The first retire removes it; the
// second finds it gone and must not blame the engine for the lab's removal.
func TestRetireSaysOnceWhatBecameOfAnImage(t *testing.T) {
	t.Parallel()
	env := ledgerEnv(t)
	lg, err := ledger.OpenEnv(env, "fake-engine", "")
	require.NoError(t, err)
	const old = "sha256:a1a1a1a1a1a1ff"
	require.NoError(t, lg.Add("fake-engine", old))
	removed := false
	fc := &enginetest.Fake{
		ImageInspectFunc: func(ref string) (image.InspectResponse, error) {
			if removed {
				return image.InspectResponse{}, notFound(ref)
			}
			return image.InspectResponse{ID: old}, nil
		},
		ImageRemoveFunc: func(ref string, o image.RemoveOptions) ([]image.DeleteResponse, error) {
			assert.False(t, o.PruneChildren)
			removed = true
			return []image.DeleteResponse{{Deleted: ref}}, nil
		},
	}
	var out strings.Builder
	l := newText(fc, settings.Settings{}, projectRoot(t), &out)
	l.getenv = env
	l.cleaner().Retire(t.Context(), old, "multi-state:runtime", l.Events)
	l.cleaner().Retire(t.Context(), old, "multi-state:v2", l.Events)
	assert.Equal(t, "    removed the previous multi-state:runtime image a1a1a1a1a1a1 (built by the lab, untagged by this build)\n", out.String())
	ids, err := lg.IDs()
	require.NoError(t, err)
	assert.Empty(t, ids)
}
