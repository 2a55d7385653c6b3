package standin

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// entry is what a test needs of one tar entry.
type entry struct {
	typ  byte
	mode int64
	link string
	body string
}

func readTar(t *testing.T, data []byte) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		_, dup := out[h.Name]
		require.False(t, dup, "duplicate entry %s (the engine rejects those)", h.Name)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		out[h.Name] = entry{typ: h.Typeflag, mode: h.Mode, link: h.Linkname, body: string(body)}
		assert.Equal(t, epoch, h.ModTime.UTC(), h.Name)
		assert.Zero(t, h.Uid, h.Name)
	}
}

func fakeBusybox(t *testing.T) Shell {
	t.Helper()
	p := filepath.Join(t.TempDir(), "busybox")
	require.NoError(t, os.WriteFile(p, []byte("busybox-bytes"), 0o755))
	return Shell{Path: p, Busybox: true}
}

// TestAlpineRootfsWithTheToolbox: without busybox, /bin holds the toolbox
// and a link to it for each of its commands, and nothing else.
func TestAlpineRootfsWithTheToolbox(t *testing.T) {
	p := filepath.Join(t.TempDir(), "toolbox")
	require.NoError(t, os.WriteFile(p, []byte("toolbox-bytes"), 0o755))
	var buf bytes.Buffer
	require.NoError(t, WriteAlpine(&buf, Shell{Path: p}))
	fs := readTar(t, buf.Bytes())
	assert.Equal(t, entry{typ: tar.TypeReg, mode: 0o755, body: "toolbox-bytes"}, fs["bin/toolbox"])
	for _, name := range []string{"sh", "echo", "sleep", "env", "true", "false", "printf", "pwd", "test", "[", "cat", "ls"} {
		assert.Equal(t, entry{typ: tar.TypeSymlink, mode: 0o777, link: "/bin/toolbox"}, fs["bin/"+name], name)
	}
	assert.NotContains(t, fs, "bin/busybox")
	assert.NotContains(t, fs, "bin/vi", "busybox's applets are not linked to the toolbox")
}

// TestBuildToolboxIsAStaticLinuxProgram builds the toolbox from the module
// cache and runs its commands by their link names, where the machine can.
func TestBuildToolboxIsAStaticLinuxProgram(t *testing.T) {
	testkit.NotShort(t, "builds a program")
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := t.TempDir()
	sh, err := BuildToolbox(t.Context(), root, runtime.GOARCH, dir)
	require.NoError(t, err)
	require.NoError(t, CheckStatic(sh.Path, runtime.GOARCH))
	assert.False(t, sh.Busybox)
	assert.Regexp(t, `^/bin/sh is the lab's toolbox \(shell: mvdan.cc/sh/v3 v3\.[0-9.]+, core commands: github.com/u-root/u-root v0\.[0-9.]+; [0-9]+ commands\)`, sh.Describe())
	if runtime.GOOS != "linux" {
		return
	}
	for _, name := range []string{"sh", "sleep", "echo"} {
		require.NoError(t, os.Symlink(sh.Path, filepath.Join(dir, name)))
	}
	b, err := exec.Command(filepath.Join(dir, "sh"), "-c", `x=seed; sleep 0 && echo "hello $x" > /dev/stdout && test -n "$x"`).CombinedOutput()
	require.NoError(t, err, string(b))
	assert.Equal(t, "hello seed\n", string(b))
	b, err = exec.Command(filepath.Join(dir, "echo"), "hi").CombinedOutput()
	require.NoError(t, err, string(b))
	assert.Equal(t, "hi\n", string(b))
}

func TestAlpineRootfs(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteAlpine(&buf, fakeBusybox(t)))
	fs := readTar(t, buf.Bytes())

	assert.Equal(t, entry{typ: tar.TypeReg, mode: 0o755, body: "busybox-bytes"}, fs["bin/busybox"])
	assert.Equal(t, entry{typ: tar.TypeSymlink, mode: 0o777, link: "/bin/busybox"}, fs["bin/sh"])
	assert.Equal(t, int64(0o1777), fs["tmp/"].mode)
	assert.Equal(t, int64(0o700), fs["root/"].mode)
	for _, d := range []string{"etc/", "usr/bin/", "var/", "proc/", "sys/", "dev/"} {
		assert.Equal(t, byte(tar.TypeDir), fs[d].typ, d)
	}
	assert.Contains(t, fs["etc/passwd"].body, "root:x:0:0:root:/root:/bin/sh")
	assert.NotContains(t, fs, "usr/local/go/", "alpine has no Go toolchain")
}

func TestGolangRootfs(t *testing.T) {
	goroot := t.TempDir()
	files := map[string]string{
		"VERSION":             "go1.99.1\ntime 2026\n",
		"bin/go":              "go-binary",
		"src/fmt/print.go":    "package fmt",
		"pkg/tool/x/compile":  "compiler",
		"test/fixedbugs/x.go": "left out",
		"src/go/test/keep.go": "a test folder below the top is kept",
		"src/cmd/go/main.go":  "the toolchain's own source: left out",
		"src/fmt/fmt_test.go": "left out",
		"src/fmt/testdata/x":  "left out",
		"src/vendor/x/y.go":   "package y",
	}
	for name, body := range files {
		p := filepath.Join(goroot, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	require.NoError(t, os.Symlink("print.go", filepath.Join(goroot, "src", "fmt", "link.go")))

	var buf bytes.Buffer
	require.NoError(t, WriteGolang(&buf, fakeBusybox(t), goroot))
	fs := readTar(t, buf.Bytes())

	assert.Equal(t, "package fmt", fs["usr/local/go/src/fmt/print.go"].body)
	assert.Equal(t, "go-binary", fs["usr/local/go/bin/go"].body)
	assert.Equal(t, entry{typ: tar.TypeSymlink, mode: 0o777, link: "print.go"}, fs["usr/local/go/src/fmt/link.go"])
	assert.Contains(t, fs, "usr/local/go/src/go/test/keep.go")
	assert.Contains(t, fs, "usr/local/go/src/vendor/x/y.go")
	assert.NotContains(t, fs, "usr/local/go/src/cmd/", "the toolchain's sources are left out")
	assert.NotContains(t, fs, "usr/local/go/src/cmd/go/main.go")
	assert.NotContains(t, fs, "usr/local/go/src/fmt/fmt_test.go", "the standard library's tests are left out")
	assert.NotContains(t, fs, "usr/local/go/src/fmt/testdata/x")
	assert.NotContains(t, fs, "usr/local/go/test/", "GOROOT's own test suite is left out")
	assert.NotContains(t, fs, "usr/local/go/test/fixedbugs/x.go")
	assert.Equal(t, int64(0o1777), fs["go/"].mode, "GOPATH is writable by any user")
	assert.Contains(t, fs, "bin/busybox")
	assert.Contains(t, fs, "root/", "HOME for go env -w")
}

func TestRootfsIsReproducible(t *testing.T) {
	bb := fakeBusybox(t)
	var a, b bytes.Buffer
	require.NoError(t, WriteAlpine(&a, bb))
	require.NoError(t, WriteAlpine(&b, bb))
	assert.Equal(t, a.Bytes(), b.Bytes())
}

func TestGolangSpecHasTheOfficialEnvironment(t *testing.T) {
	s := Golang("go1.26.8")
	assert.Equal(t, "golang", s.Kind)
	assert.Contains(t, s.Changes, "ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	assert.Contains(t, s.Changes, "ENV GOPATH=/go")
	assert.Contains(t, s.Changes, "ENV GOLANG_VERSION=1.26.8")
}

func TestCheckStatic(t *testing.T) {
	notELF := filepath.Join(t.TempDir(), "script")
	require.NoError(t, os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755))
	assert.ErrorContains(t, CheckStatic(notELF, "amd64"), "is not a Linux executable")

	// /bin/ls on any Linux distribution is dynamically linked.
	if _, err := os.Stat("/bin/ls"); err == nil {
		arch := hostELFArch(t, "/bin/ls")
		assert.ErrorContains(t, CheckStatic("/bin/ls", arch), "dynamically linked")
		other := "arm64"
		if arch == "arm64" {
			other = "amd64"
		}
		assert.ErrorContains(t, CheckStatic("/bin/ls", other), "is built for")
	}
}

func TestFindBusyboxNamesTheRemedy(t *testing.T) {
	notELF := filepath.Join(t.TempDir(), "busybox")
	require.NoError(t, os.WriteFile(notELF, []byte("x"), 0o755))
	_, err := FindBusybox(notELF, "amd64")
	require.ErrorIs(t, err, ErrNoBusybox)
	assert.ErrorContains(t, err, "LAB_BUSYBOX: "+notELF+" is not a Linux executable")
	assert.ErrorContains(t, err, "apt-get install busybox-static")
}

// hostELFArch returns the Go architecture of an ELF file.
func hostELFArch(t *testing.T, path string) string {
	t.Helper()
	f, err := elf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	for arch, m := range elfMachines {
		if m == f.Machine {
			return arch
		}
	}
	t.Fatalf("unknown machine %s", f.Machine)
	return ""
}
