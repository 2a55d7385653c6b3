package testkit

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// MageCompile compiles the project's Mage targets at root into bin, as
// `go tool mage -compile` does. Mage writes magefiles/mage_output_file.go
// while it compiles and removes it after, so two test packages compiling at
// once (go test runs packages in parallel) break each other; a lock file
// per project folder makes them take turns.
func MageCompile(root, bin string) error {
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
	cmd := exec.Command("go", "tool", "mage", "-compile", bin)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go tool mage -compile: %v\n%s", err, out)
	}
	return nil
}
