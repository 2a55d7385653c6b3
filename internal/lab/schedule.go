package lab

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"

	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/progress"
	"github.com/multistage-lab/multistage-lab/internal/settings"
)

// BuildAll builds the lab file's images and reports them in its order. The
// first (v1) is built alone; the rest (v2, builder and runtime in the
// seed's lab) then run side by side, at most build.parallel at a time: every
// stage they need is in the cache v1 just made (for the classic builder,
// which does not dedupe concurrent work, as for BuildKit, which does), so
// the engine does each step once and the wall time is the slowest build's,
// not the sum. With the classic builder, which commits each step as it
// goes, builder starts as soon as v1 enters its last stage: the stages
// builder needs are in the cache by then.
//
// The classic builder's three later builds are sent with v1, each holding
// back all of its context but the first block until it may start (see
// buildSpec.Hold): the engine unpacks a context in a helper process it
// starts on the first bytes, and that start-up, most of what a cached build
// costs the engine, then runs beside v1 instead of after it. No step of a
// held build can run before its context is whole. BuildKit's builds are
// not held: sent the same way they finish no sooner (docs/design.md), so
// they go after v1. Output is shown in order, each build's as it finishes.
func (l *Lab) BuildAll(ctx context.Context) ([]Built, error) {
	images := l.Images()
	classic := l.Settings.Builder == settings.Classic
	if err := l.prepare(ctx); err != nil {
		return nil, err
	}
	defer l.forgetListed()
	// ready is the lab ready to build: the images its bases and tags name
	// listed (see listBeforeBuilds), then the bases seen to. The classic
	// builds are sent beside it, their contexts held until it is: the
	// engine starts each build's context helper meanwhile.
	var ready func() error
	if classic {
		done := newLatch()
		var readyErr error
		go func() {
			l.listBeforeBuilds(ctx, images)
			readyErr = l.EnsureBases(ctx)
			done.open(readyErr == nil)
		}()
		ready = func() error {
			if err := done.wait(ctx); err != nil {
				if readyErr != nil {
					return readyErr
				}
				return err
			}
			return nil
		}
	} else {
		l.listBeforeBuilds(ctx, images)
		if err := l.EnsureBases(ctx); err != nil {
			return nil, err
		}
	}
	rest := images[1:]
	// slots bounds the later builds in flight to the lab file's
	// build.parallel.
	slots := make(chan struct{}, l.Def.Build.Parallel)
	type result struct {
		b   Built
		err error
		out recording
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var shared *progress.Shared // set before the later builds launch
	results := make([]*result, len(rest))
	done := make([]chan struct{}, len(rest))
	launch := func(i int, hold func() error) {
		go func() {
			defer close(done[i])
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-bctx.Done():
				results[i].err = bctx.Err()
				return
			}
			results[i].b, results[i].err = l.buildImage(bctx, imageBuild{Image: rest[i], Out: &results[i].out, Hold: hold, Ready: ready, Shared: shared})
		}()
	}
	for i := range rest {
		results[i], done[i] = &result{}, make(chan struct{})
	}
	// v1Staged opens when v1 has entered its last stage, v1Done when v1
	// is built; both open failed if v1 fails.
	v1Staged, v1Done := newLatch(), newLatch()
	if classic {
		for i, im := range rest {
			gate := v1Done
			if stops, err := l.stopsBeforeLastStage(im); err == nil && stops {
				gate = v1Staged
			}
			launch(i, func() error { return gate.wait(bctx) })
		}
	}
	first, err := l.buildImage(ctx, imageBuild{Image: images[0], LastStage: func() { v1Staged.open(true) }, Ready: ready})
	if err != nil {
		v1Staged.open(false)
		v1Done.open(false)
		cancel()
		if classic {
			for i := range rest {
				<-done[i]
			}
		}
		return nil, err
	}
	v1Staged.open(true)
	v1Done.open(true)
	if !classic {
		// On a terminal, BuildKit's later builds share one live display,
		// each step under its image's name, as docker buildx bake shows
		// its targets; their own lines follow when all are done.
		if l.liveDisplay() && len(rest) > 1 {
			if shared, err = progress.NewShared(ctx, l.Out, l.Settings.Progress); err != nil {
				return nil, err
			}
		}
		for i := range rest {
			launch(i, nil)
		}
	}
	if shared != nil {
		for i := range rest {
			<-done[i]
		}
		if err := shared.Close(); err != nil {
			return nil, err
		}
	}
	out := []Built{first}
	var firstErr error
	for i := range rest {
		<-done[i]
		results[i].out.replay(l.Out, l.Events)
		if results[i].err != nil && firstErr == nil {
			firstErr = results[i].err
		}
		out = append(out, results[i].b)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// recording keeps what a build that runs beside others shows, its output
// and its events in the order they came, until its turn to be shown.
type recording struct {
	mu    sync.Mutex
	items []any // []byte or event.Event
}

func (r *recording) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, bytes.Clone(p))
	return len(p), nil
}

func (r *recording) emit(e event.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, e)
}

// replay shows what was kept: the output to w, the events to say.
func (r *recording) replay(w io.Writer, say event.Sink) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, it := range r.items {
		switch it := it.(type) {
		case []byte:
			_, _ = w.Write(it)
		case event.Event:
			say(it)
		}
	}
}

// to has spec's output and events kept in r (nil: the lab's).
func (spec buildSpec) to(r *recording) buildSpec {
	if r != nil {
		spec.Out, spec.Events = r, r.emit
	}
	return spec
}

// latch opens once, for every waiter, as passed or failed.
type latch struct {
	once sync.Once
	ch   chan struct{}
	ok   bool
}

func newLatch() *latch { return &latch{ch: make(chan struct{})} }

func (g *latch) open(ok bool) {
	g.once.Do(func() {
		g.ok = ok
		close(g.ch)
	})
}

// errNotReleased ends a held build whose wait failed: the build it waited
// for did not succeed.
var errNotReleased = errors.New("not started: the build it waits for failed")

func (g *latch) wait(ctx context.Context) error {
	select {
	case <-g.ch:
		if !g.ok {
			return errNotReleased
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// prepare fills, before any build starts, every cache the builds read:
// each image's Dockerfile read and parsed (stages and sources; a
// Dockerfile's error is kept and said where the build meets it), the
// credentials and the BuildKit session (BuildAll sees to the bases). The builds that then
// run side by side only read them. The engine's info, by whose ID the
// record of what classic builds commit is kept, is asked once, when a
// build has committed something to record (a warm build commits nothing);
// its version, which only stand-ins and reports ask for, is asked once,
// under the lock.
func (l *Lab) prepare(ctx context.Context) error {
	for _, im := range l.Images() {
		path := l.dockerfilePath(im)
		if err := l.classicCanBuild(path); err != nil {
			return err
		}
		_, _ = l.stages(path, "", l.Def.ArgsOf(im))
		_, _ = l.sources(path)
	}
	if _, err := l.credentials(); err != nil {
		return err
	}
	if l.Settings.Builder == settings.BuildKit {
		if _, err := l.buildSession(ctx); err != nil {
			return err
		}
	}
	return nil
}

// liveDisplay reports whether BuildKit's progress is shown live: on a
// terminal (LAB_PROGRESS=auto) or when asked for (tty).
func (l *Lab) liveDisplay() bool {
	switch l.Settings.Progress {
	case progress.TTY:
		return true
	case progress.Auto:
		return progress.IsTerminal(l.Out)
	}
	return false
}
