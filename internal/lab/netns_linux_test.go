package lab

import (
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// dialsIn reports whether something accepts TCP connections at addr inside
// the network namespace netns (made with `ip netns add`). The socket is
// made on a thread moved into that namespace, and the thread is moved back.
func dialsIn(t *testing.T, netns, addr string) bool {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	require.NoError(t, err)
	defer self.Close()
	ns, err := os.Open("/var/run/netns/" + netns)
	require.NoError(t, err)
	defer ns.Close()
	require.NoError(t, unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET))
	defer func() { require.NoError(t, unix.Setns(int(self.Fd()), unix.CLONE_NEWNET)) }()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
