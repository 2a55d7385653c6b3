package structuretest

import (
	"archive/tar"
	"context"
	"io/fs"
	"os"

	"github.com/multistage-lab/multistage-lab/internal/engine"
)

// fileTest starts a file test as CST does: its name and path checked, a
// driver with the global variables committed. A non-nil Result is the
// test's verdict already (a failure).
func fileTest(ctx context.Context, c engine.Client, ref string, global []EnvVar, name, p string) (*driver, *Result) {
	if name == "" || p == "" {
		return nil, &Result{Name: name, Errors: []string{"Please provide a valid name and file path for every test"}}
	}
	d := newDriver(c, ref)
	if err := d.setEnv(ctx, global); err != nil {
		d.destroy()
		return nil, &Result{Name: name, Errors: []string{"error setting env vars: " + err.Error()}}
	}
	return d, nil
}

func fileContentTest(ctx context.Context, c engine.Client, ref string, global []EnvVar, t FileContentTest) Result {
	d, early := fileTest(ctx, c, ref, global, t.Name, t.Path)
	if early != nil {
		return *early
	}
	defer d.destroy()
	r := Result{Name: "File Content Test: " + t.Name, Pass: true}
	data, err := d.read(ctx, t.Path)
	if err != nil {
		r.fail("Failed to open %s. Error: %s", t.Path, err)
		return r
	}
	contents := string(data)
	r.match(t.ExpectedContents, contents, "file content string", true)
	r.match(t.ExcludedContents, contents, "file content string", false)
	return r
}

func fileExistenceTest(ctx context.Context, c engine.Client, ref string, global []EnvVar, t FileExistenceTest) Result {
	d, early := fileTest(ctx, c, ref, global, t.Name, t.Path)
	if early != nil {
		return *early
	}
	defer d.destroy()
	r := Result{Name: "File Existence Test: " + t.Name, Pass: true}
	env := d.imageEnv(ctx)
	info, err := d.stat(ctx, os.Expand(t.Path, func(k string) string { return env[k] }))
	if info == nil && t.ShouldExist {
		r.fail("Error examining file in container: %s", err)
		return r
	}
	if t.ShouldExist && err != nil {
		r.fail("File %s should exist but does not, got error: %s", t.Path, err)
	} else if !t.ShouldExist && err == nil {
		r.fail("File %s should not exist but does", t.Path)
	}
	if !t.ShouldExist {
		return r
	}
	mode := info.Mode()
	if t.Permissions != "" && mode.String() != t.Permissions {
		r.fail("%s has incorrect permissions. Expected: %s, Actual: %s", t.Path, t.Permissions, mode.String())
	}
	if t.IsExecutableBy != "" {
		bits := map[string]fs.FileMode{"any": 0o111, "owner": 0o100, "group": 0o010, "other": 0o001}
		if b, ok := bits[t.IsExecutableBy]; !ok {
			r.fail("%s not recognised as a valid option", t.IsExecutableBy)
		} else if mode&b == 0 {
			r.fail("%s has incorrect executable bit. Expected to be executable by %s, Actual: %s", t.Path, t.IsExecutableBy, mode.String())
		}
	}
	if t.UID != noOwner || t.GID != noOwner {
		h, ok := info.Sys().(*tar.Header)
		switch {
		case !ok:
			r.fail("Error checking ownership of file %s", t.Path)
		default:
			if t.UID != noOwner && h.Uid != t.UID {
				r.fail("%s has incorrect user ownership. Expected: %d, Actual: %d", t.Path, t.UID, h.Uid)
			}
			if t.GID != noOwner && h.Gid != t.GID {
				r.fail("%s has incorrect group ownership. Expected: %d, Actual: %d", t.Path, t.GID, h.Gid)
			}
		}
	}
	return r
}
