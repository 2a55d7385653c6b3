package buildcontext

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

func names(t *testing.T, c Context) []string {
	var buf bytes.Buffer
	require.NoError(t, c.Write(&buf))
	var out []string
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, h.Name)
	}
}

func TestOnlyWhatTheDockerfileReads(t *testing.T) {
	dir := testkit.Files(t, map[string]string{
		"helloworld.go": "package main", "big/data.bin": "x", "docs/readme.md": "x",
		"cmd/a/main.go": "x", "cmd/b/main.go": "x", "Dockerfile": "FROM stale",
	})
	df := filepath.Join(t.TempDir(), "Dockerfile")
	require.NoError(t, os.WriteFile(df, []byte("FROM golang\nCOPY helloworld.go .\n"), 0o644))
	assert.Equal(t, []string{"Dockerfile", "helloworld.go"}, names(t, Context{Dir: dir, Dockerfile: df, Sources: []string{"helloworld.go"}}))
	assert.Equal(t, []string{"Dockerfile", "cmd/a/main.go", "cmd/b/main.go"}, names(t, Context{Dir: dir, Dockerfile: df, Sources: []string{"./cmd/"}}))
	assert.Equal(t, []string{"Dockerfile", "cmd/a/main.go", "helloworld.go"}, names(t, Context{Dir: dir, Dockerfile: df, Sources: []string{"*.go", "cmd/a"}}))
	assert.Equal(t, []string{"Dockerfile", "big/data.bin", "cmd/a/main.go", "cmd/b/main.go", "docs/readme.md", "helloworld.go"}, names(t, Context{Dir: dir, Dockerfile: df, Sources: []string{"."}}))
	assert.Equal(t, []string{"Dockerfile"}, names(t, Context{Dir: dir, Dockerfile: df}), "a Dockerfile that copies nothing gets nothing")
}

func TestDockerignore(t *testing.T) {
	dir := testkit.Files(t, map[string]string{
		"helloworld.go": "x", "big/data.bin": "x", "big/keep.txt": "x", "notes.md": "x", "a.md": "x",
		".dockerignore": "big\n*.md\n!a.md\n",
	})
	df := filepath.Join(t.TempDir(), "Dockerfile")
	require.NoError(t, os.WriteFile(df, []byte("FROM x\n"), 0o644))
	assert.Equal(t, []string{"Dockerfile", "a.md", "helloworld.go"}, names(t, Context{Dir: dir, Dockerfile: df, Sources: []string{"."}}))

	require.NoError(t, os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("big\n!big/keep.txt\n"), 0o644))
	assert.Equal(t, []string{"Dockerfile", "a.md", "big/keep.txt", "helloworld.go", "notes.md"}, names(t, Context{Dir: dir, Dockerfile: df, Sources: []string{"."}}))
}

func TestContentAndHeaders(t *testing.T) {
	dir := testkit.Files(t, map[string]string{"helloworld.go": "package main\n"})
	df := filepath.Join(t.TempDir(), "Dockerfile")
	require.NoError(t, os.WriteFile(df, []byte("FROM x\nCOPY helloworld.go .\n"), 0o644))
	var buf bytes.Buffer
	require.NoError(t, Context{Dir: dir, Dockerfile: df, Sources: []string{"helloworld.go"}}.Write(&buf))
	tr := tar.NewReader(&buf)
	h, err := tr.Next()
	require.NoError(t, err)
	assert.Equal(t, "Dockerfile", h.Name)
	body, _ := io.ReadAll(tr)
	assert.Equal(t, "FROM x\nCOPY helloworld.go .\n", string(body))
	h, err = tr.Next()
	require.NoError(t, err)
	assert.Equal(t, "helloworld.go", h.Name)
	assert.Zero(t, h.Uid)
	assert.Equal(t, int64(0o644), h.Mode)
	body, _ = io.ReadAll(tr)
	assert.Equal(t, "package main\n", string(body))
}

func TestMissingFolder(t *testing.T) {
	df := filepath.Join(t.TempDir(), "Dockerfile")
	require.NoError(t, os.WriteFile(df, []byte("FROM x\n"), 0o644))
	err := Context{Dir: "/nonexistent/app", Dockerfile: df, Sources: []string{"."}}.Write(io.Discard)
	assert.ErrorContains(t, err, "build context /nonexistent/app")
}

// BenchmarkWrite streams a 64 MiB context; memory per op stays near the
// copy buffer's size, whatever the context's.
func BenchmarkWrite(b *testing.B) {
	dir := b.TempDir()
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for i := 0; i < 64; i++ {
		require.NoError(b, os.WriteFile(filepath.Join(dir, "f"+string(rune('a'+i%26))+string(rune('a'+i/26))), chunk, 0o644))
	}
	df := filepath.Join(b.TempDir(), "Dockerfile")
	require.NoError(b, os.WriteFile(df, []byte("FROM x\nCOPY . .\n"), 0o644))
	c := Context{Dir: dir, Dockerfile: df, Sources: []string{"."}}
	b.SetBytes(64 << 20)
	b.ReportAllocs()
	for b.Loop() {
		require.NoError(b, c.Write(io.Discard))
	}
}

func TestFilesMadeInMemory(t *testing.T) {
	df := filepath.Join(t.TempDir(), "Dockerfile")
	require.NoError(t, os.WriteFile(df, []byte("FROM alpine\nCOPY helloworld .\n"), 0o644))
	var buf bytes.Buffer
	require.NoError(t, Context{Dockerfile: df, Files: map[string][]byte{"helloworld": []byte("binary"), "b": nil}}.Write(&buf))
	tr := tar.NewReader(&buf)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		body, _ := io.ReadAll(tr)
		got = append(got, h.Name+"="+string(body))
	}
	assert.Equal(t, []string{"Dockerfile=FROM alpine\nCOPY helloworld .\n", "b=", "helloworld=binary"}, got)
}
