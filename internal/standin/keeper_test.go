package standin_test

import (
	"context"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/engine/enginetest"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/standin"
)

// TestTheKeeperRemovesOnlyStandins: of an absent base, a real one and a
// stand-in, only the stand-in is removed, and each one's fate is an event.
func TestTheKeeperRemovesOnlyStandins(t *testing.T) {
	on := map[string]checks.Base{
		"golang:latest": {Ref: "golang:latest", ID: "sha256:real"},
		"alpine:latest": {Ref: "alpine:latest", ID: "sha256:standin", Standin: true},
	}
	var removed []string
	var said []event.Event
	k := &standin.Keeper{
		Client: &enginetest.Fake{ImageRemoveFunc: func(ref string, _ image.RemoveOptions) ([]image.DeleteResponse, error) {
			removed = append(removed, ref)
			return nil, nil
		}},
		Say: func(e event.Event) { said = append(said, e) },
		Inspect: func(_ context.Context, ref string, _ bool) (checks.Base, bool, error) {
			b, ok := on[ref]
			return b, ok, nil
		},
	}
	require.NoError(t, k.Remove(t.Context(), []string{"busybox:latest", "golang:latest", "alpine:latest"}))
	assert.Equal(t, []string{"alpine:latest"}, removed)
	assert.Equal(t, []event.Event{
		event.StandinAbsent{Ref: "busybox:latest"},
		event.RealKept{Ref: "golang:latest"},
		event.StandinRemoved{Ref: "alpine:latest", ID: "sha256:standin"},
	}, said)
}

// TestTheKeeperKeepsAStandinOffline: with no registry answering, Replace
// keeps the stand-in without a word.
func TestTheKeeperKeepsAStandinOffline(t *testing.T) {
	old := checks.Base{Ref: "alpine:latest", ID: "sha256:standin", Standin: true}
	var said []event.Event
	k := &standin.Keeper{
		Client:   &enginetest.Fake{},
		Say:      func(e event.Event) { said = append(said, e) },
		PullAuth: func(string) (string, error) { return "", nil },
		Pull:     func(context.Context, string) error { t.Fatal("pulled although the registry has nothing"); return nil },
	}
	b, err := k.Replace(t.Context(), old)
	require.NoError(t, err)
	assert.Equal(t, old, b)
	assert.Empty(t, said)
}
