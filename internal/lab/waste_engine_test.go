package lab

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
	"github.com/multistage-lab/multistage-lab/internal/waste"
)

// wasteLab is a lab of one image whose layers waste on purpose: a 3 MB
// file that a later layer removes, and a small file written twice. Its
// checks: dive's rules, which it breaks; a size budget below its size;
// and a layer count it keeps.
func wasteLab(t *testing.T, repo string) string {
	return testkit.Files(t, map[string]string{
		"lab.yaml": `version: 1
images:
  - {tag: ` + repo + `:app, dockerfile: Dockerfile, context: .}
checks:
  - name: it wastes little
    waste: {image: app, lowest-efficiency: 0.9, highest-wasted-bytes: 1MB, highest-user-wasted-percent: 0.1}
  - name: it fits 1 MiB
    max-size: {image: app, mib: 1}
  - name: it has at most 10 layers
    max-layers: {image: app, count: 10}
`,
		"Dockerfile": `FROM alpine:latest
COPY big.bin /big.bin
COPY small.txt /etc/small.txt
RUN rm /big.bin
COPY small2.txt /etc/small.txt
`,
		"big.bin":    strings.Repeat("wasted bytes ", 3_000_000/13) + strings.Repeat("x", 3_000_000%13),
		"small.txt":  strings.Repeat("a", 1000),
		"small2.txt": strings.Repeat("b", 2000),
	})
}

// diveExport is what `dive IMAGE --json FILE` writes (dive 0.13.1).
type diveExport struct {
	Layer []struct {
		SizeBytes uint64 `json:"sizeBytes"`
	} `json:"layer"`
	Image struct {
		SizeBytes        uint64  `json:"sizeBytes"`
		InefficientBytes uint64  `json:"inefficientBytes"`
		EfficiencyScore  float64 `json:"efficiencyScore"`
	} `json:"image"`
}

// TestWasteAgreesWithDive builds the waste lab on the engine and holds the
// lab's waste figures for its image to dive's own (dive 0.13.1, built from
// the Go module proxy by scripts/install-test-tools.sh, reading the same
// engine): efficiency, wasted bytes, sizes, and its CI verdict on the same
// rules. verify fails (exit 1) on the rules and on a size budget below the
// image's size, with expected and actual in MiB.
func TestWasteAgreesWithDive(t *testing.T) {
	testkit.Beside(t)
	l, _ := realLab(t, settings.Settings{})
	testkit.NeedTool(t, "dive", "scripts/install-test-tools.sh builds it")
	repo := "waste-" + randomSuffix(t)
	env := []string{"LAB_DOCKERFILES=" + wasteLab(t, repo)}
	t.Cleanup(func() { task(t, env, nil, "clean") })
	o := task(t, env, nil, "build")
	require.Equal(t, 0, o.code, o.said())

	o = task(t, env, nil, "verify")
	assert.Equal(t, 1, o.code, o.stdout)
	assert.Regexp(t, `FAIL  it fits 1 MiB\n      expected: app <= 1 MiB unpacked\n      actual:   app \d+\.\d\d MiB unpacked \(\d+ bytes\)\n`, o.stdout)
	assert.Regexp(t, `FAIL  it wastes little\n      expected: app: efficiency >= 0.9, wasted <= 1000000 bytes \(1MB\), user wasted <= 0.1\n      actual:   app: efficiency 0\.\d{4}, wasted 3003000 bytes \(3.0 MB\), user wasted \d\.\d{4} `, o.stdout)
	assert.Contains(t, o.stdout, "PASS  it has at most 10 layers\n")

	o = task(t, env, nil, "sizes")
	require.Equal(t, 0, o.code, o.said())
	assert.Regexp(t, `\n  wasted, as dive counts it: 3MB \(3003000 bytes\), efficiency 0\.\d{4}\n +3MB  in layer 2: COPY big.bin /big.bin\n +1kB  in layer 3: COPY small.txt /etc/small.txt\n +2kB  in layer 5: COPY small2.txt /etc/small.txt\n`, o.stdout, "sizes says which layers waste, and how much")

	ref := repo + ":app"
	ours, err := l.wasteOf(t.Context(), ref)
	require.NoError(t, err)
	// The hand count: the 3 MB file and its removal, the small file's two versions.
	assert.Equal(t, uint64(3_000_000+1000+2000), ours.WastedBytes)

	out := filepath.Join(t.TempDir(), "dive.json")
	cmd := exec.Command("dive", ref, "--json", out)
	cmd.Env = withoutCI(os.Environ())
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", msg)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var d diveExport
	require.NoError(t, json.Unmarshal(data, &d))
	assert.Equal(t, d.Image.InefficientBytes, ours.WastedBytes, "wasted bytes, as dive counts them")
	assert.Equal(t, d.Image.EfficiencyScore, ours.Efficiency, "efficiency, as dive counts it")
	assert.Equal(t, d.Image.SizeBytes, ours.SizeBytes)
	require.Len(t, d.Layer, len(ours.Layers))
	var user uint64
	for i, layer := range d.Layer {
		assert.Equal(t, layer.SizeBytes, ours.Layers[i].Size, "layer %d", i)
		if i > 0 {
			user += layer.SizeBytes
		}
	}
	assert.Equal(t, user, ours.UserSizeBytes)

	// dive's CI mode on the same rules: it fails the image where the lab
	// does, and passes it where the lab does.
	facts := checks.Inventory{Images: map[string]checks.ImageFacts{"app": {Present: true}},
		Waste: map[string]checks.WasteFacts{"app": {Efficiency: ours.Efficiency, WastedBytes: ours.WastedBytes, UserSizeBytes: ours.UserSizeBytes, UserWastedPercent: ours.UserWastedPercent}}}
	for _, rules := range []struct{ dive, lab string }{
		{"lowestEfficiency: 0.9\nhighestWastedBytes: 1MB\nhighestUserWastedPercent: 0.1\n", "{image: app, lowest-efficiency: 0.9, highest-wasted-bytes: 1MB, highest-user-wasted-percent: 0.1}"},
		{"lowestEfficiency: 0.1\nhighestWastedBytes: 4MB\nhighestUserWastedPercent: 1\n", "{image: app, lowest-efficiency: 0.1, highest-wasted-bytes: 4MB, highest-user-wasted-percent: 1}"},
	} {
		cfg := filepath.Join(t.TempDir(), ".dive-ci")
		require.NoError(t, os.WriteFile(cfg, []byte("rules:\n  "+strings.ReplaceAll(strings.TrimSpace(rules.dive), "\n", "\n  ")+"\n"), 0o644))
		cmd := exec.Command("dive", ref, "--ci-config", cfg)
		cmd.Env = append(withoutCI(os.Environ()), "CI=true")
		var so bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &so
		diveErr := cmd.Run()
		k, ok := checks.New("waste")
		require.True(t, ok)
		require.NoError(t, yamlDecode(rules.lab, k))
		v := k.Evaluate(oneImageLab{}, facts)
		assert.Equal(t, diveErr == nil, v.Pass, "dive: %s\nlab: %+v", so.String(), v)
		assert.Regexp(t, regexp.MustCompile(`wastedBytes: 3003000 bytes`), so.String())
	}
}

func withoutCI(env []string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, "CI=") {
			out = append(out, e)
		}
	}
	return out
}

// oneImageLab is a lab file of the one image "app".
type oneImageLab struct{}

func (oneImageLab) ImageNames() []string       { return []string{"app"} }
func (oneImageLab) TagOf(n string) string      { return n }
func (oneImageLab) BaseRoleOf(n string) string { return "" }

func yamlDecode(text string, v any) error {
	return yaml.Unmarshal([]byte(text), v)
}

// TestWasteIsTheSameOnTheContainerdStore builds the waste lab on the
// machine's engine and on a second one (.ci/run's Engine 29.8 with the
// containerd image store, where dive 0.13.1 cannot read the layers): the
// lab's figures for the image are the same on both.
func TestWasteIsTheSameOnTheContainerdStore(t *testing.T) {
	testkit.Alone(t)
	l, _ := realLab(t, settings.Settings{})
	second := secondEngineForFleet(t)
	repo := "waste-" + randomSuffix(t)
	dir := wasteLab(t, repo)
	ref := repo + ":app"
	figures := map[string]waste.Analysis{}
	for _, host := range []string{machineEngine(), second} {
		env := []string{"LAB_DOCKERFILES=" + dir, "DOCKER_HOST=" + host}
		t.Cleanup(func() { task(t, env, nil, "clean") })
		o := task(t, env, nil, "build")
		require.Equal(t, 0, o.code, "%s: %s", host, o.said())
		c, err := engine.ConnectTo(t.Context(), host)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		on := New(c, l.Settings, l.Root, io.Discard)
		a, err := on.wasteOf(t.Context(), ref)
		require.NoError(t, err, host)
		a.Paths = nil // compared by their sums
		figures[host] = a
	}
	mine, theirs := figures[machineEngine()], figures[second]
	assert.Equal(t, uint64(3_003_000), mine.WastedBytes)
	assert.Equal(t, mine, theirs, "the same figures on the graph driver and on the containerd store")
}
