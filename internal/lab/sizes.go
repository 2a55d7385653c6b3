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
// runtime in the seed's lab), then of each other image not shown yet (by
// ID: v1 and v2 are runtime in the seed's lab), largest image first.
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
	// The images no base entry covers, each image once: their layers are
	// all their own.
	shown := map[string]bool{}
	for _, base := range l.Def.Bases {
		shown[inv.Images[base.Image].ID] = true
	}
	for _, im := range l.Images() {
		f, ok := inv.Images[im.Name]
		if !ok || !f.Present || shown[f.ID] {
			continue
		}
		shown[f.ID] = true
		out = append(out, layersOf(f, im.Name+" image", Base{}, nil))
	}
	slices.SortStableFunc(out, func(a, b report.Layers) int { return cmp.Compare(b.Size, a.Size) })
	return out, nil
}

// ShowSizes prints where the megabytes went: a bar chart, each image's
// layers with the instruction and stage that made them, and what each of
// the lab's images wastes, layer by layer, as dive counts it.
func (l *Lab) ShowSizes(ctx context.Context) error {
	inv, err := l.gatherImages(ctx)
	if err != nil {
		return err
	}
	sizes, err := l.Sizes(ctx, inv)
	if err != nil {
		return err
	}
	for i, s := range sizes {
		if !slices.ContainsFunc(l.Images(), func(im Image) bool { return im.Tag == s.Ref }) {
			continue // a base's waste is not the lab's to mend
		}
		a, err := l.wasteOf(ctx, s.Ref)
		if err != nil {
			return err
		}
		w := &report.Waste{Efficiency: a.Efficiency, WastedBytes: a.WastedBytes}
		for j, ly := range a.Layers {
			if ly.Wasted > 0 {
				w.Layers = append(w.Layers, report.WastedLayer{Layer: j + 1, Instruction: checks.HistoryEntry{CreatedBy: ly.Command}.Instruction(), Wasted: ly.Wasted})
			}
		}
		sizes[i].Waste = w
	}
	l.emit(event.Sizes{Layers: sizes})
	return nil
}
