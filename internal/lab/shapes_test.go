package lab

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/dockerfile"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
)

// shapes are the corpus in testdata/shapes: each a small lab of a shape
// real projects' Dockerfiles take, with the images its builds start FROM
// or COPY --from (its ARGs resolved), and the bases its checks measure
// against.
var shapes = []struct {
	name           string
	external       []string
	bases          []string
	classicRefuses string // the classic builder's refusal, "" if it builds it
}{
	{"build-arg", []string{"golang:latest", "alpine:latest"}, []string{"alpine:latest"}, ""},
	{"stage-chain", []string{"golang:latest", "alpine:latest"}, []string{"golang:latest", "alpine:latest"}, ""},
	{"scratch", []string{"golang:latest"}, []string{"scratch"}, ""},
	{"copy-from-image", []string{"golang:latest", "alpine:latest"}, []string{}, ""},
	{"platform", []string{"golang:latest", "alpine:latest"}, []string{"alpine:latest"}, "invalid Dockerfile: Dockerfile:3: FROM --platform=$BUILDPLATFORM needs BuildKit; the classic builder cannot build it: use LAB_BUILDER=buildkit"},
	{"buildkit-only", []string{"golang:latest", "alpine:latest"}, []string{}, "invalid Dockerfile: Dockerfile:5: RUN --mount needs BuildKit; the classic builder cannot build it: use LAB_BUILDER=buildkit"},
}

func shapeDir(name string) string { return filepath.Join("testdata", "shapes", name) }

// TestShapesParse reads each shape's lab file and Dockerfile without an
// engine: its bases resolve (ARG before FROM with the lab file's
// build-args; scratch as nothing), every image it needs is found (COPY
// --from an image too), and the classic builder's refusal names the line.
func TestShapesParse(t *testing.T) {
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			def, err := labfile.Load(filepath.Join(shapeDir(s.name), labfile.Name), "lab.yaml")
			require.NoError(t, err)
			uses, err := def.ExternalBases()
			require.NoError(t, err)
			var refs []string
			for _, u := range uses {
				refs = append(refs, u.Ref)
			}
			assert.Equal(t, s.external, refs)
			bases := []string{}
			for _, b := range def.Bases {
				ref, err := def.BaseRef(b)
				require.NoError(t, err)
				bases = append(bases, ref)
			}
			assert.Equal(t, s.bases, bases)
			data, err := os.ReadFile(filepath.Join(shapeDir(s.name), "Dockerfile"))
			require.NoError(t, err)
			err = dockerfile.ClassicCannot("Dockerfile", bytes.NewReader(data))
			if s.classicRefuses == "" {
				assert.NoError(t, err)
			} else {
				assert.EqualError(t, err, s.classicRefuses)
			}
		})
	}
}

// TestAnArgWithNoValueIsTheDockerfilesError: the build-arg shape without
// its build-args and with the ARG's default removed is refused when the
// lab file is read, naming the Dockerfile's lines.
func TestAnArgWithNoValueIsTheDockerfilesError(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"lab.yaml", "Dockerfile", "hello.go"} {
		data, err := os.ReadFile(filepath.Join(shapeDir("build-arg"), f))
		require.NoError(t, err)
		data = bytes.Replace(data, []byte("build-args:\n  GO_VERSION: latest\n"), nil, 1)
		data = bytes.Replace(data, []byte("ARG GO_VERSION=no-such-tag"), []byte("ARG GO_VERSION"), 1)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	_, err := labfile.Load(filepath.Join(dir, labfile.Name), "lab.yaml")
	require.ErrorIs(t, err, dockerfile.ErrInvalid)
	assert.EqualError(t, err, "invalid Dockerfile: "+filepath.Join(dir, "Dockerfile")+":6: FROM golang:${GO_VERSION} uses ARG GO_VERSION, which has no value (ARG at line 3): give it a default there (ARG GO_VERSION=VALUE) or a value in lab.yaml's build-args")
}
