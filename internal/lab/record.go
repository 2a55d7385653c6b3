package lab

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/errdefs"

	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/ledger"
)

// engineInfo is the engine's info, asked once.
func (l *Lab) engineInfo(ctx context.Context) (system.Info, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.info == nil {
		in, err := l.Client.Info(ctx)
		if err != nil {
			return system.Info{}, fmt.Errorf("engine info: %w", err)
		}
		l.info = &in
	}
	return *l.info, nil
}

// ledger is the lab's record of what its classic builds committed on this
// engine.
func (l *Lab) ledger(ctx context.Context) (*ledger.Ledger, string, error) {
	in, err := l.engineInfo(ctx)
	if err != nil {
		return nil, "", err
	}
	lab := l.labValue()
	if lab == LabValue {
		lab = "" // the seed's lab keeps its record's file (see ledger.Open)
	}
	lg, err := ledger.Open(in.ID, lab)
	return lg, in.ID, err
}

// record adds what a classic build committed to the lab's record. A record
// that cannot be written costs only the lab's own clean-up later, so it is
// a warning.
func (l *Lab) record(ctx context.Context, ids []string, say event.Sink) {
	if len(ids) == 0 {
		return
	}
	lg, engineID, err := l.ledger(context.WithoutCancel(ctx))
	if err == nil {
		err = lg.Add(engineID, ids...)
	}
	if err != nil {
		say(event.NotRecorded{Err: err, IDs: ids})
	}
}

// recorded is the lab's record for this engine; empty if it cannot be read,
// so the lab then keeps what it cannot tell it made.
func (l *Lab) recorded(ctx context.Context) []string {
	lg, _, err := l.ledger(ctx)
	if err != nil {
		return nil
	}
	ids, err := lg.IDs()
	if err != nil {
		return nil
	}
	return ids
}

// forget drops removed images from the record.
func (l *Lab) forget(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	if lg, _, err := l.ledger(ctx); err == nil {
		_ = lg.Forget(ids...)
	}
}

// retire deals with the image a build's tag named before, once the build
// has moved the tag and no tag names it any more. An image the lab's
// classic build made goes now, with the steps of it that the lab made and
// nothing else depends on (nothing could tell it from anyone's dangling
// image later). One the lab did not make (built by hand with the same
// Dockerfile) is left as docker build leaves it: dangling, with its parents.
//
// The builds after v1 run side by side and may move tags off the same
// image, so retire runs one at a time and says each image's fate once: an
// image another retire removed, or already reported, is not news.
func (l *Lab) retire(ctx context.Context, id, tag string, say event.Sink) {
	l.retireMu.Lock()
	defer l.retireMu.Unlock()
	if l.retired[id] {
		return
	}
	in, err := l.Client.ImageInspect(ctx, id)
	if errdefs.IsNotFound(err) {
		// The containerd image store drops an image whose only name a
		// BuildKit build takes, as it does for docker build; the lab
		// removed nothing.
		say(event.Previous{Tag: tag, ID: id, Fate: event.RemovedByEngine})
		l.settle(id)
		l.forget(ctx, []string{id})
		return
	}
	if err != nil || len(in.RepoTags) > 0 {
		return
	}
	recorded := l.recorded(ctx)
	if !ledger.Has(recorded, id) {
		say(event.Previous{Tag: tag, ID: id, Fate: event.LeftDangling})
		l.settle(id)
		return
	}
	var gone []string
	for cur := id; cur != "" && ledger.Has(recorded, cur); {
		in, err := l.Client.ImageInspect(ctx, cur)
		if err != nil || len(in.RepoTags) > 0 {
			break
		}
		if _, err := l.Client.ImageRemove(ctx, cur, image.RemoveOptions{}); err != nil {
			if cur == id && !errdefs.IsNotFound(err) {
				say(event.Previous{Tag: tag, ID: id, Fate: event.Kept, Err: err})
			}
			break
		}
		gone = append(gone, cur)
		cur = in.Parent
	}
	if len(gone) > 0 {
		say(event.Previous{Tag: tag, ID: id, Fate: event.Removed})
		l.settle(id)
	}
	l.forget(ctx, gone)
}

// settle notes that an image's fate has been said; retireMu is held.
func (l *Lab) settle(id string) {
	if l.retired == nil {
		l.retired = map[string]bool{}
	}
	l.retired[id] = true
}
