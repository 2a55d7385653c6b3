package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// open opens engine's record in a folder of the test's own, and returns it
// with the environment that names that folder.
func open(t *testing.T, engine string) (*Ledger, func(string) string) {
	dir := t.TempDir()
	env := testkit.Env(map[string]string{"LAB_LEDGER_DIR": dir})
	l, err := OpenEnv(env, engine, "")
	require.NoError(t, err)
	return l, env
}

func TestAddHasForget(t *testing.T) {
	t.Parallel()
	l, _ := open(t, "WCEN:P5RR:6226")
	ids, err := l.IDs()
	require.NoError(t, err)
	assert.Empty(t, ids, "a new record is empty")

	require.NoError(t, l.Add("WCEN:P5RR:6226", "1a2b3c4d5e6f", "sha256:abcdefabcdef0123456789"))
	require.NoError(t, l.Add("WCEN:P5RR:6226", "sha256:1a2b3c4d5e6f99999", "0f0f0f0f0f0f"))
	ids, err = l.IDs()
	require.NoError(t, err)
	assert.Equal(t, []string{"1a2b3c4d5e6f", "abcdefabcdef", "0f0f0f0f0f0f"}, ids, "once each, in order, by their short form")
	assert.True(t, Has(ids, "sha256:abcdefabcdef0123456789aaaa"))
	assert.False(t, Has(ids, "sha256:abcdefabcde0"))
	assert.False(t, Has(ids, ""))

	require.NoError(t, l.Forget("sha256:1a2b3c4d5e6f77"))
	ids, err = l.IDs()
	require.NoError(t, err)
	assert.Equal(t, []string{"abcdefabcdef", "0f0f0f0f0f0f"}, ids)
}

func TestEnginesHaveRecordsOfTheirOwn(t *testing.T) {
	t.Parallel()
	a, env := open(t, "engine-a")
	b, err := OpenEnv(env, "engine-b", "")
	require.NoError(t, err)
	assert.NotEqual(t, a.Path(), b.Path())
	require.NoError(t, a.Add("engine-a", "aaaaaaaaaaaa"))
	ids, err := b.IDs()
	require.NoError(t, err)
	assert.Empty(t, ids)
}

func TestLabsHaveRecordsOfTheirOwn(t *testing.T) {
	t.Parallel()
	seed, env := open(t, "engine-a")
	team, err := OpenEnv(env, "engine-a", "team/service")
	require.NoError(t, err)
	assert.NotEqual(t, seed.Path(), team.Path())
	require.NoError(t, seed.Add("engine-a", "aaaaaaaaaaaa"))
	ids, err := team.IDs()
	require.NoError(t, err)
	assert.Empty(t, ids, "another lab's clean does not see the seed's builds")

	// The seed's record is the file every lab shared before: a record made
	// then is still the seed's.
	sum := sha256.Sum256([]byte("engine-a"))
	assert.Equal(t, hex.EncodeToString(sum[:8])+".json", filepath.Base(seed.Path()))
}

func TestDamagedRecordReadsAsEmpty(t *testing.T) {
	t.Parallel()
	l, _ := open(t, "x")
	require.NoError(t, os.WriteFile(l.Path(), []byte("{not json"), 0o644))
	ids, err := l.IDs()
	require.NoError(t, err)
	assert.Empty(t, ids)
	require.NoError(t, l.Add("x", "bbbbbbbbbbbb"))
	ids, err = l.IDs()
	require.NoError(t, err)
	assert.Equal(t, []string{"bbbbbbbbbbbb"}, ids)
}

// TestConcurrentAddsAreAllKept: the lab's builds record side by side; the
// lock keeps every one (without it, writers overwrite each other).
func TestConcurrentAddsAreAllKept(t *testing.T) {
	t.Parallel()
	l, env := open(t, "x")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			other, err := OpenEnv(env, "x", "")
			if assert.NoError(t, err) {
				assert.NoError(t, other.Add("x", fmt.Sprintf("%012x", i)))
			}
		}()
	}
	wg.Wait()
	ids, err := l.IDs()
	require.NoError(t, err)
	assert.Len(t, ids, 20)
}
