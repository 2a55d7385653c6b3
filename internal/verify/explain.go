package verify

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
)

// Explain says why two images that should be one have different IDs, by
// comparing what an image ID is made of: the layers, and the config with its
// creation time, labels, history and settings. Equal IDs need no words.
func Explain(a, b checks.ImageFacts) []string {
	if a.ID == b.ID {
		return nil
	}
	an, bn := a.Ref, b.Ref
	var out []string
	if slices.Equal(a.Layers, b.Layers) {
		out = append(out, fmt.Sprintf("%s and %s have the same %d layers: the files are identical, the difference is in the image config", an, bn, len(a.Layers)))
	} else {
		i := 0
		for i < len(a.Layers) && i < len(b.Layers) && a.Layers[i] == b.Layers[i] {
			i++
		}
		out = append(out, fmt.Sprintf("the files differ from layer %d on (%s has %d layers, %s has %d): %s vs %s", i+1, an, len(a.Layers), bn, len(b.Layers), layerAt(a.Layers, i), layerAt(b.Layers, i)))
	}
	if a.Created != b.Created {
		out = append(out, fmt.Sprintf("created %s vs %s: the config records when the last step ran, so a step that did not come from the cache makes a new ID", a.Created, b.Created))
	}
	keys := slices.Sorted(maps.Keys(a.Labels))
	for k := range b.Labels {
		if _, ok := a.Labels[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if av, bv := a.Labels[k], b.Labels[k]; av != bv {
			out = append(out, fmt.Sprintf("label %s: %q vs %q", k, av, bv))
		}
	}
	for i := 0; i < max(len(a.History), len(b.History)); i++ {
		ai, bi := historyAt(a.History, i), historyAt(b.History, i)
		if ai != bi {
			out = append(out, fmt.Sprintf("history step %d: %q vs %q", i+1, ai, bi))
			break
		}
	}
	if !slices.Equal(a.Entrypoint, b.Entrypoint) {
		out = append(out, fmt.Sprintf("entrypoint %q vs %q", a.Entrypoint, b.Entrypoint))
	}
	if a.WorkingDir != b.WorkingDir {
		out = append(out, fmt.Sprintf("working directory %s vs %s", a.WorkingDir, b.WorkingDir))
	}
	if !slices.Equal(a.Env, b.Env) {
		out = append(out, fmt.Sprintf("environment %s vs %s", strings.Join(a.Env, " "), strings.Join(b.Env, " ")))
	}
	return out
}

func layerAt(layers []string, i int) string {
	if i < len(layers) {
		return display.ShortID(layers[i])
	}
	return "(none)"
}

func historyAt(h []checks.HistoryEntry, i int) string {
	if i < len(h) {
		return h[i].Instruction()
	}
	return "(none)"
}

// ExplainSameID explains, for each same-id check, each image that does not
// share the first one's ID.
func ExplainSameID(def *labfile.Lab, inv checks.Inventory) []string {
	var out []string
	for _, c := range def.Checks {
		same, ok := c.Kind.(*checks.SameID)
		if !ok || len(*same) == 0 {
			continue
		}
		first, ok := inv.Images[(*same)[0]]
		if !ok || !first.Present {
			continue
		}
		for _, n := range (*same)[1:] {
			im, ok := inv.Images[n]
			if !ok || !im.Present {
				continue
			}
			for _, e := range Explain(first, im) {
				if len(out) == 0 {
					out = append(out, inv.Store.IDNote())
				}
				out = append(out, fmt.Sprintf("%s vs %s: %s", (*same)[0], n, e))
			}
		}
	}
	return out
}

// DetectBuilder tells from an image's history which builder made it:
// BuildKit marks its steps, the classic builder records #(nop) and shell
// commands.
func DetectBuilder(im checks.ImageFacts) string {
	for _, h := range im.History {
		if h.Comment == "buildkit.dockerfile.v0" {
			return "buildkit"
		}
	}
	for _, h := range im.History {
		if strings.Contains(h.CreatedBy, "#(nop)") {
			return "classic"
		}
	}
	return "unknown"
}
