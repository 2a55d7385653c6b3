package structuretest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func load(t *testing.T, text string) (*Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cst.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return Load(path, "cst.yaml")
}

// TestLoadReadsCSTsDefaults: shouldExist is true and uid and gid are not
// asked unless given, as CST reads them.
func TestLoadReadsCSTsDefaults(t *testing.T) {
	c, err := load(t, "schemaVersion: 2.0.0\nfileExistenceTests:\n  - {name: a, path: /a}\n  - {name: b, path: /b, shouldExist: false, uid: 0}\n")
	require.NoError(t, err)
	assert.Equal(t, []FileExistenceTest{
		{Name: "a", Path: "/a", ShouldExist: true, UID: noOwner, GID: noOwner},
		{Name: "b", Path: "/b", ShouldExist: false, UID: 0, GID: noOwner},
	}, c.FileExistenceTests)
	assert.True(t, c.MetadataTest.empty())
}

// TestLoadRefusesWithFileAndLine: what CST refuses, and what the lab does
// not run, is an error with the file and the line.
func TestLoadRefusesWithFileAndLine(t *testing.T) {
	for _, c := range []struct{ text, err string }{
		{"schemaVersion: 2.0.0\ncommandTests:\n  - name: a\n    comand: ls\n", `invalid structure test file: cst.yaml:4: unknown key "comand" (CST's CommandTest has no such key)`},
		{"commandTests: []\n", "invalid structure test file: cst.yaml: no schemaVersion: write schemaVersion: 2.0.0 at the top, as CST asks"},
		{"schemaVersion: 1.0.0\n", "invalid structure test file: cst.yaml:1: schemaVersion 1.0.0: the lab runs CST's schema 2.0.0"},
		{"schemaVersion: 2.0.0\nlicenseTests:\n  - debian: true\n", "invalid structure test file: cst.yaml:3: licenseTests are not run by the lab: check licenses with CST itself, or remove them"},
		{"schemaVersion: 2.0.0\ncontainerRunOptions:\n  privileged: true\n", "invalid structure test file: cst.yaml:3: containerRunOptions are not run by the lab: remove them"},
		{"schemaVersion: 2.0.0\ncommandTests: {name: a}\n", "invalid structure test file: cst.yaml:2: cannot unmarshal !!map into []structuretest.CommandTest"},
	} {
		_, err := load(t, c.text)
		require.ErrorIs(t, err, ErrInvalid, c.text)
		assert.EqualError(t, err, c.err)
	}
}
