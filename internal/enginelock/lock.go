// Package enginelock is the lab's lock on an engine: two runs that change
// the same engine (two CI jobs on one runner, a teacher's LAB_ENGINES run
// beside a student's own) would remove each other's containers and move
// each other's tags, so the second waits for the first.
//
// The lock lives on the engine, so it holds for runs on different machines:
// a never-started container. Free, it is named multistage-lab-lock-free;
// a run takes it by renaming it multistage-lab-lock, which the engine does
// for one run only (a name names one container, and a container renamed to
// the name it has is refused), and gives it back by renaming it again.
// Two renames cost the engine a few milliseconds, where creating and
// removing a container cost it 50 or more on the containerd image store.
// The holder writes /heartbeat into it at once and every few seconds,
// saying who it is (host, process, target, since when), so a waiter can
// name it and tell a live holder from one that died without giving the
// lock back; it clears that file before it gives the lock back.
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
	ContainerRename(ctx context.Context, containerID, newContainerName string) error
	CopyToContainer(ctx context.Context, containerID, dstPath string, content io.Reader, options container.CopyToContainerOptions) error
	CopyFromContainer(ctx context.Context, containerID, srcPath string) (io.ReadCloser, container.PathStat, error)
}

// Names and labels of the lock, as `docker ps -a` and `docker image ls`
// show them.
const (
	Name  = "multistage-lab-lock"
	Free  = "multistage-lab-lock-free"
	Image = "multistage-lab-lock:v1"
	// Label marks the lock's container ("container") and image ("image").
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

// Holder is who holds the lock, as its heartbeat says (or, for a lock
// made by an earlier lab, its labels). A holder that has not written its
// first heartbeat yet is known by its container only.
type Holder struct {
	ContainerID string
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

// key tells one holding from another: the lock's container stays from
// holder to holder.
func (h Holder) key() string {
	return h.ContainerID + "|" + h.Host + "|" + strconv.Itoa(h.PID) + "|" + h.Since.String()
}

// holderOf reads the holder of the lock's container: its labels, if an
// earlier lab made it, else the heartbeat, which also gives the beat (its
// time and size, "" for none).
func holderOf(ctx context.Context, c Client, in container.InspectResponse) (Holder, string) {
	var h Holder
	if in.ContainerJSONBase != nil {
		h.ContainerID = in.ID
	}
	if in.Config != nil && in.Config.Labels[LabelPID] != "" {
		l := in.Config.Labels
		h.Host, h.Target = l[LabelHost], l[LabelTarget]
		h.PID, _ = strconv.Atoi(l[LabelPID])
		h.Since, _ = time.Parse(time.RFC3339, l[LabelSince])
	}
	rc, st, err := c.CopyFromContainer(ctx, h.ContainerID, heartbeat)
	if err != nil {
		return h, ""
	}
	defer rc.Close()
	beat := st.Mtime.UTC().Format(time.RFC3339Nano) + "/" + strconv.FormatInt(st.Size, 10)
	if h.PID != 0 {
		return h, beat
	}
	tr := tar.NewReader(rc)
	if _, err := tr.Next(); err != nil {
		return h, beat
	}
	body, _ := io.ReadAll(io.LimitReader(tr, 4096))
	for _, line := range strings.Split(string(body), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "host":
			h.Host = v
		case "pid":
			h.PID, _ = strconv.Atoi(v)
		case "target":
			h.Target = v
		case "since":
			h.Since, _ = time.Parse(time.RFC3339, v)
		}
	}
	return h, beat
}

// Lock is a held lock; Release gives it back.
type Lock struct {
	c    Client
	id   string
	stop context.CancelFunc
	done chan struct{}
	once sync.Once
}

// Release stops the heartbeat, clears it, and renames the lock's container
// free again. It runs on its own short deadline, so it works after Ctrl-C
// cancelled the run. A lock another run took over (its container removed)
// is left to that run.
func (l *Lock) Release() {
	l.once.Do(func() {
		l.stop()
		<-l.done
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := l.c.CopyToContainer(ctx, l.id, "/", beatArchive("free\n", time.Now()), container.CopyToContainerOptions{}); errdefs.IsNotFound(err) {
			return
		}
		if err := l.c.ContainerRename(ctx, l.id, Free); err != nil && !errdefs.IsNotFound(err) {
			// Another free lock is there already: this one goes.
			_ = l.c.ContainerRemove(ctx, l.id, container.RemoveOptions{Force: true})
		}
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
	waited := false
	var watched, lastBeat string
	var lastChange time.Time
	for {
		err := c.ContainerRename(ctx, Free, Name)
		if err == nil {
			in, err := c.ContainerInspect(ctx, Name)
			if err != nil {
				return nil, fmt.Errorf("read the engine's lock: %w", err)
			}
			if waited {
				o.Say(fmt.Sprintf("got the engine's lock after waiting %.1fs", time.Since(start).Seconds()))
			}
			id := ""
			if in.ContainerJSONBase != nil {
				id = in.ID
			}
			return hold(c, id, me, o.Beat), nil
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
		in, err := c.ContainerInspect(ctx, Name)
		if errdefs.IsNotFound(err) {
			// Nobody holds it: the free lock is made, or was just given
			// back; either way, try again.
			if err := makeFree(ctx, c); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the engine's lock: %w", err)
		}
		h, beat := holderOf(ctx, c, in)
		now := time.Now()
		if h.key() != watched || beat != lastBeat {
			watched, lastBeat, lastChange = h.key(), beat, now
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
		// A holder that has just taken the lock names itself in its first
		// beat, a moment later: the wait is said once it has, or after a
		// second without.
		if !waited && (h.PID != 0 || now.Sub(start) >= time.Second) {
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

// makeFree makes the free lock, and the lock's image first if the engine
// has none. One another run made just now is as good.
func makeFree(ctx context.Context, c Client) error {
	cfg := &container.Config{Image: Image, Cmd: []string{"/lock"}, Labels: map[string]string{Label: "container"}}
	hostCfg := &container.HostConfig{NetworkMode: "none"}
	for tried := false; ; tried = true {
		_, err := c.ContainerCreate(ctx, cfg, hostCfg, nil, nil, Free)
		switch {
		case err == nil, errdefs.IsConflict(err):
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

// hold writes the heartbeat, saying who holds the lock, at once and every
// beat until Release.
func hold(c Client, id string, me Holder, beat time.Duration) *Lock {
	ctx, stop := context.WithCancel(context.Background())
	l := &Lock{c: c, id: id, stop: stop, done: make(chan struct{})}
	who := fmt.Sprintf("host=%s\npid=%d\ntarget=%s\nsince=%s\n", me.Host, me.PID, me.Target, me.Since.Format(time.RFC3339))
	go func() {
		defer close(l.done)
		// The first beat goes beside the run's first steps.
		writeBeat(ctx, c, id, who)
		t := time.NewTicker(beat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				writeBeat(ctx, c, id, who)
			}
		}
	}()
	return l
}

// writeBeat puts /heartbeat into the lock's container: who holds it, and
// by its time that the holder is alive. An engine that fails a beat is
// tried again at the next.
func writeBeat(ctx context.Context, c Client, id, who string) {
	bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	now := time.Now()
	_ = c.CopyToContainer(bctx, id, "/", beatArchive(who+"beat="+now.UTC().Format(time.RFC3339Nano)+"\n", now), container.CopyToContainerOptions{})
}

// beatArchive is /heartbeat saying body, as a tar stream.
func beatArchive(body string, now time.Time) io.Reader {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(heartbeat, "/"), Mode: 0o644, Size: int64(len(body)), ModTime: now, Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte(body))
	_ = tw.Close()
	return &buf
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
	h, _ := holderOf(ctx, c, in)
	return h, true, nil
}
