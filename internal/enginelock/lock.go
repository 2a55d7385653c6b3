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
// that rename it at once one does. Who holds it is on a second container,
// the holder's card, which only the holder renames: for itself,
// multistage-lab-lock.PID.SINCE.TARGET.HOST, right after taking the lock,
// and multistage-lab-lock-holder as it gives it back. The lock is made
// once, under a name one run at a time can have
// (multistage-lab-lock-making), and named free only if the engine has no
// other lock then. A holder that works longer than a beat (5 s) writes
// /heartbeat into it every beat, so a waiter can tell a live holder from
// one that died without giving the lock back. Why renames and not
// creations, and what each costs: docs/design.md.
package enginelock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
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

// Held reports who holds the lock on the engine, if anyone.
func Held(ctx context.Context, c Client) (Holder, bool, error) {
	st, err := readState(ctx, c)
	if err != nil || st.held == nil {
		return Holder{}, false, err
	}
	return st.holder(), true, nil
}
