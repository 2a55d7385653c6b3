package testkit

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TakeTurns starts runs goroutines at once; each takes a lock turns times
// through take, holds it for hold and gives it back. It returns the turns
// taken and the most holders there were at one time; a take that fails
// ends that goroutine's turns (take reports the error).
func TakeTurns(runs, turns int, hold time.Duration, take func(run int) (release func(), ok bool)) (taken, most int) {
	var inside, peak, count atomic.Int32
	var wg sync.WaitGroup
	for run := range runs {
		wg.Go(func() {
			for range turns {
				release, ok := take(run)
				if !ok {
					return
				}
				n := inside.Add(1)
				for m := peak.Load(); n > m && !peak.CompareAndSwap(m, n); m = peak.Load() {
				}
				time.Sleep(hold)
				inside.Add(-1)
				count.Add(1)
				release()
			}
		})
	}
	wg.Wait()
	return int(count.Load()), int(peak.Load())
}

// StillWaiting fails the test if done delivers within d: what it says
// must not have happened by then.
func StillWaiting[T any](t testing.TB, done <-chan T, d time.Duration, what string) {
	t.Helper()
	select {
	case v := <-done:
		t.Fatalf("%s (%v)", what, v)
	case <-time.After(d):
	}
}
