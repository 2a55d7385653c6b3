package lab

import (
	"io"
	"net"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// TestOpenOnReachesOnlyItsEngine: a run on one of LAB_ENGINES asks that
// engine, and never the one DOCKER_HOST names.
func TestOpenOnReachesOnlyItsEngine(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var asked atomic.Int32
	testkit.Serve(t, ln, func(c net.Conn) { asked.Add(1); c.Close() })
	env := testkit.Env(map[string]string{"DOCKER_HOST": "tcp://" + ln.Addr().String()})

	_, _, err = OpenOn(t.Context(), Env{Out: io.Discard, Getenv: env, Dir: projectRoot(t)}, "tcp://"+testkit.RefusedAddress(t))
	require.ErrorIs(t, err, engine.ErrUnreachable)
	assert.Contains(t, err.Error(), "tcp://127.0.0.1:", "the LAB_ENGINES entry's own error")
	assert.Zero(t, asked.Load(), "DOCKER_HOST's engine was not asked")
}
