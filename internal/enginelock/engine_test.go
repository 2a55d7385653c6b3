package enginelock

import (
	"testing"

	"github.com/docker/docker/client"
)

// BenchmarkAcquireAndRelease is what the lock adds to a run on the engine
// DOCKER_HOST names, when nobody else holds it (go test -run '^$' -bench
// . ./internal/enginelock/).
func BenchmarkAcquireAndRelease(b *testing.B) {
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		b.Skip(err)
	}
	defer c.Close()
	if _, err := c.Ping(b.Context()); err != nil {
		b.Skip("no engine: ", err)
	}
	for b.Loop() {
		l, err := Acquire(b.Context(), c, Options{Target: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		l.Release()
	}
}
