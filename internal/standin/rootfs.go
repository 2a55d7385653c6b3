package standin

import (
	"archive/tar"
	"bufio"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/toolbox"
)

// epoch is every entry's modification time, so that the same inputs always
// give the same layer.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// topDirs are the folders an alpine root filesystem has at its top.
var topDirs = []string{"bin", "dev", "etc", "home", "lib", "media", "mnt", "opt", "proc", "run", "sbin", "srv", "sys", "usr", "usr/bin", "usr/local", "usr/local/bin", "usr/sbin", "var"}

// applets get a /bin link to busybox, as alpine's busybox package makes them.
var applets = []string{"sh", "ash", "cat", "chmod", "cp", "date", "echo", "env", "false", "grep", "head", "id", "ln", "ls", "mkdir", "mv", "printf", "pwd", "rm", "rmdir", "sed", "sleep", "tail", "tar", "test", "touch", "true", "uname", "vi", "wc", "which"}

// Spec describes one stand-in: its kind and how its image is configured
// (the changes an image import applies, in Dockerfile syntax).
type Spec struct {
	Kind    string
	Changes []string
}

// Alpine is the stand-in for alpine:latest.
func Alpine() Spec {
	return Spec{
		Kind: "alpine",
		Changes: []string{
			"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			`CMD ["/bin/sh"]`,
		},
	}
}

// Golang is the stand-in for golang:latest, with the official image's
// environment so `go env -w` and `go build` work unchanged.
func Golang(goVersion string) Spec {
	return Spec{
		Kind: "golang",
		Changes: []string{
			"ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"ENV GOLANG_VERSION=" + strings.TrimPrefix(goVersion, "go"),
			"ENV GOTOOLCHAIN=local",
			"ENV GOPATH=/go",
			"ENV HOME=/root",
			"WORKDIR /go",
			`CMD ["/bin/sh"]`,
		},
	}
}

// WriteAlpine writes the alpine stand-in's root filesystem as a tar stream.
func WriteAlpine(w io.Writer, sh Shell) error {
	tw := tar.NewWriter(w)
	if err := writeBase(tw, sh); err != nil {
		return err
	}
	return tw.Close()
}

// WriteGolang writes the golang stand-in's root filesystem: the alpine one,
// GOROOT at /usr/local/go, and a world-writable GOPATH at /go.
func WriteGolang(w io.Writer, sh Shell, goroot string) error {
	tw := tar.NewWriter(w)
	if err := writeBase(tw, sh); err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		mode int64
	}{{"go", 0o1777}, {"go/bin", 0o777}, {"go/src", 0o777}} {
		if err := writeDir(tw, d.name, d.mode); err != nil {
			return err
		}
	}
	if err := writeTree(tw, goroot, "usr/local/go", skipInGoroot); err != nil {
		return err
	}
	return tw.Close()
}

// skipInGoroot leaves out what no build of a program reads: GOROOT's own
// test suite, the standard library's tests and their testdata, and the
// toolchain's own sources (src/cmd; its programs are the binaries in
// pkg/tool and bin). That is two files in three: the classic builder
// compares every file of an image at each step it commits, so a build on
// the stand-in takes a third less time.
func skipInGoroot(rel string) bool {
	if rel == "test" || rel == "src/cmd" {
		return true
	}
	return strings.HasPrefix(rel, "src/") && (path.Base(rel) == "testdata" || strings.HasSuffix(rel, "_test.go"))
}

func writeBase(tw *tar.Writer, sh Shell) error {
	for _, d := range topDirs {
		if err := writeDir(tw, d, 0o755); err != nil {
			return err
		}
	}
	for _, d := range []string{"tmp", "var/tmp"} {
		if err := writeDir(tw, d, 0o1777); err != nil {
			return err
		}
	}
	if err := writeDir(tw, "root", 0o700); err != nil {
		return err
	}
	bin, err := os.ReadFile(sh.Path)
	if err != nil {
		return fmt.Errorf("read %s: %w", sh.Path, err)
	}
	name, links := "busybox", applets
	if !sh.Busybox {
		name, links = "toolbox", toolbox.Commands()
	}
	if err := writeFile(tw, "bin/"+name, 0o755, bin); err != nil {
		return err
	}
	for _, a := range links {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "/bin/" + name, Mode: 0o777, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return err
		}
	}
	files := []struct{ name, body string }{
		{"etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n"},
		{"etc/group", "root:x:0:root\nnobody:x:65534:\n"},
		{"etc/hostname", "localhost\n"},
		{"etc/os-release", "NAME=\"multistage-lab stand-in\"\nID=standin\n"},
	}
	for _, f := range files {
		if err := writeFile(tw, f.name, 0o644, []byte(f.body)); err != nil {
			return err
		}
	}
	return nil
}

func writeDir(tw *tar.Writer, name string, mode int64) error {
	return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: epoch, Format: tar.FormatPAX})
}

func writeFile(tw *tar.Writer, name string, mode int64, body []byte) error {
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body)), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err := tw.Write(body)
	return err
}

// writeTree copies the folder src into the archive under dst, streaming each
// file, with owner root and the fixed time.
func writeTree(tw *tar.Writer, src, dst string, skip func(rel string) bool) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel != "." && skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		name := dst
		if rel != "." {
			name = path.Join(dst, rel)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return writeDir(tw, name, int64(info.Mode().Perm()))
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777, ModTime: epoch, Format: tar.FormatPAX})
		case info.Mode().IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(info.Mode().Perm()), Size: info.Size(), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
				return err
			}
			_, err = io.Copy(tw, f)
			return err
		}
		return nil
	})
}

// ErrNoToolchain says there is no Linux Go toolchain for the engine's
// architecture to put in the golang stand-in.
var ErrNoToolchain = errors.New("no Linux Go toolchain for the golang stand-in")

// Toolchain is the Go installation the golang stand-in copies.
type Toolchain struct {
	GOROOT  string
	Version string
}

// FindToolchain locates the Go toolchain that runs the lab (GOROOT, else
// `go env GOROOT`, else the one this program was built with) and checks that
// it is a Linux toolchain for goarch: the stand-in runs it inside a container.
func FindToolchain(goarch string) (Toolchain, error) {
	goroot := os.Getenv("GOROOT")
	if goroot == "" {
		if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
			goroot = strings.TrimSpace(string(out))
		}
	}
	if goroot == "" {
		goroot = runtime.GOROOT() //nolint:staticcheck // the last resort when no go command is on PATH
	}
	remedy := "pull the real image once where a registry is reachable, or `docker load` a saved golang image"
	if goroot == "" {
		return Toolchain{}, fmt.Errorf("%w: GOROOT not found: %s", ErrNoToolchain, remedy)
	}
	goBin := filepath.Join(goroot, "bin", "go")
	f, err := elf.Open(goBin)
	if err != nil {
		return Toolchain{}, fmt.Errorf("%w: %s is not a Linux program (this host runs %s/%s): %s", ErrNoToolchain, goBin, runtime.GOOS, runtime.GOARCH, remedy)
	}
	machine := f.Machine
	f.Close()
	if want := elfMachines[goarch]; machine != want {
		return Toolchain{}, fmt.Errorf("%w: %s is built for %s, the engine runs %s: %s", ErrNoToolchain, goBin, machine, goarch, remedy)
	}
	if _, err := os.Stat(filepath.Join(goroot, "pkg", "tool", "linux_"+goarch, "compile")); err != nil {
		return Toolchain{}, fmt.Errorf("%w: %s has no linux_%s compiler: %s", ErrNoToolchain, goroot, goarch, remedy)
	}
	return Toolchain{GOROOT: goroot, Version: readVersion(goroot)}, nil
}

// readVersion returns the first line of GOROOT/VERSION ("go1.26.8").
func readVersion(goroot string) string {
	f, err := os.Open(filepath.Join(goroot, "VERSION"))
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	if s.Scan() {
		return strings.TrimSpace(s.Text())
	}
	return "unknown"
}
