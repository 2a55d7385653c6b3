package engine

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConnectToAMissingSocket(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent.sock")
	start := time.Now()
	_, err := Connect(t.Context())
	require.ErrorIs(t, err, ErrUnreachable)
	assert.EqualError(t, err, "no Docker Engine answers at DOCKER_HOST=unix:///nonexistent.sock: start Docker (or dockerd), or set DOCKER_HOST to an engine that runs")
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestConnectToAPortThatNeverAnswers(t *testing.T) {
	// A listener that accepts connections and never says a word.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	t.Setenv("DOCKER_HOST", "tcp://"+ln.Addr().String())
	start := time.Now()
	_, err = Connect(t.Context())
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "DOCKER_HOST=tcp://"+ln.Addr().String()+" (no answer in 5s)")
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestConnectWithABadHost(t *testing.T) {
	t.Setenv("DOCKER_HOST", "bogus://x")
	_, err := Connect(t.Context())
	require.ErrorIs(t, err, ErrUnreachable)
	assert.EqualError(t, err, `no Docker Engine answers: DOCKER_HOST=bogus://x has the scheme "bogus": use unix://, tcp:// or npipe://`)
}

func TestConnectToTheEngine(t *testing.T) {
	if os.Getenv("DOCKER_HOST") == "" {
		if _, err := os.Stat(filepath.FromSlash("/var/run/docker.sock")); err != nil && os.Getenv("CI") != "true" {
			t.Skip("no engine socket here")
		}
	}
	c, err := Connect(t.Context())
	require.NoError(t, err, "CI needs a Docker Engine")
	defer c.Close()
	v, err := c.ServerVersion(t.Context())
	require.NoError(t, err)
	assert.NotEmpty(t, v.APIVersion)
	assert.Equal(t, v.APIVersion, c.ClientVersion(), "the client negotiated the engine's API version")
}
