//go:build unix

package magecompile

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLockFileMakesCompilesTakeTurns: a second holder waits for the first.
func TestLockFileMakesCompilesTakeTurns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	a, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	require.NoError(t, err)
	defer a.Close()
	b, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	require.NoError(t, err)
	defer b.Close()

	require.NoError(t, lockFile(a))
	got := make(chan time.Time)
	go func() {
		_ = lockFile(b)
		got <- time.Now()
		_ = unlockFile(b)
	}()
	time.Sleep(300 * time.Millisecond)
	released := time.Now()
	require.NoError(t, unlockFile(a))
	select {
	case at := <-got:
		assert.False(t, at.Before(released), "the second lock waited for the first")
	case <-time.After(5 * time.Second):
		t.Fatal("the second lock never came")
	}
}
