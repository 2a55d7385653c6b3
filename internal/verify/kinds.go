package verify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
)

// Each kind of check a lab file can name, judged on the inventory.

type evaluation struct {
	def *labfile.Lab
	inv Inventory
}

func (e evaluation) check(c labfile.Check) Check {
	switch {
	case c.Exist != nil:
		return e.exist(*c.Exist)
	case c.SameID != nil:
		return e.sameID(c.SameID)
	case c.Differ != nil:
		return e.differ(c.Differ)
	case c.Smaller != nil:
		return e.smaller(*c.Smaller)
	case c.AtLeastBase != "":
		return e.atLeastBase(c.AtLeastBase)
	case c.AtMostBase != nil:
		return e.atMostBase(*c.AtMostBase)
	case c.Config != nil:
		return e.config(*c.Config)
	case c.Files != nil:
		return e.files(*c.Files)
	case c.Run != nil:
		return e.run(*c.Run)
	case c.OnBase != nil:
		return e.onBase(c.OnBase)
	}
	return Check{Expected: "a check of a known kind", Actual: "none"}
}

// image is the named image's facts, or why they are missing.
func (e evaluation) image(name string) (ImageFacts, error) {
	im, ok := e.inv.Images[name]
	if !ok || !im.Present {
		tag := name
		if d, ok := e.def.ImageNamed(name); ok {
			tag = d.Tag
		}
		return ImageFacts{}, fmt.Errorf("%s is missing", tag)
	}
	return im, nil
}

// base is the base image the named image is built on, or why it is missing.
func (e evaluation) base(name string) (Base, string, error) {
	b, _ := e.def.BaseOf(name)
	got, ok := e.inv.Bases[b.Role]
	if !ok || got.ID == "" {
		return got, b.Role, fmt.Errorf("the %s base %s is missing", b.Role, got.Ref)
	}
	return got, b.Role, nil
}

func missing(expected string, err error) Check {
	return Check{Expected: expected, Actual: err.Error()}
}

func (e evaluation) exist(n labfile.Names) Check {
	names := n.Names
	if n.All {
		names = nil
		for _, im := range e.def.Images {
			names = append(names, im.Name)
		}
	}
	var want, absent []string
	for _, name := range names {
		im, _ := e.def.ImageNamed(name)
		want = append(want, im.Tag)
		if f, ok := e.inv.Images[name]; !ok || !f.Present {
			absent = append(absent, im.Tag)
		}
	}
	c := Check{Expected: strings.Join(want, ", "), Pass: len(absent) == 0}
	if c.Pass {
		c.Actual = "all present"
	} else {
		c.Actual = "missing: " + strings.Join(absent, ", ")
	}
	return c
}

// ids lists the images' short IDs, or says which is missing.
func (e evaluation) ids(names []string) ([]string, []string, error) {
	var ids, shown []string
	for _, n := range names {
		im, err := e.image(n)
		if err != nil {
			return nil, nil, err
		}
		ids = append(ids, im.ID)
		shown = append(shown, n+"="+display.ShortID(im.ID))
	}
	return ids, shown, nil
}

func (e evaluation) sameID(names []string) Check {
	expected := "one image ID for " + strings.Join(names, ", ")
	ids, shown, err := e.ids(names)
	if err != nil {
		return missing(expected, err)
	}
	return Check{Expected: expected, Actual: strings.Join(shown, " "), Pass: len(slices.Compact(slices.Sorted(slices.Values(ids)))) == 1}
}

func (e evaluation) differ(names []string) Check {
	expected := strings.Join(names, " ID != ") + " ID"
	if len(names) > 2 {
		expected = "no two of " + strings.Join(names, ", ") + " share an ID"
	}
	ids, shown, err := e.ids(names)
	if err != nil {
		return missing(expected, err)
	}
	return Check{Expected: expected, Actual: strings.Join(shown, " "), Pass: len(slices.Compact(slices.Sorted(slices.Values(ids)))) == len(ids)}
}

func (e evaluation) smaller(s labfile.Smaller) Check {
	short := fmt.Sprintf("%s < %g%% of %s", s.Image, s.Percent, s.Than)
	than, err := e.image(s.Than)
	if err != nil {
		return missing(short, err)
	}
	im, err := e.image(s.Image)
	if err != nil {
		return missing(short, err)
	}
	limit := float64(than.Size) * s.Percent / 100
	return Check{
		Expected: fmt.Sprintf("%s < %s (%g%% of %s %s; sizes unpacked)", s.Image, display.HumanSize(int64(limit)), s.Percent, s.Than, display.HumanSize(than.Size)),
		Actual:   fmt.Sprintf("%s %s = %.2f%% of %s", s.Image, display.HumanSize(im.Size), 100*float64(im.Size)/float64(max(than.Size, 1)), s.Than),
		Pass:     float64(im.Size) < limit,
	}
}

func (e evaluation) atLeastBase(name string) Check {
	b, role, berr := e.base(name)
	short := fmt.Sprintf("%s >= the %s base", name, role)
	im, err := e.image(name)
	if err != nil {
		return missing(short, err)
	}
	if berr != nil {
		return missing(short, berr)
	}
	return Check{
		Expected: fmt.Sprintf("%s >= %s (%d bytes, %s; sizes unpacked)", name, b.Ref, b.Size, display.HumanSize(b.Size)),
		Actual:   fmt.Sprintf("%s %d bytes (%s)", name, im.Size, display.HumanSize(im.Size)),
		Pass:     im.Size >= b.Size,
	}
}

func (e evaluation) atMostBase(a labfile.AtMostBase) Check {
	b, role, berr := e.base(a.Image)
	parts := []string{role}
	if a.PlusFile != "" {
		parts = append(parts, a.PlusFile)
	}
	slack := fmt.Sprintf("%g MiB", a.SlackMiB)
	short := fmt.Sprintf("%s <= %s + %s", a.Image, strings.Join(parts, " + "), slack)
	im, err := e.image(a.Image)
	if err != nil {
		return missing(short, err)
	}
	if berr != nil {
		return missing(short, berr)
	}
	limit := b.Size + int64(a.SlackMiB*MiB)
	shown := []string{role + " " + display.HumanSize(b.Size)}
	if a.PlusFile != "" {
		f := e.inv.Paths[a.Image][a.PlusFile]
		if !f.Present {
			return missing(short, fmt.Errorf("%s is not in %s", a.PlusFile, a.Image))
		}
		limit += f.Size
		shown = append(shown, a.PlusFile+" "+display.HumanSize(f.Size))
	}
	return Check{
		Expected: fmt.Sprintf("%s <= %d bytes (%s + %s; sizes unpacked)", a.Image, limit, strings.Join(shown, " + "), slack),
		Actual:   fmt.Sprintf("%s %d bytes (%s)", a.Image, im.Size, display.HumanSize(im.Size)),
		Pass:     im.Size <= limit,
	}
}

func (e evaluation) config(c labfile.Config) Check {
	var want, got []string
	if c.Entrypoint != nil {
		want = append(want, fmt.Sprintf("entrypoint %q", c.Entrypoint))
	}
	if c.Workdir != "" {
		want = append(want, "workdir "+c.Workdir)
	}
	expected := strings.Join(want, ", ")
	im, err := e.image(c.Image)
	if err != nil {
		return missing(expected, err)
	}
	pass := true
	if c.Entrypoint != nil {
		got = append(got, fmt.Sprintf("entrypoint %q", im.Entrypoint))
		pass = slices.Equal(im.Entrypoint, c.Entrypoint)
	}
	if c.Workdir != "" {
		got = append(got, "workdir "+im.WorkingDir)
		pass = pass && im.WorkingDir == c.Workdir
	}
	return Check{Expected: expected, Actual: strings.Join(got, ", "), Pass: pass}
}

func (e evaluation) files(f labfile.Files) Check {
	var want, got []string
	pass := true
	state := func(present bool) string {
		if present {
			return "present"
		}
		return "absent"
	}
	for _, set := range []struct {
		paths   []string
		present bool
	}{{f.Present, true}, {f.Absent, false}} {
		for _, p := range set.paths {
			want = append(want, p+" "+state(set.present))
			is := e.inv.Paths[f.Image][p].Present
			got = append(got, p+" "+state(is))
			pass = pass && is == set.present
		}
	}
	expected := strings.Join(want, ", ")
	if _, err := e.image(f.Image); err != nil {
		return missing(expected, err)
	}
	return Check{Expected: expected, Actual: strings.Join(got, ", "), Pass: pass}
}

func (e evaluation) run(r labfile.Run) Check {
	expected := fmt.Sprintf("stdout %q, exit %d", r.Stdout, r.Exit)
	if _, err := e.image(r.Image); err != nil {
		return missing(expected, err)
	}
	got, ok := e.inv.Runs[r.Image]
	if !ok {
		return Check{Expected: expected, Actual: "not run"}
	}
	if got.Err != "" {
		return Check{Expected: expected, Actual: got.Err}
	}
	return Check{
		Expected: expected,
		Actual:   fmt.Sprintf("stdout %q, exit %d", got.Stdout, got.ExitCode),
		Pass:     got.Stdout == r.Stdout && got.ExitCode == int64(r.Exit),
	}
}

// onBase proves the images were built on the bases the table shows: an
// image's layers begin with its base's layers.
func (e evaluation) onBase(names []string) Check {
	var want, actual []string
	for i, n := range names {
		b, _ := e.def.BaseOf(n)
		ref := e.inv.Bases[b.Role].Ref
		if i == 0 {
			want = append(want, fmt.Sprintf("%s's layers start with %s's", n, ref))
		} else {
			want = append(want, fmt.Sprintf("%s's with %s's", n, ref))
		}
	}
	expected := strings.Join(want, ", ")
	pass := true
	for _, n := range names {
		im, err := e.image(n)
		if err != nil {
			return missing(expected, err)
		}
		b, _, err := e.base(n)
		if err != nil {
			return missing(expected, err)
		}
		on := len(b.Layers) > 0 && len(im.Layers) >= len(b.Layers) && slices.Equal(im.Layers[:len(b.Layers)], b.Layers)
		pass = pass && on
		verb := "is on"
		if !on {
			verb = "is NOT on"
		}
		actual = append(actual, fmt.Sprintf("%s %s %s (%s, %s)", n, verb, b.Ref, b.Kind(), display.ShortID(b.ID)))
	}
	return Check{Expected: expected, Actual: strings.Join(actual, "; "), Pass: pass}
}
