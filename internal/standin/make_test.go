package standin

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/clean"
)

// importer records the one import a stand-in is made with.
type importer struct {
	ref     string
	changes []string
	files   []string
}

func (i *importer) ImageImport(_ context.Context, src image.ImportSource, ref string, o image.ImportOptions) (io.ReadCloser, error) {
	i.ref, i.changes = ref, o.Changes
	tr := tar.NewReader(src.Source)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		i.files = append(i.files, h.Name)
	}
	return io.NopCloser(&emptyReader{}), nil
}

type emptyReader struct{}

func (*emptyReader) Read([]byte) (int, error) { return 0, io.EOF }

func TestMakeImportsALabelledStandin(t *testing.T) {
	sh := filepath.Join(t.TempDir(), "toolbox")
	require.NoError(t, os.WriteFile(sh, []byte("#!fake"), 0o755))
	var imp importer
	require.NoError(t, Make(t.Context(), &imp, "alpine:latest", "amd64", Shell{Path: sh}))
	assert.Equal(t, "alpine:latest", imp.ref)
	assert.Contains(t, imp.changes, "LABEL "+clean.LabelStandin+"=alpine")
	assert.Contains(t, imp.changes, "LABEL "+clean.LabelStandinCommands+"=toolbox", "not busybox")
	assert.Contains(t, imp.files, "bin/sh")
}

func TestOnlyGolangAndAlpineHaveStandins(t *testing.T) {
	assert.Equal(t, "golang", KindOf("docker.io/library/golang:1.26"))
	assert.Equal(t, "alpine", KindOf("registry.example/mirror/alpine:3"))
	assert.Equal(t, "", KindOf("debian:bookworm-slim"))
	err := Make(t.Context(), &importer{}, "debian:bookworm-slim", "amd64", Shell{})
	assert.ErrorIs(t, err, ErrNone)
	assert.EqualError(t, err, "debian:bookworm-slim is absent and the lab has no stand-in for it: pull or load it")
}
