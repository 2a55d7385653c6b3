package lab

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/verify"
)

// Rebuild is what a second, cache-free build of the lab showed.
type Rebuild struct {
	BinaryBefore, BinaryAfter string // sha256 of the program in the run image (see programPath)
	BinarySize                int
	Identical                 bool
	IDBefore, IDAfter         string
	Why                       []string // why the IDs differ, if they do
}

// ErrNotReproducible says the rebuilt binary differs.
var ErrNotReproducible = fmt.Errorf("%w: the rebuilt binary differs", ErrAssertions)

// VerifyRebuild builds the lab, reads the program out of the run image,
// removes the lab's images, builds them all again, the first without the
// build cache, and compares: the binary must be byte-identical; the image
// IDs are reported with the reason they differ. The build cache is left alone: --no-cache
// makes the second build cold without deleting anyone else's cache.
func (l *Lab) VerifyRebuild(ctx context.Context) (Rebuild, error) {
	rt := l.runImage()
	bin, err := l.programPath()
	if err != nil {
		return Rebuild{}, err
	}
	if _, err := l.BuildAll(ctx); err != nil {
		return Rebuild{}, err
	}
	before, err := l.imageFacts(ctx, rt.Tag)
	if err != nil {
		return Rebuild{}, err
	}
	binBefore, err := l.copyOut(ctx, rt.Tag, bin)
	if err != nil {
		return Rebuild{}, err
	}
	l.emit(event.Step{Text: "removing the lab's images, then building again, v1 with --no-cache"})
	if err := l.Clean(ctx); err != nil {
		return Rebuild{}, err
	}
	// v1 is built cold; the other three then share its fresh cache, so the
	// lab's own assertions still hold after the rebuild.
	for i, im := range l.Images() {
		if _, err := l.buildImage(ctx, imageBuild{Image: im, NoCache: i == 0}); err != nil {
			return Rebuild{}, err
		}
	}
	after, err := l.imageFacts(ctx, rt.Tag)
	if err != nil {
		return Rebuild{}, err
	}
	binAfter, err := l.copyOut(ctx, rt.Tag, bin)
	if err != nil {
		return Rebuild{}, err
	}
	before.Ref, after.Ref = rt.Name+" before", rt.Name+" after"
	r := Rebuild{
		BinaryBefore: digest(binBefore), BinaryAfter: digest(binAfter), BinarySize: len(binAfter),
		Identical: bytes.Equal(binBefore, binAfter),
		IDBefore:  before.ID, IDAfter: after.ID,
		Why: verify.Explain(before, after),
	}
	if len(r.Why) > 0 {
		st, err := l.imageStore(ctx)
		if err != nil {
			return Rebuild{}, err
		}
		r.Why = append([]string{st.IDNote()}, r.Why...)
	}
	if r.Identical && !slices.Equal(before.Layers, after.Layers) {
		r.Why = append(r.Why, "the binary inside is byte-identical, so its layer differs in file metadata: the copied file keeps the time go build wrote it")
	}
	l.emit(event.Rebuilt{Binary: bin, Size: r.BinarySize, Before: r.BinaryBefore, After: r.BinaryAfter,
		Identical: r.Identical, IDBefore: r.IDBefore, IDAfter: r.IDAfter, Why: r.Why})
	if !r.Identical {
		return r, ErrNotReproducible
	}
	return r, nil
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// programPath is the program in the run image that verify:rebuild
// compares: the first path a files check says is present in it.
func (l *Lab) programPath() (string, error) {
	rt := l.runImage()
	for _, c := range l.Def.Checks {
		if f, ok := c.Kind.(*checks.Files); ok && f.Image == rt.Name && len(f.Present) > 0 {
			return f.Present[0], nil
		}
	}
	return "", fmt.Errorf("%w: %s: verify:rebuild compares the program in %s: add a files check with the program's path under present", labfile.ErrInvalid, l.displayPath(l.Def.Path), rt.Tag)
}
