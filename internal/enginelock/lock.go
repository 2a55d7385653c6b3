// Package enginelock is the lab's lock on an engine: two runs that change
// the same engine (two CI jobs on one runner, a teacher's LAB_ENGINES run
// beside a student's own) would remove each other's containers and move
// each other's tags, so the second waits for the first.
//
// The lock lives on the engine, so it holds for runs on different machines:
// a never-started container. Free, it is named multistage-lab-lock-free. A
// run takes it by renaming it multistage-lab-lock, and keeps that name
// while it holds it: the engine renames a container only to a name it
// does not have, checked under the container's own lock, so of the runs
// that rename it at once one does, and a rename that found it free but
// reached it after another run took it is refused too. (A lock named for
// its holder while held was not safe: such a late rename moved it from
// the holder's name to multistage-lab-lock.) Who holds it is on a second
// container, the holder's card, which only the holder renames: for itself,
// multistage-lab-lock.PID.SINCE.TARGET.HOST, right after taking the lock,
// and multistage-lab-lock-holder as it gives it back by renaming the lock
// free. Renames cost the engine a few milliseconds, where creating and
// removing a container cost it 50 or more on the containerd image store.
// The lock is made once, under a name of its own that one run at a time
// can have (multistage-lab-lock-making), and named free only if the engine
// has no other lock then: two runs that found none never make two.
// A holder that works longer than a beat (5 s) writes /heartbeat into it
// every beat, so a waiter can tell a live holder from one that died
// without giving the lock back (writing into a container costs a graph
// driver such as fuse-overlayfs a mount and a helper process, 0.5 s on the
// project's machine: a warm build writes none).
package enginelock

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/jsonmessage"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Client is the part of the Engine API the lock uses.
type Client interface {
	ImageInspect(ctx context.Context, imageID string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ImageImport(ctx context.Context, source image.ImportSource, ref string, options image.ImportOptions) (io.ReadCloser, error)
	ContainerCreate(ctx context.Context, config *container.Config, hostConfig *container.HostConfig, networkingConfig *network.NetworkingConfig, platform *v1.Platform, containerName string) (container.CreateResponse, error)
	ContainerRemove(ctx context.Context, containerID string, options container.RemoveOptions) error
	ContainerRename(ctx context.Context, containerID, newContainerName string) error
	ContainerList(ctx context.Context, options container.ListOptions) ([]container.Summary, error)
	CopyToContainer(ctx context.Context, containerID, dstPath string, content io.Reader, options container.CopyToContainerOptions) error
	ContainerStatPath(ctx context.Context, containerID, path string) (container.PathStat, error)
	ContainerInspect(ctx context.Context, containerID string) (container.InspectResponse, error)
}

// Names and labels of the lock, as `docker ps -a` and `docker image ls`
// show them.
const (
	Name  = "multistage-lab-lock"
	Free  = "multistage-lab-lock-free"
	Image = "multistage-lab-lock:v1"
	// Nobody names the holder's card when no run holds the lock.
	Nobody = "multistage-lab-lock-holder"
	// Making names the lock while a run makes it (see makeFree).
	Making = "multistage-lab-lock-making"
	// Label marks the lock's container ("container"), the holder's card
	// ("card") and their image ("image").
	Label = "io.multistage-lab.lock"
	// The holder labels of a lock made by the lab before it renamed one:
	// such a lock is read, waited for and taken over all the same.
	LabelHost   = "io.multistage-lab.lock.host"
	LabelPID    = "io.multistage-lab.lock.pid"
	LabelTarget = "io.multistage-lab.lock.target"
	LabelSince  = "io.multistage-lab.lock.since"
	heartbeat   = "/heartbeat"
)

// Defaults for Options left zero.
const (
	DefaultTimeout    = 5 * time.Minute
	DefaultBeat       = 5 * time.Second
	DefaultStaleAfter = 30 * time.Second
	defaultPoll       = 500 * time.Millisecond
)

// ErrBusy says another run held the engine for longer than the waiter
// would wait.
var ErrBusy = errors.New("the engine is busy")

// Options say how to wait and what to tell.
type Options struct {
	// Target is what this run does ("build"), for the holder's labels.
	Target string
	// Timeout is how long to wait for another run (LAB_LOCK_TIMEOUT).
	Timeout time.Duration
	// Beat is how often the holder writes its heartbeat; StaleAfter is how
	// long a waiter sees no new heartbeat before it takes the lock over.
	Beat, StaleAfter time.Duration
	// Poll is how often a waiter tries again.
	Poll time.Duration
	// Say is told, in a line, that the run waits, takes a stale lock over,
	// or got the engine after waiting; Status in a few words that it waits.
	Say, Status func(string)
	// Host and PID say who this is; the machine's and process's by default.
	Host string
	PID  int
}

func (o *Options) defaults() {
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Beat == 0 {
		o.Beat = DefaultBeat
	}
	if o.StaleAfter == 0 {
		o.StaleAfter = DefaultStaleAfter
	}
	if o.Poll == 0 {
		o.Poll = defaultPoll
	}
	if o.Say == nil {
		o.Say = func(string) {}
	}
	if o.Status == nil {
		o.Status = func(string) {}
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	if o.PID == 0 {
		o.PID = os.Getpid()
	}
}

// Holder is who holds the lock, as its container's name says (or, for a
// lock made by an earlier lab, its labels). A holder that has just taken
// the lock and not yet named it is known by its container only.
type Holder struct {
	ContainerID string
	card        string // the ID of the card that names it
	Host        string
	PID         int
	Target      string
	Since       time.Time
}

func (h Holder) String() string {
	if h.Host == "" && h.PID == 0 {
		return "a run that is just starting"
	}
	target := h.Target
	if target == "" {
		target = "a run"
	}
	since := "at an unknown time"
	if !h.Since.IsZero() {
		since = "since " + h.Since.Local().Format("15:04:05")
	}
	return fmt.Sprintf("%s on %s (pid %d), %s", target, h.Host, h.PID, since)
}

// key tells one holding from another.
func (h Holder) key() string {
	return h.ContainerID + "|" + h.Host + "|" + strconv.Itoa(h.PID) + "|" + h.Since.String()
}

// heldName is the lock's name while h holds it:
// multistage-lab-lock.PID.SINCE.TARGET.HOST, SINCE in Unix seconds, and in
// TARGET and HOST every byte but a letter, a digit and '-' written _XX (a
// container name allows letters, digits, '_', '.' and '-').
func heldName(h Holder) string {
	return fmt.Sprintf("%s.%d.%d.%s.%s", Name, h.PID, h.Since.Unix(), escape(h.Target), escape(h.Host))
}

// parseHeld reads a holder from the lock's name; false for a name that
// does not say one (the lock just taken, or an earlier lab's).
func parseHeld(name string) (Holder, bool) {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(name, "/"), Name+".")
	if !ok {
		return Holder{}, false
	}
	f := strings.SplitN(rest, ".", 4)
	if len(f) != 4 {
		return Holder{}, false
	}
	pid, err1 := strconv.Atoi(f[0])
	since, err2 := strconv.ParseInt(f[1], 10, 64)
	target, err3 := unescape(f[2])
	host, err4 := unescape(f[3])
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return Holder{}, false
	}
	return Holder{PID: pid, Since: time.Unix(since, 0).UTC(), Target: target, Host: host}, true
}

func escape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "_%02x", c)
		}
	}
	return b.String()
}

func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '_' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", errors.New("short escape")
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", err
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), nil
}

// state is the lock as the engine has it: its container, free or held,
// and the holder's card.
type state struct {
	free, held *container.Summary
	// making is the lock while a run makes it.
	making *container.Summary
	// cards are the holder cards named for a holder, newest first.
	cards []Holder
}

// holder is who holds the lock: the newest card, or the labels of a lock
// an earlier lab made; a run that has just taken it and not yet named its
// card is known by the lock's container only.
func (s state) holder() Holder {
	var h Holder
	if s.held.Labels[LabelPID] != "" {
		h.Host, h.Target = s.held.Labels[LabelHost], s.held.Labels[LabelTarget]
		h.PID, _ = strconv.Atoi(s.held.Labels[LabelPID])
		h.Since, _ = time.Parse(time.RFC3339, s.held.Labels[LabelSince])
	} else if len(s.cards) > 0 && !slices.Contains(s.held.Names, "/"+Making) {
		h = s.cards[0]
		h.card = h.ContainerID
	}
	h.ContainerID = s.held.ID
	return h
}

// readState lists the lock's containers and cards.
func readState(ctx context.Context, c Client) (state, error) {
	list, err := c.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", Label))})
	if err != nil {
		return state{}, fmt.Errorf("read the engine's lock: %w", err)
	}
	var s state
	for i := range list {
		k := &list[i]
		switch {
		case k.Labels[Label] == "card":
			for _, n := range k.Names {
				if h, ok := parseHeld(n); ok {
					h.ContainerID = k.ID
					s.cards = append(s.cards, h)
				}
			}
		case k.Labels[Label] != "container":
		case slices.Contains(k.Names, "/"+Free):
			s.free = k
		case slices.Contains(k.Names, "/"+Making):
			s.making = k
		case s.held == nil:
			s.held = k
		}
	}
	slices.SortFunc(s.cards, func(a, b Holder) int { return b.Since.Compare(a.Since) })
	return s, nil
}

// giveBack names the holder's card nobody's (card: its name; removed if
// the engine has a card named for nobody already), then renames the
// lock's container (id: its ID) free, or removes it if a free one is there
// already. It runs on its own short deadline, so it works after Ctrl-C
// cancelled the run. A lock another run took over (its container removed)
// is left to that run.
func giveBack(c Client, id, card string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if card != "" {
		if err := c.ContainerRename(ctx, card, Nobody); err != nil && !errdefs.IsNotFound(err) {
			remove(c, card)
		}
	}
	if id == "" {
		return
	}
	if err := c.ContainerRename(ctx, id, Free); err != nil && !errdefs.IsNotFound(err) {
		remove(c, id)
	}
}

// remove removes a lock container, on its own short deadline.
func remove(c Client, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = c.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
}

// Lock is a held lock; Release gives it back.
type Lock struct {
	c        Client
	id, card string
	stop     context.CancelFunc
	done     chan struct{}
	once     sync.Once
}

// Release stops the heartbeat and gives the lock back (giveBack).
func (l *Lock) Release() {
	l.once.Do(func() {
		l.stop()
		<-l.done
		giveBack(l.c, l.id, l.card)
	})
}

// Acquire takes the engine's lock, waiting while another live run holds it
// and taking over one whose holder is gone. It gives up after o.Timeout
// with ErrBusy naming the holder, or when ctx ends, having taken nothing.
func Acquire(ctx context.Context, c Client, o Options) (*Lock, error) {
	o.defaults()
	start := time.Now()
	deadline := start.Add(o.Timeout)
	me := Holder{Host: o.Host, PID: o.PID, Target: o.Target, Since: start.UTC().Truncate(time.Second)}
	waited, spins := false, 0
	var watched, lastBeat string
	var lastChange time.Time
	for {
		// The engine renames a container to a name only if that is not
		// the name it has, checked under the container's own lock: of the
		// runs that rename the free lock multistage-lab-lock at once, one
		// does. A rename that found the lock free and then waited for the
		// container is refused too, since the lock keeps that name while
		// it is held.
		err := c.ContainerRename(ctx, Free, Name)
		if err == nil {
			card := heldName(me)
			nameCard(ctx, c, card)
			if waited {
				o.Say(fmt.Sprintf("got the engine's lock after waiting %.1fs", time.Since(start).Seconds()))
			}
			return hold(c, card, o.Beat), nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// Not taken: no free lock (another run holds it, or none was made
		// yet), another run renamed it first (invalid: renamed to the
		// name it has), or an earlier lab's lock holds the name.
		if !errdefs.IsNotFound(err) && !errdefs.IsInvalidParameter(err) && !errdefs.IsConflict(err) {
			return nil, fmt.Errorf("take the engine's lock (rename %s to %s): %w", Free, Name, err)
		}
		st, lerr := readState(ctx, c)
		if lerr != nil {
			return nil, lerr
		}
		if st.held == nil && st.making != nil {
			// A lock being made counts as held by "a run that is just
			// starting": it is waited for, and taken over if it stays
			// that way.
			st.held = st.making
		}
		if st.held == nil {
			switch {
			case st.free == nil:
				// None yet, or a stale one was just removed.
				if err := makeFree(ctx, c); err != nil {
					return nil, err
				}
			case errdefs.IsConflict(err):
				return nil, fmt.Errorf("take the engine's lock: a container named %s that is not the lab's lock is in the way: rename or remove it", Name)
			}
			spins++
			if spins < 10 {
				continue // given back just now: try again at once
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(o.Poll):
			}
			continue
		}
		spins = 0
		h := st.holder()
		beat := readBeat(ctx, c, h.ContainerID)
		now := time.Now()
		same := h.key() == watched
		if !same || beat != lastBeat {
			watched, lastBeat, lastChange = h.key(), beat, now
		}
		// A holder whose process is gone from this host is taken over
		// once it is seen so twice, a poll apart: a run that has just
		// taken the lock is read from the newest card until it names its
		// own, and that card may be a dead run's.
		dead := h.Host == o.Host && h.PID > 0 && h.PID != o.PID && !processAlive(h.PID)
		why := ""
		switch {
		case dead && same:
			why = fmt.Sprintf("process %d is gone from this host", h.PID)
		case now.Sub(lastChange) >= o.StaleAfter:
			why = fmt.Sprintf("no heartbeat for %s", now.Sub(lastChange).Round(time.Second))
		}
		if why != "" {
			o.Say(fmt.Sprintf("taking over a stale lock: %s held it, and %s", h, why))
			if err := c.ContainerRemove(ctx, h.ContainerID, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
				return nil, fmt.Errorf("remove the stale lock %s: %w", Name, err)
			}
			if h.card != "" {
				giveBack(c, "", h.card)
			}
			continue
		}
		if !waited && !dead {
			o.Say(fmt.Sprintf("the engine is busy: %s holds the lab's lock; waiting for it (at most %s, LAB_LOCK_TIMEOUT)", h, o.Timeout))
			o.Status("waiting for " + h.String())
			waited = true
		}
		if now.After(deadline) {
			return nil, fmt.Errorf("%w: %s has held the lab's lock for longer than LAB_LOCK_TIMEOUT (%s): wait and try again, raise LAB_LOCK_TIMEOUT, or, if that run is gone, `docker rm -f %s`", ErrBusy, h, o.Timeout, strings.TrimPrefix(st.held.Names[0], "/"))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(o.Poll):
		}
	}
}

// nameCard names the holder's card for this holder: the card named for
// nobody, or, when there is none (a holder that died left it named for
// itself, or none was made yet), the newest card, or a new one. Only the
// lock's holder names the card, so this is never a race; a card that
// cannot be named leaves the holder unnamed ("a run that is just
// starting"), and the lock held all the same.
func nameCard(ctx context.Context, c Client, card string) {
	err := c.ContainerRename(ctx, Nobody, card)
	if err == nil || !errdefs.IsNotFound(err) {
		return
	}
	st, err := readState(ctx, c)
	if err != nil {
		return
	}
	if len(st.cards) > 0 {
		_ = c.ContainerRename(ctx, st.cards[0].ContainerID, card)
		return
	}
	_ = create(ctx, c, card, "card")
}

// create makes a never-started container of the lock's image, kind
// ("container" or "card") in its label.
func create(ctx context.Context, c Client, name, kind string) error {
	_, err := c.ContainerCreate(ctx, &container.Config{Image: Image, Cmd: []string{"/lock"}, Labels: map[string]string{Label: kind}},
		&container.HostConfig{NetworkMode: "none"}, nil, nil, name)
	return err
}

// makeFree makes the free lock, and the lock's image first if the engine
// has none. Two runs that found no lock would make two, and a run could
// take one while another run holds the other; so the lock is made under a
// name of its own, Making, which one run at a time can have, and named
// free only if the engine then has no other lock (otherwise it goes). One
// another run is making or made just now is as good.
func makeFree(ctx context.Context, c Client) error {
	for tried := false; ; tried = true {
		err := create(ctx, c, Making, "container")
		switch {
		case err == nil:
			st, err := readState(ctx, c)
			other := err == nil && (st.free != nil || st.held != nil)
			if err == nil && !other {
				err = c.ContainerRename(ctx, Making, Free)
			}
			if err != nil || other {
				remove(c, Making)
			}
			if err != nil && !errdefs.IsConflict(err) {
				return fmt.Errorf("make the engine's lock (a container named %s): %w", Free, err)
			}
			return nil
		case errdefs.IsConflict(err):
			return nil
		case errdefs.IsNotFound(err) && !tried:
			if err := ensureImage(ctx, c); err != nil {
				return err
			}
		default:
			return fmt.Errorf("make the engine's lock (a container named %s): %w", Free, err)
		}
	}
}

// hold keeps the lock until Release: it reads the lock's container's ID
// (so the lock is given back by its ID: one another run took over is left
// to that run), then writes the heartbeat into it every beat, the first a
// beat after the lock was taken: a waiter gives a holder StaleAfter from
// when it first saw it, and a run shorter than a beat writes none. Both are
// off the run's way.
func hold(c Client, card string, beat time.Duration) *Lock {
	ctx, stop := context.WithCancel(context.Background())
	l := &Lock{c: c, id: Name, card: card, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(beat)
		defer t.Stop()
		if k, err := c.ContainerInspect(context.WithoutCancel(ctx), Name); err == nil && k.ContainerJSONBase != nil {
			l.id = k.ID
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				writeBeat(ctx, c, l.id)
			}
		}
	}()
	return l
}

// writeBeat puts /heartbeat into the lock's container: its time says the
// holder is alive. An engine that fails a beat is tried again at the next.
func writeBeat(ctx context.Context, c Client, id string) {
	now := time.Now()
	body := []byte(now.UTC().Format(time.RFC3339Nano) + "\n")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(heartbeat, "/"), Mode: 0o644, Size: int64(len(body)), ModTime: now, Typeflag: tar.TypeReg})
	_, _ = tw.Write(body)
	_ = tw.Close()
	bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = c.CopyToContainer(bctx, id, "/", &buf, container.CopyToContainerOptions{})
}

// readBeat is the holder's last heartbeat as the engine has it ("" for none
// yet).
func readBeat(ctx context.Context, c Client, id string) string {
	st, err := c.ContainerStatPath(ctx, id, heartbeat)
	if err != nil {
		return ""
	}
	return st.Mtime.UTC().Format(time.RFC3339Nano) + "/" + strconv.FormatInt(st.Size, 10)
}

// ensureImage makes the lock's image, a file and a label, if the engine
// has none: a container needs an image, and the lab cannot count on any.
func ensureImage(ctx context.Context, c Client) error {
	if _, err := c.ImageInspect(ctx, Image); err == nil {
		return nil
	} else if !errdefs.IsNotFound(err) {
		return fmt.Errorf("inspect %s: %w", Image, err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := []byte("the multistage-lab's lock on this engine; see its README\n")
	_ = tw.WriteHeader(&tar.Header{Name: "lock", Mode: 0o644, Size: int64(len(body)), ModTime: time.Unix(946684800, 0), Typeflag: tar.TypeReg})
	_, _ = tw.Write(body)
	_ = tw.Close()
	rc, err := c.ImageImport(ctx, image.ImportSource{Source: &buf, SourceName: "-"}, Image, image.ImportOptions{Changes: []string{"LABEL " + Label + "=image", `CMD ["/lock"]`}})
	if err != nil {
		return fmt.Errorf("make %s: %w", Image, err)
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("make %s: %w", Image, err)
	}
	return nil
}

// Held reports who holds the lock on the engine, if anyone.
func Held(ctx context.Context, c Client) (Holder, bool, error) {
	st, err := readState(ctx, c)
	if err != nil || st.held == nil {
		return Holder{}, false, err
	}
	return st.holder(), true, nil
}
