package testkit

import (
	"flag"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// Rooms let the engine tests of one test process run side by side where
// they cannot see each other, and alone where they could. Each such test
// says at its start which room it works in, and is then run in parallel
// with the tests of the rooms it shares nothing with:
//
//   - Alone: the machine's engine to itself. A test that compares a
//     snapshot of the whole engine before and after, takes or waits for the
//     lab's lock, builds the seed's own multi-state images, or removes the
//     stand-ins no other test may be working on at the time.
//   - Beside: the machine's engine, under image names of the test's own
//     (its own lab file's repositories), beside other Beside tests; never
//     beside an Alone one.
//   - OwnEngine: an engine of the test's own (a second dockerd in a network
//     namespace); the machine's engine it only reads. One such test at a
//     time, beside whatever runs on the machine's engine.
//
// A test is in one room. A test that says nothing runs before every test
// that does, one at a time, as go test runs tests.
var (
	machine sync.RWMutex
	own     sync.Mutex
)

// Alone runs t in parallel with the tests of other rooms, and with the
// machine's engine its own.
func Alone(t *testing.T) { t.Helper(); enter(t, machine.Lock, machine.Unlock) }

// Beside runs t in parallel with the other Beside tests and the OwnEngine
// ones, never with an Alone test.
func Beside(t *testing.T) { t.Helper(); enter(t, machine.RLock, machine.RUnlock) }

// OwnEngine runs t in parallel with the tests on the machine's engine, one
// OwnEngine test at a time.
func OwnEngine(t *testing.T) { t.Helper(); enter(t, own.Lock, own.Unlock) }

// enter runs t in parallel, then in the room lock takes, until t ends.
func enter(t *testing.T, lock, unlock func()) {
	t.Helper()
	t.Parallel()
	lock()
	t.Cleanup(unlock)
}

// RoomsParallel raises go test's -parallel, unless the command line set
// it, to 8 (4 a core where there are more), so that tests of other rooms
// find places while some wait for theirs. A test waiting for its room
// holds a place, so the tests enter their rooms about in the files' order;
// with a place for every test, all started at once and each took longer
// on two cores (docs/design.md). Call it from TestMain after flag.Parse.
func RoomsParallel() {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if f := flag.Lookup("test.parallel"); f != nil && !set {
		_ = f.Value.Set(strconv.Itoa(max(8, 4*runtime.GOMAXPROCS(0))))
	}
}
