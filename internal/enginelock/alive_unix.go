//go:build unix

package enginelock

import (
	"errors"

	"golang.org/x/sys/unix"
)

// processAlive reports whether a process with that ID runs on this host.
func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
