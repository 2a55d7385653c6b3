package verify

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
)

// goodInventory is what a correct lab looks like, with the sizes seen on the
// project's machines.
func goodInventory() checks.Inventory {
	runtime := checks.ImageFacts{Present: true, ID: "sha256:runtime0000000", Size: 4_380_025, Entrypoint: []string{"./helloworld"}, WorkingDir: "/myapp", Layers: []string{"a1", "r1", "r2"}}
	return checks.Inventory{
		Images: map[string]checks.ImageFacts{
			"v1":      runtime,
			"v2":      runtime,
			"runtime": runtime,
			"builder": {Present: true, ID: "sha256:builder0000000", Size: 261_993_651, Entrypoint: nil, WorkingDir: "/myapp", Layers: []string{"g1", "b1", "b2"}},
		},
		Bases: map[string]checks.Base{
			"golang": {Ref: "golang:latest", ID: "sha256:golang", Size: 226_746_694, Layers: []string{"g1"}, Standin: true},
			"alpine": {Ref: "alpine:latest", ID: "sha256:alpine", Size: 1_982_368, Layers: []string{"a1"}},
		},
		Paths: map[string]map[string]checks.PathInfo{"runtime": {
			"/myapp/helloworld": {Path: "/myapp/helloworld", Present: true, Size: 2_397_568},
			"/usr/local/go":     {Path: "/usr/local/go"},
		}},
		Runs: map[string]checks.RunOutcome{"runtime": {RunResult: checks.RunResult{Stdout: "Hello World\n"}}},
	}
}

// seedLab is the project's own lab file.
func seedLab(t testing.TB) *labfile.Lab {
	l, err := labfile.Load(filepath.Join("..", "..", "dockerfiles", labfile.Name), "lab.yaml")
	require.NoError(t, err)
	return l
}

func failedNames(checks []Check) []string {
	var out []string
	for _, c := range checks {
		if !c.Pass {
			out = append(out, strings.SplitN(c.Name, ".", 2)[0])
		}
	}
	return out
}

func TestEvaluateAllPass(t *testing.T) {
	checks := Evaluate(seedLab(t), goodInventory())
	require.Len(t, checks, 10)
	assert.Empty(t, failedNames(checks))
	assert.Equal(t, "builder is on golang:latest (stand-in, golang); runtime is on alpine:latest (real, alpine)", checks[9].Actual)
}

func TestEvaluateEachFault(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(*checks.Inventory)
		failed []string
	}{
		{"runtime tag missing", func(inv *checks.Inventory) { inv.Images["runtime"] = checks.ImageFacts{} }, []string{"1", "2", "3", "4a", "4c", "5", "6", "7", "8"}},
		{"builder tag missing", func(inv *checks.Inventory) { delete(inv.Images, "builder") }, []string{"1", "3", "4a", "4b", "8"}},
		{"v2 differs", func(inv *checks.Inventory) { v2 := inv.Images["v2"]; v2.ID = "sha256:other"; inv.Images["v2"] = v2 }, []string{"2"}},
		{"builder is runtime", func(inv *checks.Inventory) {
			b := inv.Images["builder"]
			b.ID = inv.Images["runtime"].ID
			inv.Images["builder"] = b
		}, []string{"3"}},
		{"runtime too big", func(inv *checks.Inventory) {
			r := inv.Images["runtime"]
			r.Size = 30_000_000
			inv.Images["runtime"] = r
		}, []string{"4a", "4c"}},
		{"builder smaller than golang", func(inv *checks.Inventory) {
			b := inv.Bases["golang"]
			b.Size = 300_000_000
			inv.Bases["golang"] = b
		}, []string{"4b"}},
		{"runtime just over its limit", func(inv *checks.Inventory) {
			r := inv.Images["runtime"]
			r.Size = inv.Bases["alpine"].Size + inv.Paths["runtime"]["/myapp/helloworld"].Size + checks.MiB + 1
			inv.Images["runtime"] = r
		}, []string{"4c"}},
		{"wrong entrypoint", func(inv *checks.Inventory) {
			r := inv.Images["runtime"]
			r.Entrypoint = []string{"/bin/sh"}
			inv.Images["runtime"] = r
		}, []string{"5"}},
		{"wrong workdir", func(inv *checks.Inventory) { r := inv.Images["runtime"]; r.WorkingDir = "/"; inv.Images["runtime"] = r }, []string{"5"}},
		{"toolchain shipped", func(inv *checks.Inventory) {
			inv.Paths["runtime"]["/usr/local/go"] = checks.PathInfo{Path: "/usr/local/go", Present: true}
		}, []string{"6"}},
		{"binary absent", func(inv *checks.Inventory) {
			inv.Paths["runtime"]["/myapp/helloworld"] = checks.PathInfo{Path: "/myapp/helloworld"}
		}, []string{"4c", "6"}},
		{"wrong output", func(inv *checks.Inventory) {
			inv.Runs["runtime"] = checks.RunOutcome{RunResult: checks.RunResult{Stdout: "Hello World"}}
		}, []string{"7"}},
		{"non-zero exit", func(inv *checks.Inventory) {
			inv.Runs["runtime"] = checks.RunOutcome{RunResult: checks.RunResult{Stdout: "Hello World\n", ExitCode: 3}}
		}, []string{"7"}},
		{"could not run", func(inv *checks.Inventory) { inv.Runs["runtime"] = checks.RunOutcome{Err: "run: start: no such file"} }, []string{"7"}},
		{"not run", func(inv *checks.Inventory) { delete(inv.Runs, "runtime") }, []string{"7"}},
		{"built on another alpine", func(inv *checks.Inventory) {
			a := inv.Bases["alpine"]
			a.Layers = []string{"x1"}
			inv.Bases["alpine"] = a
		}, []string{"8"}},
		{"alpine base absent", func(inv *checks.Inventory) { delete(inv.Bases, "alpine") }, []string{"4c", "8"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := goodInventory()
			c.break_(&inv)
			checks := Evaluate(seedLab(t), inv)
			assert.Equal(t, c.failed, failedNames(checks))
			assert.Equal(t, len(c.failed), Failed(checks))
		})
	}
}

func TestEvaluateReadsTheLabFile(t *testing.T) {
	def, err := labfile.Parse("lab.yaml", []byte(`version: 1
images:
  - {tag: my/app:build, dockerfile: D, target: build}
  - {tag: my/app:final, dockerfile: D}
  - {tag: my/app:debug, dockerfile: D, target: debug}
checks:
  - {name: all three differ, differ: [build, final, debug]}
  - {name: final is small, smaller: {image: final, than: build, percent: 2.5}}
  - {name: only two exist, exist: [build, final]}
`))
	require.NoError(t, err)
	inv := checks.Inventory{Images: map[string]checks.ImageFacts{
		"build": {Present: true, ID: "sha256:b", Size: 1000},
		"final": {Present: true, ID: "sha256:f", Size: 24},
		"debug": {Present: true, ID: "sha256:f", Size: 24},
	}}
	checks := Evaluate(def, inv)
	require.Len(t, checks, 3)
	assert.Equal(t, Check{Name: "all three differ", Expected: "no two of build, final, debug share an ID", Actual: "build=b final=f debug=f", Line: 7}, checks[0], "with its line in the lab file")
	assert.True(t, checks[1].Pass, checks[1].Actual)
	assert.Equal(t, "final < 25B (2.5% of build 1kB; sizes unpacked)", checks[1].Expected)
	final := inv.Images["final"]
	final.Size = 25
	inv.Images["final"] = final
	assert.False(t, Evaluate(def, inv)[1].Pass, "25 bytes is not under 2.5% of 1000")
	delete(inv.Images, "debug")
	assert.True(t, Evaluate(def, inv)[2].Pass, "debug is not asked for")
	delete(inv.Images, "final")
	assert.Equal(t, "missing: my/app:final", Evaluate(def, inv)[2].Actual)
}

func TestNeeds(t *testing.T) {
	n := Needs(seedLab(t))
	assert.Equal(t, map[string][]string{"runtime": {"/myapp/helloworld", "/usr/local/go"}}, n.Paths)
	assert.Equal(t, []string{"runtime"}, n.Runs)
	assert.Empty(t, n.Waste, "the seed's lab reads no layers")
}
