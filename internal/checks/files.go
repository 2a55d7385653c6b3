package checks

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Files: paths present in, and absent from, the image's filesystem; and by
// path, its permission bits (octal), its owner ("uid" or "uid:gid", as
// numbers) and a Go regular expression found in its content.
//
//	files: {image: runtime, present: [/myapp/helloworld], absent: [/usr/local/go]}
//	files: {image: app, mode: {/app/run: "0755"}, owner: {/data: "1000:1000"}, contains: {/etc/motd: "^welcome"}}
type Files struct {
	Image    string            `yaml:"image"`
	Present  []string          `yaml:"present"`
	Absent   []string          `yaml:"absent"`
	Mode     map[string]string `yaml:"mode"`
	Owner    map[string]string `yaml:"owner"`
	Contains map[string]string `yaml:"contains"`
}

func (f Files) Images() ([]string, bool) { return []string{f.Image}, false }
func (f Files) Need(n *Needs) {
	n.Path(f.Image, f.Present...)
	n.Path(f.Image, f.Absent...)
	for _, m := range []map[string]string{f.Mode, f.Owner, f.Contains} {
		n.ReadPath(f.Image, slices.Sorted(maps.Keys(m))...)
	}
}

func (f Files) Invalid() string {
	paths := append(append([]string{}, f.Present...), f.Absent...)
	for _, m := range []map[string]string{f.Mode, f.Owner, f.Contains} {
		paths = append(paths, slices.Sorted(maps.Keys(m))...)
	}
	if len(paths) == 0 {
		return "files names no path present, absent, or with a mode, owner or content"
	}
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") {
			return fmt.Sprintf("files: %q is not an absolute path", p)
		}
	}
	for p, m := range f.Mode {
		if v, err := strconv.ParseUint(m, 8, 32); err != nil || v > 0o7777 {
			return fmt.Sprintf("files.mode of %s: %q is not an octal mode (0755)", p, m)
		}
	}
	for p, o := range f.Owner {
		if _, _, ok := owner(o); !ok {
			return fmt.Sprintf("files.owner of %s: %q is not uid or uid:gid as numbers (1000:1000)", p, o)
		}
	}
	for p, re := range f.Contains {
		if _, err := regexp.Compile(re); err != nil {
			return fmt.Sprintf("files.contains of %s: %v", p, err)
		}
	}
	return ""
}

// owner reads "uid" or "uid:gid"; gid is -1 when not given.
func owner(s string) (uid, gid int, ok bool) {
	u, g, both := strings.Cut(s, ":")
	uid, err := strconv.Atoi(u)
	if err != nil || uid < 0 {
		return 0, 0, false
	}
	gid = -1
	if both {
		if gid, err = strconv.Atoi(g); err != nil || gid < 0 {
			return 0, 0, false
		}
	}
	return uid, gid, true
}

func (f Files) Evaluate(l Lab, inv Inventory) Verdict {
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
			is := inv.Paths[f.Image][p].Present
			got = append(got, p+" "+state(is))
			pass = pass && is == set.present
		}
	}
	read := func(p string) (PathInfo, string) {
		info := inv.Paths[f.Image][p]
		if !info.Present {
			return info, "absent"
		}
		return info, ""
	}
	for _, p := range slices.Sorted(maps.Keys(f.Mode)) {
		m, _ := strconv.ParseUint(f.Mode[p], 8, 32)
		want = append(want, fmt.Sprintf("%s mode %04o", p, m))
		info, absent := read(p)
		if absent != "" {
			got, pass = append(got, p+" absent"), false
			continue
		}
		got = append(got, fmt.Sprintf("%s mode %04o", p, info.Mode&0o7777))
		pass = pass && uint64(info.Mode&0o7777) == m
	}
	for _, p := range slices.Sorted(maps.Keys(f.Owner)) {
		uid, gid, _ := owner(f.Owner[p])
		want = append(want, p+" owner "+f.Owner[p])
		info, absent := read(p)
		if absent != "" {
			got, pass = append(got, p+" absent"), false
			continue
		}
		got = append(got, fmt.Sprintf("%s owner %d:%d", p, info.UID, info.GID))
		pass = pass && info.UID == uid && (gid < 0 || info.GID == gid)
	}
	for _, p := range slices.Sorted(maps.Keys(f.Contains)) {
		want = append(want, fmt.Sprintf("%s contains %q", p, f.Contains[p]))
		info, absent := read(p)
		if absent != "" {
			got, pass = append(got, p+" absent"), false
			continue
		}
		ok := regexp.MustCompile(f.Contains[p]).Match(info.Content)
		if ok {
			got = append(got, fmt.Sprintf("%s contains it", p))
		} else {
			got = append(got, fmt.Sprintf("%s does not (%d bytes)", p, len(info.Content)))
		}
		pass = pass && ok
	}
	expected := strings.Join(want, ", ")
	if _, err := image(l, inv, f.Image); err != nil {
		return missing(expected, err)
	}
	return Verdict{Expected: expected, Actual: strings.Join(got, ", "), Pass: pass}
}
