package lab

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goodInventory is what a correct lab looks like, with the sizes seen on the
// project's machines.
func goodInventory() Inventory {
	runtime := ImageFacts{Present: true, ID: "sha256:runtime0000000", Size: 4_380_025, Entrypoint: []string{"./helloworld"}, WorkingDir: "/myapp", Layers: []string{"a1", "r1", "r2"}}
	return Inventory{
		Images: map[string]ImageFacts{
			"v1":      runtime,
			"v2":      runtime,
			"runtime": runtime,
			"builder": {Present: true, ID: "sha256:builder0000000", Size: 261_993_651, Entrypoint: nil, WorkingDir: "/myapp", Layers: []string{"g1", "b1", "b2"}},
		},
		Bases: map[string]Base{
			"golang": {Ref: "golang:latest", ID: "sha256:golang", Size: 226_746_694, Layers: []string{"g1"}, Standin: true},
			"alpine": {Ref: "alpine:latest", ID: "sha256:alpine", Size: 1_982_368, Layers: []string{"a1"}},
		},
		Binary: PathInfo{Path: "/myapp/helloworld", Present: true, Size: 2_397_568},
		GoRoot: PathInfo{Path: "/usr/local/go"},
		Run:    RunResult{Stdout: "Hello World\n"},
	}
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
	checks := Evaluate(goodInventory())
	require.Len(t, checks, 10)
	assert.Empty(t, failedNames(checks))
	assert.Equal(t, "builder is on golang:latest (stand-in, golang); runtime is on alpine:latest (real, alpine)", checks[9].Actual)
}

func TestEvaluateEachFault(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(*Inventory)
		failed []string
	}{
		{"runtime tag missing", func(inv *Inventory) { inv.Images["runtime"] = ImageFacts{} }, []string{"1", "2", "3", "4a", "4c", "5", "6", "7", "8"}},
		{"builder tag missing", func(inv *Inventory) { delete(inv.Images, "builder") }, []string{"1", "3", "4a", "4b", "8"}},
		{"v2 differs", func(inv *Inventory) { v2 := inv.Images["v2"]; v2.ID = "sha256:other"; inv.Images["v2"] = v2 }, []string{"2"}},
		{"builder is runtime", func(inv *Inventory) {
			b := inv.Images["builder"]
			b.ID = inv.Images["runtime"].ID
			inv.Images["builder"] = b
		}, []string{"3"}},
		{"runtime too big", func(inv *Inventory) { r := inv.Images["runtime"]; r.Size = 30_000_000; inv.Images["runtime"] = r }, []string{"4a", "4c"}},
		{"builder smaller than golang", func(inv *Inventory) {
			b := inv.Bases["golang"]
			b.Size = 300_000_000
			inv.Bases["golang"] = b
		}, []string{"4b"}},
		{"runtime just over its limit", func(inv *Inventory) {
			r := inv.Images["runtime"]
			r.Size = inv.Bases["alpine"].Size + inv.Binary.Size + MiB + 1
			inv.Images["runtime"] = r
		}, []string{"4c"}},
		{"wrong entrypoint", func(inv *Inventory) {
			r := inv.Images["runtime"]
			r.Entrypoint = []string{"/bin/sh"}
			inv.Images["runtime"] = r
		}, []string{"5"}},
		{"wrong workdir", func(inv *Inventory) { r := inv.Images["runtime"]; r.WorkingDir = "/"; inv.Images["runtime"] = r }, []string{"5"}},
		{"toolchain shipped", func(inv *Inventory) { inv.GoRoot.Present = true }, []string{"6"}},
		{"binary absent", func(inv *Inventory) { inv.Binary = PathInfo{Path: "/myapp/helloworld"} }, []string{"4c", "6"}},
		{"wrong output", func(inv *Inventory) { inv.Run.Stdout = "Hello World" }, []string{"7"}},
		{"non-zero exit", func(inv *Inventory) { inv.Run.ExitCode = 3 }, []string{"7"}},
		{"could not run", func(inv *Inventory) { inv.RunErr = "run: start: no such file" }, []string{"7"}},
		{"built on another alpine", func(inv *Inventory) {
			a := inv.Bases["alpine"]
			a.Layers = []string{"x1"}
			inv.Bases["alpine"] = a
		}, []string{"8"}},
		{"alpine base absent", func(inv *Inventory) { delete(inv.Bases, "alpine") }, []string{"4c", "8"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := goodInventory()
			c.break_(&inv)
			checks := Evaluate(inv)
			assert.Equal(t, c.failed, failedNames(checks))
			assert.Equal(t, len(c.failed), Failed(checks))
		})
	}
}

func TestFailingCheckShowsExpectedAndActual(t *testing.T) {
	inv := goodInventory()
	v2 := inv.Images["v2"]
	v2.ID = "sha256:0123456789abcdef"
	inv.Images["v2"] = v2
	var out strings.Builder
	WriteChecks(&out, Evaluate(inv)[:2])
	assert.Equal(t, `PASS  1. the four tags exist
      expected: multi-state:v1, multi-state:v2, multi-state:builder, multi-state:runtime
      actual:   all present
FAIL  2. v1, v2 and runtime are one image
      expected: one image ID for v1, v2, runtime
      actual:   v1=runtime00000 v2=0123456789ab runtime=runtime00000
1 of 2 assertions passed
`, out.String())
}
