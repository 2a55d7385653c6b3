package lab

import (
	"context"

	"github.com/multistage-lab/multistage-lab/internal/enginelock"
)

// Lock takes the engine's lock for target before the lab changes anything
// there (see package enginelock), waiting while another run holds it, and
// returns what gives it back. What it waits for, or takes over, is said in
// a line; on the live board the engine's status says it waits.
func (l *Lab) Lock(ctx context.Context, target string) (release func(), err error) {
	lk, err := enginelock.Acquire(ctx, l.Client, enginelock.Options{
		Target:  target,
		Timeout: l.Settings.LockTimeout,
		Say:     func(line string) { l.printf("%s\n", line) },
		Status:  func(s string) { l.status("%s", s) },
	})
	if err != nil {
		return nil, err
	}
	return lk.Release, nil
}
