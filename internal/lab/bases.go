package lab

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/standin"
)

// DefaultBaseRefs are the tags the seed's FROM lines resolve to.
var DefaultBaseRefs = []string{"golang:latest", "alpine:latest"}

// BaseRefs are the base images the lab file's checks measure against, in
// its bases' order (golang:latest and alpine:latest in the seed's lab): the
// FROM of each base image's final stage, as docker names it.
func (l *Lab) BaseRefs() []string {
	if l.baseRefs != nil {
		return l.baseRefs
	}
	refs := []string{}
	for _, b := range l.Def.Bases {
		// The lab file was checked when it was read: every base resolves.
		ref, _ := l.Def.BaseRef(b)
		refs = append(refs, ref)
	}
	l.baseRefs = refs
	return refs
}

// ErrBaseMissing says a base image is absent and the settings forbid, or the
// machine cannot provide, a way to get it.
var ErrBaseMissing = standin.ErrBaseMissing

// standins is package standin's keeper of this lab's engine's stand-ins.
func (l *Lab) standins() *standin.Keeper {
	return &standin.Keeper{
		Client:  l.Client,
		Say:     l.Events,
		Inspect: l.inspectBase,
		Pull:    l.pull,
		PullAuth: func(ref string) (string, error) {
			creds, err := l.credentials()
			if err != nil {
				return "", err
			}
			return creds.PullAuth(ref)
		},
		Arch:  l.engineArch,
		Shell: l.standinShell,
	}
}

// pullTimeout bounds a pull attempt in auto mode, where a stand-in follows.
const pullTimeout = 2 * time.Minute

// EnsureBases makes sure golang:latest and alpine:latest are on the engine,
// as LAB_BASE says: local, pulled, or a stand-in made here. It asks the
// engine only once per lab run.
func (l *Lab) EnsureBases(ctx context.Context) error {
	if l.bases != nil {
		return nil
	}
	l.status("bases")
	bases := map[string]Base{}
	refs := l.BaseRefs()
	// The registry is asked for the listed stand-ins side by side (offline,
	// each question costs a failed lookup).
	listed := make([]inspected, len(refs))
	var wg sync.WaitGroup
	for i, ref := range refs {
		in, ok := l.listedBase(ref)
		if !ok {
			continue
		}
		listed[i] = in
		if in.b.Standin && l.Settings.Base != settings.BaseStandin {
			wg.Go(func() { listed[i].online, listed[i].onlineErr = l.standins().Online(ctx, ref) })
			listed[i].asked = true
		}
	}
	wg.Wait()
	for i, ref := range refs {
		var b Base
		var err error
		if listed[i].ok {
			b, err = l.ensureInspected(ctx, ref, listed[i])
		} else {
			b, err = l.ensureBase(ctx, ref)
		}
		if err != nil {
			return err
		}
		bases[ref] = b
	}
	if err := l.ensureOtherBases(ctx, bases); err != nil {
		return err
	}
	l.bases = bases
	return nil
}

// ensureOtherBases makes sure every other image a build starts a stage
// FROM is on the engine before any build starts: one the lab can stand in
// for (golang:latest, alpine:latest) as a base; any other pulled, unless
// LAB_BASE=standin. One that cannot be had is exit 2, naming the image,
// its Dockerfile line and the ways to provide it.
func (l *Lab) ensureOtherBases(ctx context.Context, bases map[string]Base) error {
	uses, err := l.Def.ExternalBases()
	if err != nil {
		return err
	}
	for _, u := range uses {
		if _, ok := bases[u.Ref]; ok {
			continue
		}
		if _, tag := labfile.SplitTag(u.Ref); standin.KindOf(u.Ref) != "" && tag == "latest" {
			b, err := l.ensureBase(ctx, u.Ref)
			if err != nil {
				return err
			}
			bases[u.Ref] = b
			continue
		}
		b, ok, err := l.InspectBase(ctx, u.Ref)
		if err != nil {
			return err
		}
		if ok {
			bases[u.Ref] = b
			continue
		}
		why := "LAB_BASE=standin pulls nothing"
		if l.Settings.Base != settings.BaseStandin {
			err := l.pull(ctx, u.Ref)
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			why = "the pull failed: " + firstLine(err.Error())
		}
		return fmt.Errorf("%w: %s (FROM in %s:%d) is not on the engine and %s; load it (docker load -i FILE), point the engine at a registry mirror that has it (registry-mirrors in daemon.json), or start the stage FROM an image the engine has; the lab stands in only for golang:latest and alpine:latest",
			ErrBaseMissing, u.Ref, l.displayPath(l.Def.File(u.File)), u.Line, why)
	}
	return nil
}

func (l *Lab) ensureBase(ctx context.Context, ref string) (Base, error) {
	var in inspected
	in.b, in.ok, in.err = l.InspectBase(ctx, ref)
	return l.ensureInspected(ctx, ref, in)
}

// listedBase is what the images BuildAll listed say of the base ref, if
// they name it (see listBeforeBuilds).
func (l *Lab) listedBase(ref string) (inspected, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.listed[ref]
	if !ok {
		return inspected{}, false
	}
	_, standin := s.Labels[LabelStandin]
	return inspected{b: Base{Ref: ref, ID: s.ID, Standin: standin, Commands: s.Labels[LabelStandinCommands]}, ok: true}, true
}

// inspected is what InspectBase found, and, if asked, whether the
// registry has a stand-in's real image (see standin.Keeper.Online).
type inspected struct {
	b             Base
	ok            bool
	err           error
	asked, online bool
	onlineErr     error
}

// ensureInspected is ensureBase for a base already inspected.
func (l *Lab) ensureInspected(ctx context.Context, ref string, in inspected) (Base, error) {
	mode := l.Settings.Base
	b, ok, err := in.b, in.ok, in.err
	if err != nil {
		return b, err
	}
	if ok && b.Standin && mode != settings.BaseStandin {
		if !in.asked {
			in.online, in.onlineErr = l.standins().Online(ctx, ref)
		}
		if b, err = l.standins().ReplaceIfOnline(ctx, b, in.online, in.onlineErr); err != nil {
			return b, err
		}
	}
	if ok && b.Standin && b.Commands == "" {
		return l.standins().Remake(ctx, b)
	}
	if ok {
		return b, nil
	}
	if mode != settings.BaseStandin {
		err := l.pull(ctx, ref)
		if err == nil {
			return l.standins().Present(ctx, ref)
		}
		if ctx.Err() != nil {
			return Base{}, ctx.Err()
		}
		if mode == settings.BasePull {
			return Base{}, fmt.Errorf("%w: pull %s: %v (LAB_BASE=pull makes no stand-in; use LAB_BASE=auto or standin)", ErrBaseMissing, ref, err)
		}
		l.emit(event.PullFailed{Ref: ref, Err: err})
	}
	if err := l.standins().Make(ctx, ref); err != nil {
		return Base{}, err
	}
	return l.standins().Present(ctx, ref)
}

// InspectBase reports whether ref is on the engine and what it is, without
// its sizes (a build needs none, and on the containerd store they cost a
// call for the engine's info; see SizedBase).
func (l *Lab) InspectBase(ctx context.Context, ref string) (Base, bool, error) {
	return l.inspectBase(ctx, ref, false)
}

// SizedBase is InspectBase with the base's sizes.
func (l *Lab) SizedBase(ctx context.Context, ref string) (Base, bool, error) {
	return l.inspectBase(ctx, ref, true)
}

func (l *Lab) inspectBase(ctx context.Context, ref string, sized bool) (Base, bool, error) {
	if ref == labfile.Scratch {
		// scratch is no image: a base of nothing, 0 bytes, no layers.
		return Base{Ref: ref, ID: checks.ScratchID}, true, nil
	}
	var in image.InspectResponse
	var sizes Sizes
	var err error
	if sized {
		in, sizes, err = l.inspectImage(ctx, ref)
	} else {
		in, err = l.Client.ImageInspect(ctx, ref)
	}
	if errdefs.IsNotFound(err) {
		return Base{Ref: ref}, false, nil
	}
	if err != nil {
		return Base{}, false, fmt.Errorf("inspect %s: %w", ref, err)
	}
	b := Base{Ref: ref, ID: in.ID, Size: sizes.Unpacked, Sizes: sizes, Layers: in.RootFS.Layers}
	if in.Config != nil {
		_, b.Standin = in.Config.Labels[LabelStandin]
		b.Commands = in.Config.Labels[LabelStandinCommands]
	}
	return b, true, nil
}

func (l *Lab) pull(ctx context.Context, ref string) error {
	l.status("pulling %s", ref)
	pctx, cancel := context.WithTimeout(ctx, pullTimeout)
	defer cancel()
	creds, err := l.credentials()
	if err != nil {
		return err
	}
	auth, err := creds.PullAuth(ref)
	if err != nil {
		return err
	}
	rc, err := l.Client.ImagePull(pctx, ref, image.PullOptions{RegistryAuth: auth})
	if err != nil {
		return err
	}
	defer rc.Close()
	return jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil)
}

// MakeStandins makes a stand-in for each base image that is absent and says
// what it did with each; an image already there, real or not, is left as it is.
func (l *Lab) MakeStandins(ctx context.Context) error {
	for _, ref := range l.BaseRefs() {
		b, ok, err := l.InspectBase(ctx, ref)
		if err != nil {
			return err
		}
		if ok {
			l.emit(event.BaseHere{Ref: ref, Kind: b.Kind(), ID: b.ID})
			continue
		}
		if err := l.standins().Make(ctx, ref); err != nil {
			return err
		}
	}
	return nil
}

// RemoveStandins removes the stand-in base images, and never a real one.
func (l *Lab) RemoveStandins(ctx context.Context) error {
	err := l.standins().Remove(ctx, l.BaseRefs())
	l.bases = nil
	return err
}

// standinShell finds (once a run) the /bin/sh the stand-ins get, building
// the toolbox into a folder that lives as long as the lab's process.
func (l *Lab) standinShell(ctx context.Context, arch string) (standin.Shell, error) {
	if l.shell != nil {
		return *l.shell, nil
	}
	dir, err := os.MkdirTemp("", "lab-shell-")
	if err != nil {
		return standin.Shell{}, err
	}
	sh, err := standin.FindShell(ctx, l.Settings.Busybox, arch, l.Root, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return standin.Shell{}, err
	}
	if sh.Busybox {
		_ = os.RemoveAll(dir)
	} else {
		l.shellDir = dir
	}
	l.shell = &sh
	return sh, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
