package dockerfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTheLabsDockerfiles(t *testing.T) {
	for _, c := range []struct {
		file   string
		target string
		want   []Stage
	}{
		{"v1.Dockerfile", "", []Stage{{Index: 0, Name: "", Base: "golang", From: "golang", Line: 1}, {Index: 1, Name: "", Base: "alpine", From: "alpine", Line: 7, CopyFrom: []CopyFrom{{From: "0", Line: 9}}}}},
		{"v2.Dockerfile", "builder", []Stage{{Index: 0, Name: "builder", Base: "golang", From: "golang", Line: 1}, {Index: 1, Name: "runtime", Base: "alpine", From: "alpine", Line: 7, CopyFrom: []CopyFrom{{From: "builder", Line: 9}}}}},
		{"v2.Dockerfile", "runtime", []Stage{{Index: 0, Name: "builder", Base: "golang", From: "golang", Line: 1}, {Index: 1, Name: "runtime", Base: "alpine", From: "alpine", Line: 7, CopyFrom: []CopyFrom{{From: "builder", Line: 9}}}}},
	} {
		f, err := os.Open(filepath.Join("..", "..", "dockerfiles", c.file))
		require.NoError(t, err)
		stages, err := Check(c.file, f, c.target)
		f.Close()
		require.NoError(t, err)
		assert.Equal(t, c.want, stages, c.file)
	}
}

func TestErrorsNameFileLineAndStages(t *testing.T) {
	cases := []struct {
		name, dockerfile, target, message string
	}{
		{"typo", "FORM golang\n", "", "invalid Dockerfile: x.Dockerfile:1: unknown instruction: FORM (did you mean FROM?)"},
		{"missing argument", "FROM golang\nWORKDIR\n", "", "invalid Dockerfile: x.Dockerfile:2: WORKDIR requires exactly one argument"},
		{"no target", "FROM golang AS builder\nFROM alpine AS runtime\n", "runtim", "invalid Dockerfile: x.Dockerfile: --target runtim names no stage; the stages are builder (line 1), runtime (line 2)"},
		{"target of an unnamed stage", "FROM golang\nFROM alpine\n", "builder", "invalid Dockerfile: x.Dockerfile: --target builder names no stage; the stages are 0 (line 1), 1 (line 2)"},
		{"copy from a later stage", "FROM golang\nCOPY --from=1 /a .\nFROM alpine\n", "", "invalid Dockerfile: x.Dockerfile:2: COPY --from=1 names no earlier stage; the stages are 0 (line 1), 1 (line 3)"},
		{"empty", "", "", "invalid Dockerfile: x.Dockerfile: file with no instructions"},
		{"no FROM first", "RUN x\nFROM y\n", "", "invalid Dockerfile: x.Dockerfile:1: no build stage in current context"},
		{"bad stage name", "FROM golang AS 1abc\n", "", `invalid Dockerfile: x.Dockerfile:1: invalid name for build stage: "1abc", name can't start with a number or contain symbols`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Check("x.Dockerfile", strings.NewReader(c.dockerfile), c.target)
			require.ErrorIs(t, err, ErrInvalid)
			assert.EqualError(t, err, c.message)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestTargetIsCaseInsensitiveAsInBuildKit(t *testing.T) {
	_, err := Check("x", strings.NewReader("FROM a AS Builder\n"), "builder")
	assert.NoError(t, err)
}

func TestTooLarge(t *testing.T) {
	_, err := Check("big", strings.NewReader("FROM a\n"+strings.Repeat("#", maxSize)), "")
	assert.ErrorContains(t, err, "big: larger than 1048576 bytes")
}

// FuzzCheck: whatever the bytes, Check returns stages or an ErrInvalid on
// one line, and never panics.
func FuzzCheck(f *testing.F) {
	for _, name := range []string{"v1.Dockerfile", "v2.Dockerfile"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "dockerfiles", name))
		require.NoError(f, err)
		f.Add(string(data), "runtime")
	}
	f.Add("FORM golang\n", "")
	f.Add("FROM a AS b\nCOPY --from=0 x y\n", "b")
	f.Fuzz(func(t *testing.T, dockerfile, target string) {
		stages, err := Check("f", strings.NewReader(dockerfile), target)
		if err != nil {
			if !strings.Contains(err.Error(), "invalid Dockerfile") {
				t.Fatalf("error without the marker: %v", err)
			}
			return
		}
		if len(stages) == 0 {
			t.Fatal("no stages and no error")
		}
		if target != "" && !hasStage(stages, target) {
			t.Fatalf("target %q accepted but not among %v", target, stages)
		}
	})
}

func TestSources(t *testing.T) {
	got, err := Sources(strings.NewReader("FROM golang AS b\nCOPY helloworld.go go.* ./\nADD https://x/y.tgz /\nADD data /data\nFROM alpine\nCOPY --from=b /myapp/helloworld .\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"helloworld.go", "go.*", "data"}, got)
}

// TestArgsBeforeFromResolveAsTheBuilderResolvesThem: a FROM's ARG takes the
// build's value, else its default (expanded with the ARGs before it), and
// BuildKit's platform arguments; an ARG with neither is an error that
// names the FROM's line and the ARG's.
func TestArgsBeforeFromResolveAsTheBuilderResolvesThem(t *testing.T) {
	const df = "ARG GO_VERSION=no-such-tag\nARG REGISTRY=docker.io\nARG BASE=${REGISTRY}/library/alpine\n" +
		"FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build\nFROM ${BASE}:3.20\n"
	stages, err := Read("x.Dockerfile", strings.NewReader(df), Options{})
	require.NoError(t, err)
	assert.Equal(t, "golang:no-such-tag", stages[0].Base)
	assert.Equal(t, "golang:${GO_VERSION}", stages[0].From)
	assert.Equal(t, "$BUILDPLATFORM", stages[0].Platform)
	assert.Equal(t, "docker.io/library/alpine:3.20", stages[1].Base)

	stages, err = Read("x.Dockerfile", strings.NewReader(df), Options{Args: map[string]string{"GO_VERSION": "latest", "REGISTRY": "mirror.local:5000"}})
	require.NoError(t, err)
	assert.Equal(t, "golang:latest", stages[0].Base)
	assert.Equal(t, "mirror.local:5000/library/alpine:3.20", stages[1].Base, "a default built from another ARG takes that ARG's given value")

	stages, err = Read("x.Dockerfile", strings.NewReader("FROM alpine:${TARGETARCH}\n"), Options{Platform: "linux/arm64"})
	require.NoError(t, err)
	assert.Equal(t, "alpine:arm64", stages[0].Base, "BuildKit's platform arguments need no ARG")

	_, err = Read("x.Dockerfile", strings.NewReader("ARG GO_VERSION\nFROM golang:${GO_VERSION}\n"), Options{})
	require.ErrorIs(t, err, ErrInvalid)
	assert.EqualError(t, err, "invalid Dockerfile: x.Dockerfile:2: FROM golang:${GO_VERSION} uses ARG GO_VERSION, which has no value (ARG at line 1): give it a default there (ARG GO_VERSION=VALUE) or a value in lab.yaml's build-args")
	stages, err = Read("x.Dockerfile", strings.NewReader("ARG GO_VERSION\nFROM golang:${GO_VERSION}\n"), Options{Args: map[string]string{"GO_VERSION": "1.26"}})
	require.NoError(t, err)
	assert.Equal(t, "golang:1.26", stages[0].Base)

	_, err = Read("x.Dockerfile", strings.NewReader("FROM golang:${GO_VERSION}\n"), Options{Args: map[string]string{"GO_VERSION": "1.26"}})
	assert.EqualError(t, err, "invalid Dockerfile: x.Dockerfile:1: FROM golang:${GO_VERSION} uses $GO_VERSION, which no ARG before the first FROM declares: add ARG GO_VERSION=VALUE before it")
}

// TestWhatOnlyBuildKitBuilds: each BuildKit-only form is named with its
// line; a Dockerfile without one passes.
func TestWhatOnlyBuildKitBuilds(t *testing.T) {
	for _, c := range []struct{ dockerfile, what string }{
		{"FROM golang\nRUN --mount=type=cache,target=/root/.cache/go-build go build ./...\n", "2: RUN --mount"},
		{"FROM golang\nWORKDIR /src\nRUN --network=none true\n", "3: RUN --network"},
		{"FROM alpine\nRUN <<EOF\necho hi\nEOF\n", "2: RUN with a heredoc"},
		{"FROM alpine\nCOPY <<EOF /etc/motd\nhi\nEOF\n", "2: COPY with a heredoc"},
		{"FROM golang AS b\nFROM alpine\nCOPY --link --from=b /go/bin/app /app\n", "3: COPY --link"},
		{"FROM alpine\nCOPY --chmod=0755 app /app\n", "2: COPY --chmod"},
		{"FROM alpine\nADD --link app.tar /\n", "2: ADD --link"},
		{"FROM --platform=$BUILDPLATFORM golang AS b\nFROM alpine\n", "1: FROM --platform=$BUILDPLATFORM"},
	} {
		err := ClassicCannot("x.Dockerfile", strings.NewReader(c.dockerfile))
		require.ErrorIs(t, err, ErrInvalid, c.what)
		assert.EqualError(t, err, "invalid Dockerfile: x.Dockerfile:"+c.what+" needs BuildKit; the classic builder cannot build it: use LAB_BUILDER=buildkit")
	}
	assert.NoError(t, ClassicCannot("x.Dockerfile", strings.NewReader("FROM golang AS b\nRUN go build -o /app .\nFROM alpine\nCOPY --from=b --chown=1:1 /app /app\n")))
}
