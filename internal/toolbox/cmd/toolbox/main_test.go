package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/toolbox"
)

// call runs the toolbox as a link named args[0] would, in process.
func call(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb strings.Builder
	code = Main(t.Context(), args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return out.String(), errb.String(), code
}

func TestCommandsByTheirLinkName(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("one\n"), 0o644))
	cases := []struct {
		args []string
		out  string
		code int
	}{
		{[]string{"/bin/echo", "hi", "there"}, "hi there\n", 0},
		{[]string{"echo", "-n", "x"}, "x", 0},
		{[]string{"/bin/printf", "%s=%d\n", "a", "3"}, "a=3\n", 0},
		{[]string{"/bin/true"}, "", 0},
		{[]string{"/bin/false"}, "", 1},
		{[]string{"/bin/test", "-f", filepath.Join(dir, "f")}, "", 0},
		{[]string{"/bin/test", "-d", filepath.Join(dir, "f")}, "", 1},
		{[]string{"/bin/[", "a", "=", "a", "]"}, "", 0},
		{[]string{"/bin/cat", filepath.Join(dir, "f")}, "one\n", 0},
		{[]string{"/bin/sleep", "0"}, "", 0},
		{[]string{"/bin/sleep", "0.01s", "0"}, "", 0},
		{[]string{"/bin/sleep", "soon"}, "", 1},
		{[]string{"/bin/sleep"}, "", 1},
		{[]string{"/bin/env", "-i", "A=1", "B=2"}, "A=1\nB=2\n", 0},
		{[]string{"/bin/env", "-i", "A=1", "PATH=" + os.Getenv("PATH"), "sh", "-c", "echo $A"}, "1\n", 0},
		{[]string{"/bin/env", "-u", "HOME", "B=2", "sh", "-c", "echo ${HOME:-unset} $B"}, "unset 2\n", 0},
		{[]string{"/bin/sh", "-c", "echo $0"}, "sh\n", 0},
		{[]string{"toolbox", "echo", "through", "the", "toolbox"}, "through the toolbox\n", 0},
		{[]string{"/bin/sh", "-c", "echo $0 $1 $2", "name", "one", "two"}, "name one two\n", 0},
		{[]string{"/bin/sh", "-c", "sleep 0 && echo slept; exit 7"}, "slept\n", 7},
		{[]string{"/bin/sh", "-e", "-c", "false; echo not reached"}, "", 1},
		{[]string{"/bin/sh", "-c", "false; echo reached"}, "reached\n", 0},
		{[]string{"/bin/sh", "-s", "a", "b"}, "2 a\n", 0},
		{[]string{"/bin/sh", "-c", "no-such-command-here"}, "", 127},
		{[]string{"/bin/sh", "-c", "if then"}, "", 2},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			out, errOut, code := call(t, "echo $# $1\n", c.args...)
			assert.Equal(t, c.out, out, "stderr: %s", errOut)
			assert.Equal(t, c.code, code, "stderr: %s", errOut)
		})
	}
}

func TestShellRunsAScriptFile(t *testing.T) {
	script := filepath.Join(t.TempDir(), "s.sh")
	require.NoError(t, os.WriteFile(script, []byte("set -u\necho \"$1-$2\"\n"), 0o644))
	out, errOut, code := call(t, "", "sh", script, "a", "b")
	assert.Equal(t, "a-b\n", out, errOut)
	assert.Equal(t, 0, code)
}

// Every name the stand-ins link is answered by the toolbox itself, never
// looked up on PATH (where, in a stand-in, it would find the toolbox again).
func TestEveryLinkedNameIsTheToolboxsOwn(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, name := range toolbox.Core {
		t.Run(name, func(t *testing.T) {
			_, errOut, code := call(t, "", "/bin/"+name, "--no-such-flag")
			assert.Equal(t, 1, code)
			assert.Contains(t, errOut, "flag provided but not defined", "u-root's %s did not run", name)
		})
	}
	for _, name := range toolbox.Builtins {
		t.Run(name, func(t *testing.T) {
			_, errOut, code := call(t, "", "/bin/"+name)
			assert.NotContains(t, errOut, "not found")
			assert.NotEqual(t, 127, code)
		})
	}
	_, errOut, code := call(t, "", "/bin/sh", "-c", "env >/dev/null && sleep 0 && cat </dev/null")
	assert.Equal(t, 0, code, errOut)
}

func TestAnUnknownNameSaysWhatThereIs(t *testing.T) {
	_, errOut, code := call(t, "", "/bin/vi")
	assert.Equal(t, 127, code)
	assert.Contains(t, errOut, "vi: no such command")
	assert.Contains(t, errOut, "sleep")
	out, _, code := call(t, "", "toolbox", "--list")
	assert.Equal(t, 0, code)
	assert.Equal(t, toolbox.Commands(), strings.Fields(out))
}

func TestSleepStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	var out strings.Builder
	code := Main(ctx, []string{"sleep", "60"}, IO{In: strings.NewReader(""), Out: &out, Err: &out})
	assert.Equal(t, 130, code, out.String())
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestSleepIntervals(t *testing.T) {
	for in, want := range map[string]time.Duration{"1": time.Second, "0.5": 500 * time.Millisecond, "2m": 2 * time.Minute, "1h": time.Hour, "1d": 24 * time.Hour, "3s": 3 * time.Second} {
		d, err := parseSleep(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, d, in)
	}
	for _, in := range []string{"", "-1", "x", "NaN", "1w"} {
		_, err := parseSleep(in)
		assert.Error(t, err, in)
	}
}
