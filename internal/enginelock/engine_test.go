package enginelock

import (
	"testing"

	"github.com/docker/docker/client"

	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// BenchmarkAcquireAndRelease is what the lock adds to a run on the engine
// DOCKER_HOST names, when nobody else holds it (go test -run '^$' -bench
// . ./internal/enginelock/).
func BenchmarkAcquireAndRelease(b *testing.B) {
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	testkit.EngineAnswered(b, err)
	defer c.Close()
	_, err = c.Ping(b.Context())
	testkit.EngineAnswered(b, err)
	for b.Loop() {
		l, err := Acquire(b.Context(), c, Options{Target: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		l.Release()
	}
}
