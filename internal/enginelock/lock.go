// Package enginelock is the lab's lock on an engine: two runs that change
// the same engine (two CI jobs on one runner, a teacher's LAB_ENGINES run
// beside a student's own) would remove each other's containers and move
// each other's tags, so the second waits for the first.
//
// The lock lives on the engine, so it holds for runs on different machines:
// a never-started container with a fixed name, which the engine refuses to
// create twice. Its labels say who holds it (host, process, target, since
// when); the holder writes /heartbeat into it every few seconds, so a
// waiter can tell a live holder from one that died without releasing it.
package enginelock

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
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
	ContainerInspect(ctx context.Context, containerID string) (container.InspectResponse, error)
	ContainerRemove(ctx context.Context, containerID string, options container.RemoveOptions) error
	CopyToContainer(ctx context.Context, containerID, dstPath string, content io.Reader, options container.CopyToContainerOptions) error
	ContainerStatPath(ctx context.Context, containerID, path string) (container.PathStat, error)
}

// Names and labels of the lock, as `docker ps -a` and `docker image ls`
// show them.
const (
	Name  = "multistage-lab-lock"
	Image = "multistage-lab-lock:v1"
	// Label marks the lock's container ("container") and image ("image").
	Label       = "io.multistage-lab.lock"
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

// Holder is who holds the lock, from its container's labels.
type Holder struct {
	ContainerID string
	Host        string
	PID         int
	Target      string
	Since       time.Time
}

func (h Holder) String() string {
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

func holderOf(in container.InspectResponse) Holder {
	h := Holder{ContainerID: in.ID}
	if in.Config != nil {
		l := in.Config.Labels
		h.Host, h.Target = l[LabelHost], l[LabelTarget]
		h.PID, _ = strconv.Atoi(l[LabelPID])
		h.Since, _ = time.Parse(time.RFC3339, l[LabelSince])
	}
	return h
}

// Lock is a held lock; Release gives it back.
type Lock struct {
	c    Client
	id   string
	stop context.CancelFunc
	done chan struct{}
	once sync.Once
}

// Release stops the heartbeat and removes the lock's container. It runs
// on its own short deadline, so it works after Ctrl-C cancelled the run.
func (l *Lock) Release() {
	l.once.Do(func() {
		l.stop()
		<-l.done
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = l.c.ContainerRemove(ctx, l.id, container.RemoveOptions{Force: true})
	})
}

// Acquire takes the engine's lock, waiting while another live run holds it
// and taking over one whose holder is gone. It gives up after o.Timeout
// with ErrBusy naming the holder, or when ctx ends, having created nothing.
func Acquire(ctx context.Context, c Client, o Options) (*Lock, error) {
	o.defaults()
	if err := ensureImage(ctx, c); err != nil {
		return nil, err
	}
	start := time.Now()
	deadline := start.Add(o.Timeout)
	cfg := &container.Config{
		Image: Image,
		Cmd:   []string{"/lock"},
		Labels: map[string]string{
			Label:       "container",
			LabelHost:   o.Host,
			LabelPID:    strconv.Itoa(o.PID),
			LabelTarget: o.Target,
			LabelSince:  start.UTC().Format(time.RFC3339),
		},
	}
	hostCfg := &container.HostConfig{NetworkMode: "none"}
	waited := false
	var watched, lastBeat string
	var lastChange time.Time
	for {
		resp, err := c.ContainerCreate(ctx, cfg, hostCfg, nil, nil, Name)
		if err == nil {
			if waited {
				o.Say(fmt.Sprintf("got the engine's lock after waiting %.1fs", time.Since(start).Seconds()))
			}
			return hold(c, resp.ID, o.Beat), nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !errdefs.IsConflict(err) {
			return nil, fmt.Errorf("take the engine's lock (a container named %s): %w", Name, err)
		}
		in, err := c.ContainerInspect(ctx, Name)
		if errdefs.IsNotFound(err) {
			continue // released just now
		}
		if err != nil {
			return nil, fmt.Errorf("read the engine's lock: %w", err)
		}
		h := holderOf(in)
		beat := readBeat(ctx, c, h.ContainerID)
		now := time.Now()
		if h.ContainerID != watched || beat != lastBeat {
			watched, lastBeat, lastChange = h.ContainerID, beat, now
		}
		why := ""
		switch {
		case h.Host == o.Host && h.PID > 0 && h.PID != o.PID && !processAlive(h.PID):
			why = fmt.Sprintf("process %d is gone from this host", h.PID)
		case now.Sub(lastChange) >= o.StaleAfter:
			why = fmt.Sprintf("no heartbeat for %s", now.Sub(lastChange).Round(time.Second))
		}
		if why != "" {
			o.Say(fmt.Sprintf("taking over a stale lock: %s held it, and %s", h, why))
			if err := c.ContainerRemove(ctx, h.ContainerID, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
				return nil, fmt.Errorf("remove the stale lock %s: %w", Name, err)
			}
			continue
		}
		if !waited {
			o.Say(fmt.Sprintf("the engine is busy: %s holds the lab's lock; waiting for it (at most %s, LAB_LOCK_TIMEOUT)", h, o.Timeout))
			o.Status("waiting for " + h.String())
			waited = true
		}
		if now.After(deadline) {
			return nil, fmt.Errorf("%w: %s has held the lab's lock for longer than LAB_LOCK_TIMEOUT (%s): wait and try again, raise LAB_LOCK_TIMEOUT, or, if that run is gone, `docker rm -f %s`", ErrBusy, h, o.Timeout, Name)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(o.Poll):
		}
	}
}

// hold writes the heartbeat at once and every beat until Release.
func hold(c Client, id string, beat time.Duration) *Lock {
	ctx, stop := context.WithCancel(context.Background())
	l := &Lock{c: c, id: id, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		// The first beat is written beside the run's first steps, not
		// before them: a waiter gives a holder StaleAfter anyway.
		writeBeat(ctx, c, id)
		t := time.NewTicker(beat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				writeBeat(ctx, c, id)
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
	in, err := c.ContainerInspect(ctx, Name)
	if errdefs.IsNotFound(err) {
		return Holder{}, false, nil
	}
	if err != nil {
		return Holder{}, false, err
	}
	return holderOf(in), true, nil
}
