package enginelock

import (
	"archive/tar"
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
)

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
