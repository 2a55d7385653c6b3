package checks

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

type oneImage struct{}

func (oneImage) ImageNames() []string       { return []string{"runtime"} }
func (oneImage) TagOf(n string) string      { return "multi-state:" + n }
func (oneImage) BaseRoleOf(n string) string { return "" }

// TestBudgets holds max-size and max-layers to their verdicts: at the
// budget passes, over it fails with expected and actual in MiB; a
// compressed budget needs the containerd store; a missing image fails.
func TestBudgets(t *testing.T) {
	runtime := ImageFacts{Present: true, Size: 4_380_025, Sizes: Sizes{Unpacked: 4_380_025, Content: 1_700_000}, Layers: []string{"a", "b", "c"}}
	graph := Inventory{Images: map[string]ImageFacts{"runtime": runtime}, Store: Store{Driver: "overlay2"}}
	containerd := Inventory{Images: map[string]ImageFacts{"runtime": runtime}, Store: Store{Containerd: true, Driver: "overlayfs"}}
	none := Inventory{Images: map[string]ImageFacts{}}

	v := MaxSize{Image: "runtime", MiB: 4}.Evaluate(oneImage{}, graph)
	assert.Equal(t, Verdict{Pass: false, Expected: "runtime <= 4 MiB unpacked", Actual: "runtime 4.18 MiB unpacked (4380025 bytes)"}, v)
	assert.False(t, MaxSize{Image: "runtime", MiB: 4.17}.Evaluate(oneImage{}, graph).Pass, "4.17 MiB is under 4380025 bytes")
	assert.True(t, MaxSize{Image: "runtime", MiB: 4.2}.Evaluate(oneImage{}, graph).Pass)

	v = MaxSize{Image: "runtime", MiB: 2, Compressed: true}.Evaluate(oneImage{}, containerd)
	assert.Equal(t, Verdict{Pass: true, Expected: "runtime <= 2 MiB compressed", Actual: "runtime 1.62 MiB compressed (1700000 bytes)"}, v)
	v = MaxSize{Image: "runtime", MiB: 2, Compressed: true}.Evaluate(oneImage{}, graph)
	assert.False(t, v.Pass)
	assert.Equal(t, "no compressed size: the engine's graph driver overlay2 keeps only the unpacked layers (the containerd image store keeps both)", v.Actual)
	assert.Equal(t, Verdict{Expected: "runtime <= 4 MiB unpacked", Actual: "multi-state:runtime is missing"}, MaxSize{Image: "runtime", MiB: 4}.Evaluate(oneImage{}, none))

	assert.Equal(t, Verdict{Pass: true, Expected: "runtime has <= 3 layers", Actual: "runtime has 3 layers"}, MaxLayers{Image: "runtime", Count: 3}.Evaluate(oneImage{}, graph))
	assert.Equal(t, Verdict{Pass: false, Expected: "runtime has <= 2 layers", Actual: "runtime has 3 layers"}, MaxLayers{Image: "runtime", Count: 2}.Evaluate(oneImage{}, graph))
}

// TestWasteRulesAsDiveJudgesThem: each rule fails only past its threshold
// (dive fails efficiency below it, bytes and percent above it), any one
// failing fails the check, and unread layers say why.
func TestWasteRulesAsDiveJudgesThem(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	inv := Inventory{
		Images: map[string]ImageFacts{"runtime": {Present: true}},
		Waste:  map[string]WasteFacts{"runtime": {Efficiency: 0.9, WastedBytes: 2_000_000, UserSizeBytes: 20_000_000, UserWastedPercent: 0.1}},
	}
	for _, c := range []struct {
		w    Waste
		pass bool
	}{
		{Waste{Image: "runtime", LowestEfficiency: f(0.9)}, true},
		{Waste{Image: "runtime", LowestEfficiency: f(0.91)}, false},
		{Waste{Image: "runtime", HighestWastedBytes: "2MB"}, true},
		{Waste{Image: "runtime", HighestWastedBytes: "1.9MB"}, false},
		{Waste{Image: "runtime", HighestWastedBytes: "2MiB"}, true},
		{Waste{Image: "runtime", HighestUserWastedPercent: f(0.1)}, true},
		{Waste{Image: "runtime", HighestUserWastedPercent: f(0.09)}, false},
		{Waste{Image: "runtime", LowestEfficiency: f(0.5), HighestWastedBytes: "1kB"}, false},
	} {
		assert.Equal(t, c.pass, c.w.Evaluate(oneImage{}, inv).Pass, "%+v", c.w)
	}
	v := Waste{Image: "runtime", LowestEfficiency: f(0.95), HighestWastedBytes: "20MB", HighestUserWastedPercent: f(0.1)}.Evaluate(oneImage{}, inv)
	assert.Equal(t, Verdict{Pass: false,
		Expected: "runtime: efficiency >= 0.95, wasted <= 20000000 bytes (20MB), user wasted <= 0.1",
		Actual:   "runtime: efficiency 0.9000, wasted 2000000 bytes (2.0 MB), user wasted 0.1000 (of 20000000 bytes the layers above the first add)"}, v)
	inv.Waste["runtime"] = WasteFacts{Err: "no manifest"}
	assert.Equal(t, "the layers of multi-state:runtime could not be read: no manifest", Waste{Image: "runtime", LowestEfficiency: f(0.9)}.Evaluate(oneImage{}, inv).Actual)
}
