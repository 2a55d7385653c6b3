package lab

import (
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// dialsIn reports whether something accepts TCP connections at addr inside
// the network namespace netns (made with `ip netns add`).
func dialsIn(t *testing.T, netns, addr string) bool {
	c, err := dialIn(netns, addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// dialIn dials addr inside the network namespace netns: the socket is made
// on a thread moved into it, and keeps that namespace after the thread
// moves back.
func dialIn(netns, addr string) (net.Conn, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, err
	}
	defer self.Close()
	ns, err := os.Open("/var/run/netns/" + netns)
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return nil, err
	}
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
		// A thread that cannot go back must not run anything else.
		panic(err)
	}
	return c, err
}
