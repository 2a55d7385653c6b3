// Package magecompile compiles the project's Mage targets into a task
// binary, one compile per project folder at a time.
package magecompile

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Compile runs `go tool mage -compile bin` in root, with env added to the
// environment. Mage writes magefiles/mage_output_file.go while it compiles
// and removes it after, so two compiles in one folder at once (test
// packages run in parallel, and the benchmarks compile too) break each
// other; a lock file per project folder makes them take turns.
func Compile(ctx context.Context, root, bin string, env []string) error {
	sum := sha256.Sum256([]byte(root))
	lockPath := filepath.Join(os.TempDir(), fmt.Sprintf("multistage-lab-mage-%x.lock", sum[:8]))
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return fmt.Errorf("lock %s: %w", lockPath, err)
	}
	defer unlockFile(f)
	cmd := exec.CommandContext(ctx, "go", "tool", "mage", "-compile", bin)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go tool mage -compile: %w\n%s", err, out)
	}
	return nil
}
