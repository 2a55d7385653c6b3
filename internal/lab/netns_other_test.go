//go:build !linux

package lab

import (
	"errors"
	"net"
	"testing"
)

// dialsIn needs Linux's network namespaces; elsewhere nothing is there.
func dialsIn(t *testing.T, netns, addr string) bool { return false }

// dialIn needs Linux's network namespaces.
func dialIn(netns, addr string) (net.Conn, error) { return nil, errors.ErrUnsupported }
