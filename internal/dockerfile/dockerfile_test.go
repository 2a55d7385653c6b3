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
		{"v1.Dockerfile", "", []Stage{{0, "", "golang", 1}, {1, "", "alpine", 7}}},
		{"v2.Dockerfile", "builder", []Stage{{0, "builder", "golang", 1}, {1, "runtime", "alpine", 7}}},
		{"v2.Dockerfile", "runtime", []Stage{{0, "builder", "golang", 1}, {1, "runtime", "alpine", 7}}},
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
