// Package testkit holds what several packages' tests share: a listener that
// never answers, a folder of edited Dockerfiles, a docker CLI context.
package testkit

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gotest.tools/v3/assert"
)

// InstallTestTools is the remedy for a missing test tool that
// scripts/install-test-tools.sh installs.
const InstallTestTools = "scripts/install-test-tools.sh installs it"

// NeedTool stops a test that needs a program the machine lacks (a name on
// PATH, or an absolute path): in CI (CI=true), whose script installs every
// test tool, that is a failure; on anyone else's machine the test is
// skipped, naming the tool and how to get it, so the README's test command
// passes on a bare machine.
func NeedTool(t testing.TB, tool, remedy string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err == nil {
		return
	}
	msg := fmt.Sprintf("no %s here (%s)", tool, remedy)
	if os.Getenv("CI") == "true" {
		t.Fatal("CI: " + msg)
	}
	t.Skip(msg)
}

// NeedEngine skips a test that reaches a Docker Engine (or compiles the
// task binary, which takes most of a minute the first time) under
// `go test -short`: the fast unit tests need no engine and run in seconds.
// Without -short such a test runs, and in CI an engine that does not
// answer fails it.
func NeedEngine(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test needs a Docker Engine")
	}
}

// EngineAnswered stops a test whose engine did not answer (err from
// connecting): in CI (CI=true) that is a failure, elsewhere a skip.
func EngineAnswered(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI needs a Docker Engine: %v", err)
	}
	t.Skipf("no Docker Engine: %v", err)
}

// Serve accepts connections on ln until the test ends, handing each to
// handle in its own goroutine; ln is closed at the end of the test.
func Serve(t testing.TB, ln net.Listener, handle func(net.Conn)) {
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
}

// SilentListener accepts TCP connections on loopback and never says a word:
// an engine address that hangs. It returns the address.
func SilentListener(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	Serve(t, ln, func(c net.Conn) { t.Cleanup(func() { c.Close() }) })
	return ln.Addr().String()
}

// RefusedAddress is a loopback address where nothing listens.
func RefusedAddress(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Dockerfiles writes a folder for LAB_DOCKERFILES from the project's own
// dockerfiles/ (under root): lab.yaml, compare.yaml and their Dockerfiles,
// passed through edit. The
// lab file's walkthrough shows the project's program where it is.
func Dockerfiles(t testing.TB, root string, edit func(name, text string) string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"lab.yaml", "compare.yaml", "v1.Dockerfile", "v2.Dockerfile", "single.Dockerfile", "builder-pattern.Dockerfile", "scratch.Dockerfile"} {
		data, err := os.ReadFile(filepath.Join(root, "dockerfiles", name))
		require.NoError(t, err)
		text := string(data)
		if name == "lab.yaml" {
			text = strings.ReplaceAll(text, "../app/", filepath.ToSlash(filepath.Join(root, "app"))+"/")
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(edit(name, text)), 0o644))
	}
	return dir
}

// DockerContext writes a docker CLI config folder with a context name that
// points at host, as `docker context create` does; current makes it the
// config file's currentContext.
func DockerContext(t testing.TB, name, host string, current bool) string {
	dir := t.TempDir()
	sum := sha256.Sum256([]byte(name))
	meta := filepath.Join(dir, "contexts", "meta", hex.EncodeToString(sum[:]))
	require.NoError(t, os.MkdirAll(meta, 0o755))
	body := `{"Name":"` + name + `","Metadata":{},"Endpoints":{"docker":{"Host":"` + host + `","SkipTLSVerify":false}}}`
	require.NoError(t, os.WriteFile(filepath.Join(meta, "meta.json"), []byte(body), 0o644))
	cfg := "{}"
	if current {
		cfg = `{"currentContext": "` + name + `"}`
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644))
	return dir
}

// The -update flag rewrites golden files. gotest.tools, which testkit's
// imports bring in, already defines it in every test binary that imports
// testkit; it is defined here for one that would not have it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files in testdata")
	}
}

// Golden compares got with the file testdata/name, or writes it first
// under go test -update.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "go test -update writes %s", path)
	assert.Equal(t, string(want), string(got))
}

// Files writes files (path with forward slashes: content) into a new
// folder and returns it.
func Files(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	}
	return dir
}

// Missing stops a test that needs something this machine lacks (an engine,
// root, a second engine): in CI (CI=true), which provides all of them,
// that is a failure; elsewhere the test is skipped, saying what is missing.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal("CI: missing here: " + what)
	}
	t.Skip("missing here: " + what)
}

// NeedRoot stops a test that needs root (it starts an engine, or runs the
// lab as another user) when the test process is not root, as Missing does.
func NeedRoot(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "root ("+why+")")
	}
}

// NotApplicable skips a test whose case does not arise here (a real image
// where the test needs a stand-in, a socket every user may open), in CI
// too: nothing is missing, there is nothing to prove.
func NotApplicable(t testing.TB, why string) {
	t.Helper()
	t.Skip("does not apply here: " + why)
}

// NotShort skips a slow test under go test -short, saying what it does.
func NotShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test " + what)
	}
}

// Env is an environment of the test's own for code that reads it through a
// getenv function: the variables given, and no other.
func Env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}
