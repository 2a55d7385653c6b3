package lab

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// ImageFacts is what the engine says of one image, in the lab's own terms so
// that no assertion touches Docker's types.
type ImageFacts struct {
	Ref     string
	Present bool
	ID      string
	// Size is the unpacked size, the one the assertions compare on every
	// image store (see Sizes).
	Size       int64
	Sizes      Sizes
	Entrypoint []string
	WorkingDir string
	Layers     []string
	Labels     map[string]string
	Created    string
	Env        []string
	History    []HistoryEntry
}

// HistoryEntry is one step of an image's history, oldest first.
type HistoryEntry struct {
	CreatedBy string
	Size      int64
	Comment   string
}

// Inventory is everything the assertions look at, gathered from the engine
// once.
type Inventory struct {
	// Images holds the lab images by name (v1, v2, builder, runtime).
	Images map[string]ImageFacts
	// Bases holds the base images by role: "golang" (the builder stage's
	// FROM) and "alpine" (the runtime stage's).
	Bases map[string]Base
	// Binary and GoRoot are /myapp/helloworld and /usr/local/go in runtime.
	Binary PathInfo
	GoRoot PathInfo
	// Run is what a container of runtime printed; RunErr why it could not run.
	Run    RunResult
	RunErr string
	// Store is the engine's image store, which says what an ID is.
	Store Store
}

// Check is one assertion's outcome.
type Check struct {
	Name     string
	Pass     bool
	Expected string
	Actual   string
}

// MiB is the slack allowed on the runtime image's size.
const MiB = 1 << 20

// Evaluate runs every assertion on an inventory. Each one reports expected
// and actual, and a missing image makes the checks that need it fail with
// that as the reason.
func Evaluate(inv Inventory) []Check {
	return []Check{
		checkTags(inv),
		checkSameID(inv),
		checkBuilderDiffers(inv),
		checkRuntimeFraction(inv),
		checkBuilderAtLeastBase(inv),
		checkRuntimeAtMost(inv),
		checkRuntimeConfig(inv),
		checkRuntimeFiles(inv),
		checkRuntimeOutput(inv),
		checkBases(inv),
	}
}

// Failed counts the checks that did not pass.
func Failed(checks []Check) int {
	n := 0
	for _, c := range checks {
		if !c.Pass {
			n++
		}
	}
	return n
}

func (inv Inventory) image(name string) (ImageFacts, error) {
	im, ok := inv.Images[name]
	if !ok || !im.Present {
		return ImageFacts{}, fmt.Errorf("%s:%s is missing", Repository, name)
	}
	return im, nil
}

func missing(name, expected string, err error) Check {
	return Check{Name: name, Expected: expected, Actual: err.Error()}
}

func checkTags(inv Inventory) Check {
	const name = "1. the four tags exist"
	var want, absent []string
	for _, im := range Images {
		want = append(want, im.Tag)
		if f, ok := inv.Images[im.Name]; !ok || !f.Present {
			absent = append(absent, im.Tag)
		}
	}
	c := Check{Name: name, Expected: strings.Join(want, ", "), Pass: len(absent) == 0}
	if c.Pass {
		c.Actual = "all present"
	} else {
		c.Actual = "missing: " + strings.Join(absent, ", ")
	}
	return c
}

func checkSameID(inv Inventory) Check {
	const name = "2. v1, v2 and runtime are one image"
	const expected = "one image ID for v1, v2, runtime"
	var ids []string
	for _, n := range []string{"v1", "v2", "runtime"} {
		im, err := inv.image(n)
		if err != nil {
			return missing(name, expected, err)
		}
		ids = append(ids, n+"="+shortID(im.ID))
	}
	v1, v2, rt := inv.Images["v1"].ID, inv.Images["v2"].ID, inv.Images["runtime"].ID
	return Check{Name: name, Expected: expected, Actual: strings.Join(ids, " "), Pass: v1 == v2 && v2 == rt}
}

func checkBuilderDiffers(inv Inventory) Check {
	const name = "3. builder is another image than runtime"
	const expected = "builder ID != runtime ID"
	b, err := inv.image("builder")
	if err != nil {
		return missing(name, expected, err)
	}
	r, err := inv.image("runtime")
	if err != nil {
		return missing(name, expected, err)
	}
	return Check{Name: name, Expected: expected, Actual: fmt.Sprintf("builder=%s runtime=%s", shortID(b.ID), shortID(r.ID)), Pass: b.ID != r.ID}
}

func checkRuntimeFraction(inv Inventory) Check {
	const name = "4a. runtime is under 10% of builder's size"
	b, err := inv.image("builder")
	if err != nil {
		return missing(name, "runtime < 10% of builder", err)
	}
	r, err := inv.image("runtime")
	if err != nil {
		return missing(name, "runtime < 10% of builder", err)
	}
	return Check{
		Name:     name,
		Expected: fmt.Sprintf("runtime < %s (10%% of builder %s; sizes unpacked)", humanSize(b.Size/10), humanSize(b.Size)),
		Actual:   fmt.Sprintf("runtime %s = %.2f%% of builder", humanSize(r.Size), 100*float64(r.Size)/float64(max(b.Size, 1))),
		Pass:     r.Size*10 < b.Size,
	}
}

func checkBuilderAtLeastBase(inv Inventory) Check {
	const name = "4b. builder is at least the golang base's size"
	b, err := inv.image("builder")
	if err != nil {
		return missing(name, "builder >= golang:latest", err)
	}
	g, ok := inv.Bases["golang"]
	if !ok || g.ID == "" {
		return missing(name, "builder >= golang base", fmt.Errorf("the golang base %s is missing", g.Ref))
	}
	return Check{
		Name:     name,
		Expected: fmt.Sprintf("builder >= %s (%d bytes, %s; sizes unpacked)", g.Ref, g.Size, humanSize(g.Size)),
		Actual:   fmt.Sprintf("builder %d bytes (%s)", b.Size, humanSize(b.Size)),
		Pass:     b.Size >= g.Size,
	}
}

func checkRuntimeAtMost(inv Inventory) Check {
	const name = "4c. runtime is at most alpine + the binary + 1 MiB"
	r, err := inv.image("runtime")
	if err != nil {
		return missing(name, "runtime <= alpine + binary + 1 MiB", err)
	}
	a, ok := inv.Bases["alpine"]
	if !ok || a.ID == "" {
		return missing(name, "runtime <= alpine + binary + 1 MiB", fmt.Errorf("the alpine base %s is missing", a.Ref))
	}
	if !inv.Binary.Present {
		return missing(name, "runtime <= alpine + binary + 1 MiB", fmt.Errorf("%s is not in runtime", inv.Binary.Path))
	}
	limit := a.Size + inv.Binary.Size + MiB
	return Check{
		Name:     name,
		Expected: fmt.Sprintf("runtime <= %d bytes (alpine %s + binary %s + 1 MiB; sizes unpacked)", limit, humanSize(a.Size), humanSize(inv.Binary.Size)),
		Actual:   fmt.Sprintf("runtime %d bytes (%s)", r.Size, humanSize(r.Size)),
		Pass:     r.Size <= limit,
	}
}

func checkRuntimeConfig(inv Inventory) Check {
	const name = "5. runtime's entrypoint and working directory"
	want := []string{"./helloworld"}
	const wantDir = "/myapp"
	expected := fmt.Sprintf("entrypoint %q, workdir %s", want, wantDir)
	r, err := inv.image("runtime")
	if err != nil {
		return missing(name, expected, err)
	}
	return Check{
		Name:     name,
		Expected: expected,
		Actual:   fmt.Sprintf("entrypoint %q, workdir %s", r.Entrypoint, r.WorkingDir),
		Pass:     slices.Equal(r.Entrypoint, want) && r.WorkingDir == wantDir,
	}
}

func checkRuntimeFiles(inv Inventory) Check {
	const name = "6. runtime holds the binary and no Go toolchain"
	const expected = "/myapp/helloworld present, /usr/local/go absent"
	if _, err := inv.image("runtime"); err != nil {
		return missing(name, expected, err)
	}
	state := func(p PathInfo) string {
		if p.Present {
			return "present"
		}
		return "absent"
	}
	return Check{
		Name:     name,
		Expected: expected,
		Actual:   fmt.Sprintf("%s %s, %s %s", inv.Binary.Path, state(inv.Binary), inv.GoRoot.Path, state(inv.GoRoot)),
		Pass:     inv.Binary.Present && !inv.GoRoot.Present,
	}
}

func checkRuntimeOutput(inv Inventory) Check {
	const name = "7. a runtime container prints Hello World"
	const expected = `stdout "Hello World\n", exit 0`
	if _, err := inv.image("runtime"); err != nil {
		return missing(name, expected, err)
	}
	if inv.RunErr != "" {
		return Check{Name: name, Expected: expected, Actual: inv.RunErr}
	}
	return Check{
		Name:     name,
		Expected: expected,
		Actual:   fmt.Sprintf("stdout %q, exit %d", inv.Run.Stdout, inv.Run.ExitCode),
		Pass:     inv.Run.Stdout == "Hello World\n" && inv.Run.ExitCode == 0,
	}
}

// checkBases proves the images were built on the bases the table shows: an
// image's layers begin with its base's layers.
func checkBases(inv Inventory) Check {
	const name = "8. the build used the reported base images"
	expected := fmt.Sprintf("builder's layers start with %s's, runtime's with %s's", inv.Bases["golang"].Ref, inv.Bases["alpine"].Ref)
	var actual []string
	pass := true
	for _, p := range []struct{ image, base string }{{"builder", "golang"}, {"runtime", "alpine"}} {
		im, err := inv.image(p.image)
		if err != nil {
			return missing(name, expected, err)
		}
		b, ok := inv.Bases[p.base]
		if !ok || b.ID == "" {
			return missing(name, expected, fmt.Errorf("the %s base %s is missing", p.base, b.Ref))
		}
		on := len(b.Layers) > 0 && len(im.Layers) >= len(b.Layers) && slices.Equal(im.Layers[:len(b.Layers)], b.Layers)
		pass = pass && on
		verb := "is on"
		if !on {
			verb = "is NOT on"
		}
		actual = append(actual, fmt.Sprintf("%s %s %s (%s, %s)", p.image, verb, b.Ref, b.Kind(), shortID(b.ID)))
	}
	return Check{Name: name, Expected: expected, Actual: strings.Join(actual, "; "), Pass: pass}
}

// WriteChecks prints each check as PASS or FAIL with expected and actual.
func WriteChecks(w io.Writer, checks []Check) {
	for _, c := range checks {
		status := "PASS"
		if !c.Pass {
			status = "FAIL"
		}
		fmt.Fprintf(w, "%s  %s\n      expected: %s\n      actual:   %s\n", status, c.Name, c.Expected, c.Actual)
	}
	fmt.Fprintf(w, "%d of %d assertions passed\n", len(checks)-Failed(checks), len(checks))
}
