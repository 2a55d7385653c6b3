package lab

import (
	"context"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/enginelock"
	"github.com/multistage-lab/multistage-lab/internal/event"
)

// Lock takes the engine's lock for target before the lab changes anything
// there (see package enginelock), waiting while another run holds it, and
// returns what gives it back. What it waits for, or takes over, is said in
// a line; on the live board the engine's status says it waits.
func (l *Lab) Lock(ctx context.Context, target string) (release func(), err error) {
	lk, err := enginelock.Acquire(ctx, l.Client, enginelock.Options{
		Target:  target,
		Timeout: l.Settings.LockTimeout,
		Say:     func(line string) { l.emit(event.Said{Text: line}) },
		Status:  func(s string) { l.status("%s", s) },
	})
	if err != nil && refusesAPIVersion(err) {
		// An engine that refuses this client's API version (a
		// DOCKER_API_VERSION below its minimum) refuses every call: the
		// step can change nothing there, and says why in its own words.
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	return lk.Release, nil
}

// refusesAPIVersion reports whether err is the engine refusing the API
// version the client speaks.
func refusesAPIVersion(err error) bool {
	return strings.Contains(err.Error(), "is too old. Minimum supported API version")
}
