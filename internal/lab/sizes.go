package lab

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// history is an image's history from the engine, oldest first.
func (l *Lab) history(ctx context.Context, ref string) ([]HistoryEntry, error) {
	items, err := l.Client.ImageHistory(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", ref, err)
	}
	out := make([]HistoryEntry, len(items))
	for i, it := range items {
		out[len(items)-1-i] = HistoryEntry{CreatedBy: it.CreatedBy, Size: it.Size, Comment: it.Comment}
	}
	return out, nil
}

// layersOf attributes an image's history to its base and its own stage:
// the first entries are the base's own history.
func layersOf(im ImageFacts, stage string, base Base, baseHistory []HistoryEntry) report.Layers {
	out := report.Layers{Ref: im.Ref, Size: im.Size, Content: im.Sizes.Content}
	for i, h := range im.History {
		who := stage
		if i < len(baseHistory) {
			who = "base " + base.Ref
		}
		out.Layers = append(out.Layers, report.Layer{Size: h.Size, Instruction: h.Instruction(), Stage: who})
	}
	return out
}

// Sizes is where the megabytes went: the history of each of the lab file's
// bases and of the image built on it (golang and builder, alpine and
// runtime in the seed's lab), largest image first.
func (l *Lab) Sizes(ctx context.Context, inv Inventory) ([]report.Layers, error) {
	var out []report.Layers
	for _, base := range l.Def.Bases {
		b := inv.Bases[base.Role]
		if b.ID == "" {
			continue
		}
		var h []HistoryEntry
		if b.ID != checks.ScratchID { // scratch has no history: it is nothing
			var err error
			if h, err = l.history(ctx, b.Ref); err != nil {
				return nil, err
			}
		}
		out = append(out, layersOf(ImageFacts{Ref: b.Ref, Size: b.Size, Sizes: b.Sizes, History: h}, "base "+b.Ref, b, nil))
		if im, ok := inv.Images[base.Image]; ok && im.Present {
			out = append(out, layersOf(im, base.Image+" stage", b, h))
		}
	}
	slices.SortStableFunc(out, func(a, b report.Layers) int { return cmp.Compare(b.Size, a.Size) })
	return out, nil
}

// ShowSizes prints where the megabytes went: a bar chart and each image's
// layers with the instruction and stage that made them.
func (l *Lab) ShowSizes(ctx context.Context) error {
	inv, err := l.gatherImages(ctx)
	if err != nil {
		return err
	}
	sizes, err := l.Sizes(ctx, inv)
	if err != nil {
		return err
	}
	l.emit(event.Sizes{Layers: sizes})
	return nil
}
