package enginelock

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// fakeEngine keeps containers by name, refuses a second of one name as the
// engine does, and keeps each container's /heartbeat.
type fakeEngine struct {
	mu      sync.Mutex
	image   bool
	byName  map[string]*fakeContainer
	next    int
	beats   int
	removed []string
	renames int
	noBeats bool // the holder's heartbeats are lost, as a dead holder's
	// beforeCreate, if set, runs once when a container is next created,
	// before the engine looks at the name; afterList runs once after the
	// next list.
	beforeCreate, afterList func()
}

type fakeContainer struct {
	id     string
	labels map[string]string
	beat   time.Time
	body   []byte // /heartbeat's content
}

func newFake() *fakeEngine { return &fakeEngine{byName: map[string]*fakeContainer{}} }

func (f *fakeEngine) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (image.InspectResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.image {
		return image.InspectResponse{}, errdefs.NotFound(errors.New("no such image"))
	}
	return image.InspectResponse{ID: "sha256:lock"}, nil
}

func (f *fakeEngine) ImageImport(_ context.Context, src image.ImportSource, ref string, o image.ImportOptions) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, _ = io.Copy(io.Discard, src.Source)
	f.image = ref == Image && strings.Contains(strings.Join(o.Changes, " "), Label+"=image")
	return io.NopCloser(strings.NewReader(`{"status":"sha256:lock"}`)), nil
}

func (f *fakeEngine) ContainerCreate(_ context.Context, cfg *container.Config, _ *container.HostConfig, _ *network.NetworkingConfig, _ *v1.Platform, name string) (container.CreateResponse, error) {
	f.mu.Lock()
	before := f.beforeCreate
	f.beforeCreate = nil
	f.mu.Unlock()
	if before != nil {
		before()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.image {
		return container.CreateResponse{}, errdefs.NotFound(errors.New("no such image: " + cfg.Image))
	}
	if _, ok := f.byName[name]; ok {
		return container.CreateResponse{}, errdefs.Conflict(errors.New(`Conflict. The container name "/` + name + `" is already in use`))
	}
	f.next++
	c := &fakeContainer{id: "ctr" + strconv.Itoa(f.next), labels: cfg.Labels}
	f.byName[name] = c
	return container.CreateResponse{ID: c.id}, nil
}

func (f *fakeEngine) find(ref string) *fakeContainer {
	for name, c := range f.byName {
		if name == ref || c.id == ref {
			return c
		}
	}
	return nil
}

func (f *fakeEngine) ContainerInspect(_ context.Context, ref string) (container.InspectResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.find(ref)
	if c == nil {
		return container.InspectResponse{}, errdefs.NotFound(errors.New("no such container"))
	}
	return container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{ID: c.id}, Config: &container.Config{Labels: c.labels}}, nil
}

func (f *fakeEngine) ContainerRemove(_ context.Context, ref string, o container.RemoveOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, c := range f.byName {
		if c.id == ref || name == ref {
			delete(f.byName, name)
			f.removed = append(f.removed, c.id)
			return nil
		}
	}
	return errdefs.NotFound(errors.New("no such container"))
}

func (f *fakeEngine) CopyToContainer(_ context.Context, id, dst string, r io.Reader, _ container.CopyToContainerOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.find(id)
	if c == nil {
		return errdefs.NotFound(errors.New("no such container"))
	}
	tr := tar.NewReader(r)
	hdr, err := tr.Next()
	if err != nil || dst != "/" || "/"+hdr.Name != heartbeat {
		return errors.New("not a heartbeat")
	}
	body, _ := io.ReadAll(tr)
	if !f.noBeats {
		c.beat, c.body = time.Now(), body
		f.beats++
	}
	return nil
}

func (f *fakeEngine) ContainerStatPath(_ context.Context, id, path string) (container.PathStat, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.find(id)
	if c == nil || c.beat.IsZero() || path != heartbeat {
		return container.PathStat{}, errdefs.NotFound(errors.New("no such file"))
	}
	return container.PathStat{Name: "heartbeat", Mtime: c.beat, Size: int64(len(c.body))}, nil
}

// ContainerList lists the containers with the lock's label, by name.
func (f *fakeEngine) ContainerList(_ context.Context, o container.ListOptions) ([]container.Summary, error) {
	f.mu.Lock()
	after := f.afterList
	f.afterList = nil
	if after != nil {
		defer after()
	}
	defer f.mu.Unlock()
	var out []container.Summary
	for name, c := range f.byName {
		if _, ok := c.labels[Label]; o.Filters.Contains("label") && !ok {
			continue
		}
		out = append(out, container.Summary{ID: c.id, Names: []string{"/" + name}, Labels: c.labels})
	}
	return out, nil
}

// ContainerRename renames as the engine does: it finds the container by
// its name or ID, then, under that container's own lock (here: the
// fake's), refuses the name it has now and a name another container has.
// Between the two another rename can run, as on the engine.
func (f *fakeEngine) ContainerRename(_ context.Context, ref, name string) error {
	f.mu.Lock()
	c := f.find(ref)
	f.mu.Unlock()
	if c == nil {
		return errdefs.NotFound(errors.New("No such container: " + ref))
	}
	time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	for old, k := range f.byName {
		if k != c {
			continue
		}
		if old == name {
			return errdefs.InvalidParameter(errors.New("Renaming a container with the same name as its current name"))
		}
		if _, taken := f.byName[name]; taken {
			return errdefs.Conflict(errors.New(`Conflict. The container name "/` + name + `" is already in use`))
		}
		delete(f.byName, old)
		f.byName[name] = c
		f.renames++
		return nil
	}
	return errdefs.NotFound(errors.New("No such container: " + ref))
}

var _ Client = (*fakeEngine)(nil)

// names are the fake's containers' names, in order.
func (f *fakeEngine) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.byName))
}

// said collects what the lock tells, goroutine-safe.
type said struct {
	mu    sync.Mutex
	lines []string
}

func (s *said) say(line string) { s.mu.Lock(); s.lines = append(s.lines, line); s.mu.Unlock() }
func (s *said) all() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.lines, "\n")
}

func fast(host string, pid int, s *said) Options {
	return Options{Target: "build", Host: host, PID: pid, Beat: 20 * time.Millisecond, StaleAfter: 2 * time.Second, Poll: 10 * time.Millisecond, Timeout: 10 * time.Second, Say: s.say}
}

// named waits for the holder's first beat, which names it.
func named(t *testing.T, f *fakeEngine) {
	t.Helper()
	require.Eventually(t, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.beats > 0 }, 5*time.Second, time.Millisecond)
}

func TestAFreeEngineIsTakenAtOnceAndGivenBack(t *testing.T) {
	f := newFake()
	var s said
	l, err := Acquire(t.Context(), f, fast("ci-1", 10, &s))
	require.NoError(t, err)
	assert.True(t, f.image, "the lock's image is made, with its label")
	h, held, err := Held(t.Context(), f)
	require.NoError(t, err)
	require.True(t, held)
	assert.Equal(t, "ci-1", h.Host, "the holder's card names it at once")
	assert.Equal(t, 10, h.PID)
	assert.Equal(t, "build", h.Target)
	assert.WithinDuration(t, time.Now(), h.Since, 5*time.Second)
	assert.Eventually(t, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.beats >= 3 }, 5*time.Second, 10*time.Millisecond, "the holder beats")
	l.Release()
	_, held, err = Held(t.Context(), f)
	require.NoError(t, err)
	assert.False(t, held)
	assert.Contains(t, f.byName, Free, "given back: renamed free")
	assert.Contains(t, f.byName, Nobody, "the card names nobody")
	assert.Empty(t, f.removed, "the lock's container stays for the next run")
	assert.Empty(t, s.all(), "nothing to say when nobody waits")

	// The next run takes the same container and card, with renames only.
	renames, made := f.renames, f.next
	l, err = Acquire(t.Context(), f, fast("ci-1", 11, &s))
	require.NoError(t, err)
	l.Release()
	assert.Equal(t, renames+4, f.renames, "taken, its card named for its holder, both given back")
	assert.Equal(t, made, f.next, "nothing made")
	assert.Len(t, f.byName, 2)
}

func TestASecondRunWaitsForTheFirst(t *testing.T) {
	f := newFake()
	var s1, s2 said
	first, err := Acquire(t.Context(), f, fast("ci-1", 10, &s1))
	require.NoError(t, err)
	time.AfterFunc(300*time.Millisecond, first.Release)
	var status []string
	o := fast("ci-2", 20, &s2)
	o.Status = func(x string) { status = append(status, x) }
	start := time.Now()
	second, err := Acquire(t.Context(), f, o)
	require.NoError(t, err)
	defer second.Release()
	assert.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond)
	assert.Regexp(t, `^the engine is busy: build on ci-1 \(pid 10\), since \d\d:\d\d:\d\d holds the lab's lock; waiting for it \(at most 10s, LAB_LOCK_TIMEOUT\)\ngot the engine's lock after waiting 0\.\ds$`, s2.all())
	assert.Len(t, status, 1)
	assert.Contains(t, status[0], "waiting for build on ci-1 (pid 10)")
	assert.Empty(t, f.removed, "a lock given back is renamed, never removed")
	assert.Equal(t, []string{Name, heldName(Holder{Host: "ci-2", PID: 20, Target: "build", Since: start.UTC().Truncate(time.Second)})}, f.names(), "one lock, held by the second, and its card")
}

func TestALiveHolderOutlastsTheTimeout(t *testing.T) {
	f := newFake()
	var s said
	first, err := Acquire(t.Context(), f, fast("ci-1", 10, &s))
	require.NoError(t, err)
	defer first.Release()
	o := fast("ci-2", 20, &s)
	o.Timeout = 300 * time.Millisecond
	_, err = Acquire(t.Context(), f, o)
	require.ErrorIs(t, err, ErrBusy)
	assert.Regexp(t, `^the engine is busy: build on ci-1 \(pid 10\), since .* has held the lab's lock for longer than LAB_LOCK_TIMEOUT \(300ms\): wait and try again, raise LAB_LOCK_TIMEOUT, or, if that run is gone, .docker rm -f multistage-lab-lock.$`, err.Error())
	h, held, _ := Held(t.Context(), f)
	assert.True(t, held)
	assert.Equal(t, "ci-1", h.Host, "the waiter took nothing")
}

func TestCtrlCWhileWaitingLeavesNothing(t *testing.T) {
	f := newFake()
	var s said
	first, err := Acquire(t.Context(), f, fast("ci-1", 10, &s))
	require.NoError(t, err)
	defer first.Release()
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = Acquire(ctx, f, fast("ci-2", 20, &s))
	require.ErrorIs(t, err, context.Canceled)
	assert.Len(t, f.byName, 2, "the first's lock and card")
	assert.Empty(t, f.removed)
}

func TestAStaleLockIsTakenOver(t *testing.T) {
	t.Run("its process is gone from this host", func(t *testing.T) {
		f := newFake()
		var s said
		// A holder on this host whose process has ended (a pid that cannot
		// be running: above the kernel's limit).
		_, err := Acquire(t.Context(), f, fast("this-host", 1<<30, &s))
		require.NoError(t, err)
		named(t, f)
		start := time.Now()
		l, err := Acquire(t.Context(), f, fast("this-host", 20, &s))
		require.NoError(t, err)
		defer l.Release()
		assert.Less(t, time.Since(start), time.Second, "no heartbeat wait for a holder known to be dead")
		assert.Contains(t, s.all(), "taking over a stale lock: build on this-host (pid 1073741824)")
		assert.Contains(t, s.all(), "and process 1073741824 is gone from this host")
		assert.NotContains(t, s.all(), "the engine is busy", "a lock known to be stale is not waited for")
		assert.Eventually(t, func() bool { h, _, _ := Held(t.Context(), f); return h.PID == 20 }, 5*time.Second, time.Millisecond)
		assert.Len(t, f.removed, 1, "the stale lock's container went; a new one was made")
	})
	t.Run("no heartbeat from another host", func(t *testing.T) {
		f := newFake()
		var s said
		dead, err := Acquire(t.Context(), f, fast("other-host", 10, &s))
		require.NoError(t, err)
		named(t, f)
		// The holder's machine is gone: its heartbeats stop.
		dead.stop()
		f.mu.Lock()
		f.noBeats = true
		f.mu.Unlock()
		start := time.Now()
		l, err := Acquire(t.Context(), f, fast("this-host", 20, &s))
		require.NoError(t, err)
		defer l.Release()
		took := time.Since(start)
		assert.GreaterOrEqual(t, took, 2*time.Second, "a remote holder is given StaleAfter")
		assert.Contains(t, s.all(), "taking over a stale lock: build on other-host (pid 10)")
		assert.Contains(t, s.all(), "and no heartbeat for 2s")
	})
	t.Run("a remote holder that beats is waited for", func(t *testing.T) {
		f := newFake()
		var s said
		live, err := Acquire(t.Context(), f, fast("other-host", 10, &s))
		require.NoError(t, err)
		defer live.Release()
		o := fast("this-host", 20, &s)
		o.Timeout = 3 * time.Second
		_, err = Acquire(t.Context(), f, o)
		require.ErrorIs(t, err, ErrBusy, "a heartbeat every 20ms keeps the lock past StaleAfter (2s)")
		assert.NotContains(t, s.all(), "taking over")
	})
}

// TestOnlyOneRunHoldsTheLockAtATime: runs that take and give back the lock
// over and over, all at once, never hold it together.
func TestOnlyOneRunHoldsTheLockAtATime(t *testing.T) {
	f := newFake()
	var s said
	taken, most := testkit.TakeTurns(4, 15, time.Millisecond, func(run int) (func(), bool) {
		l, err := Acquire(t.Context(), f, fast(fmt.Sprint("ci-", run), 100+run, &s))
		return func() { l.Release() }, assert.NoError(t, err)
	})
	assert.Equal(t, 60, taken)
	assert.Equal(t, 1, most, "never two holders at once")
	assert.Equal(t, []string{Free, Nobody}, f.names())
}

// TestTwoLocksMadeAtOnceGiveOneHolder: two runs find no lock on the
// engine; one makes it and takes it while the other is about to make one
// more. The second makes its own, sees the engine has a lock, removes its
// own and waits: never two holders, and one free lock once both are done.
func TestTwoLocksMadeAtOnceGiveOneHolder(t *testing.T) {
	f := newFake()
	f.image = true
	var s said
	first := make(chan *Lock, 1)
	f.beforeCreate = func() {
		l, err := Acquire(t.Context(), f, fast("ci-1", 10, &s))
		assert.NoError(t, err)
		first <- l
	}
	got := make(chan error, 1)
	var second *Lock
	go func() {
		var err error
		second, err = Acquire(t.Context(), f, fast("ci-2", 20, &s))
		got <- err
	}()
	l := <-first
	require.NotNil(t, l)
	testkit.StillWaiting(t, got, 300*time.Millisecond, "the second run took the engine while the first held it")
	f.mu.Lock()
	made := f.next
	f.mu.Unlock()
	assert.Equal(t, 3, made, "the second run made a lock of its own, as a run that found none does (the first made a lock and a card)")
	assert.Len(t, f.removed, 1, "and removed it")
	assert.Len(t, f.byName, 2, "the first run's lock, the engine's one lock, and its card")
	assert.Contains(t, s.all(), "the engine is busy: build on ci-1 (pid 10)")
	l.Release()
	require.NoError(t, <-got)
	h, held, err := Held(t.Context(), f)
	require.NoError(t, err)
	require.True(t, held)
	assert.Equal(t, 20, h.PID)
	second.Release()
	assert.Equal(t, []string{Free, Nobody}, f.names(), "one lock and its card are left")
}

// TestADeadRunsCardIsNotTakenForTheHolder: a run that has just taken the
// lock is read from the newest card until it names its own, and that card
// may still name a run on this host that died. A waiter that sees a dead
// holder looks again before it takes the lock over: by then the card names
// the live holder, whom it waits for.
func TestADeadRunsCardIsNotTakenForTheHolder(t *testing.T) {
	f := newFake()
	f.image = true
	ctx := t.Context()
	lockCfg := &container.Config{Labels: map[string]string{Label: "container"}}
	_, err := f.ContainerCreate(ctx, lockCfg, nil, nil, nil, Name)
	require.NoError(t, err)
	dead := heldName(Holder{Host: "this-host", PID: 1 << 30, Target: "build", Since: time.Now().Add(-time.Hour)})
	_, err = f.ContainerCreate(ctx, &container.Config{Labels: map[string]string{Label: "card"}}, nil, nil, nil, dead)
	require.NoError(t, err)
	live := heldName(Holder{Host: "other-host", PID: 7, Target: "all", Since: time.Now()})
	f.afterList = func() { assert.NoError(t, f.ContainerRename(ctx, dead, live)) }
	var s said
	o := fast("this-host", 20, &s)
	o.Timeout = 300 * time.Millisecond
	_, err = Acquire(ctx, f, o)
	require.ErrorIs(t, err, ErrBusy)
	assert.NotContains(t, s.all(), "taking over")
	assert.Contains(t, s.all(), "the engine is busy: all on other-host (pid 7)")
	assert.Empty(t, f.removed, "the live holder's lock stays")
}

// TestALockLeftHalfMadeIsTakenOver: a run that died while it made the lock
// (its container still named multistage-lab-lock-making) is waited for as
// a run that is just starting, then taken over.
func TestALockLeftHalfMadeIsTakenOver(t *testing.T) {
	f := newFake()
	f.image = true
	_, err := f.ContainerCreate(t.Context(), &container.Config{Labels: map[string]string{Label: "container"}}, nil, nil, nil, Making)
	require.NoError(t, err)
	var s said
	start := time.Now()
	l, err := Acquire(t.Context(), f, fast("ci-1", 10, &s))
	require.NoError(t, err)
	defer l.Release()
	assert.GreaterOrEqual(t, time.Since(start), 2*time.Second, "given StaleAfter")
	assert.Contains(t, s.all(), "the engine is busy: a run that is just starting holds the lab's lock")
	assert.Contains(t, s.all(), "taking over a stale lock: a run that is just starting held it, and no heartbeat for 2s")
	assert.NotContains(t, f.byName, Making)
}

// TestALockAnEarlierLabMadeIsWaitedFor: a lock created by an earlier lab,
// its holder in its labels, is named from them and waited for.
func TestALockAnEarlierLabMadeIsWaitedFor(t *testing.T) {
	f := newFake()
	f.image = true
	_, err := f.ContainerCreate(t.Context(), &container.Config{Labels: map[string]string{Label: "container", LabelHost: "old-host", LabelPID: "7", LabelTarget: "all", LabelSince: "2026-11-30T10:00:00Z"}}, nil, nil, nil, Name)
	require.NoError(t, err)
	var s said
	o := fast("this-host", 20, &s)
	o.Timeout = 100 * time.Millisecond
	_, err = Acquire(t.Context(), f, o)
	require.ErrorIs(t, err, ErrBusy)
	assert.Contains(t, err.Error(), "all on old-host (pid 7), since ")
	h, held, err := Held(t.Context(), f)
	require.NoError(t, err)
	assert.True(t, held)
	assert.Equal(t, 7, h.PID)
}

// TestTheLocksNameSaysWhoHoldsIt: the held lock's name carries its holder,
// whatever the host and target are called, and reads back the same.
func TestTheLocksNameSaysWhoHoldsIt(t *testing.T) {
	h := Holder{PID: 4242, Since: time.Date(2026, 12, 1, 19, 14, 0, 0, time.UTC), Target: "clean:all", Host: "ci_runner.example.com"}
	name := heldName(h)
	assert.Equal(t, "multistage-lab-lock.4242.1796152440.clean_3aall.ci_5frunner_2eexample_2ecom", name)
	assert.Regexp(t, `^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`, name, "a name the engine accepts")
	back, ok := parseHeld("/" + name)
	require.True(t, ok)
	assert.Equal(t, h, back)
	for _, bad := range []string{Name, Free, Name + ".12", Name + ".x.1.a.b", Name + ".1.2.a_zz.b", Name + ".1.2.a.b_4"} {
		_, ok := parseHeld(bad)
		assert.False(t, ok, bad)
	}
}

// TestAShortRunWritesNoHeartbeat: a run shorter than a beat (a warm build)
// writes nothing into the lock's container; a longer one beats.
func TestAShortRunWritesNoHeartbeat(t *testing.T) {
	f := newFake()
	var s said
	o := fast("ci-1", 10, &s)
	o.Beat = 200 * time.Millisecond
	l, err := Acquire(t.Context(), f, o)
	require.NoError(t, err)
	l.Release()
	assert.Zero(t, f.beats)
	l, err = Acquire(t.Context(), f, o)
	require.NoError(t, err)
	time.Sleep(500 * time.Millisecond)
	l.Release()
	assert.GreaterOrEqual(t, f.beats, 2)
}

// TestAContainerInTheLocksWayIsNamed: a container of the user's that holds
// the lock's name is no lock: the lab says so and waits for nothing.
func TestAContainerInTheLocksWayIsNamed(t *testing.T) {
	f := newFake()
	f.image = true
	_, err := f.ContainerCreate(t.Context(), &container.Config{}, nil, nil, nil, Name)
	require.NoError(t, err)
	var s said
	_, err = Acquire(t.Context(), f, fast("ci-1", 10, &s))
	require.ErrorContains(t, err, "a container named multistage-lab-lock that is not the lab's lock is in the way: rename or remove it")
}
