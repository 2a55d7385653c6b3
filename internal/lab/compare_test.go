package lab

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/output"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/verify"
)

func approaches(single, pattern, multi, scratch int64) []Approach {
	out := []Approach{{Name: "single stage", Size: single}, {Name: "builder pattern", Size: pattern}, {Name: "multi-stage", Size: multi}, {Name: "static on scratch", Size: scratch}}
	for i := range out {
		out[i].Output = "Hello World\n"
	}
	return out
}

func TestCheckOrdering(t *testing.T) {
	assert.Zero(t, verify.Failed(CheckOrdering(seedComparison(t), approaches(841_000_000, 9_140_000, 9_140_000, 1_600_000))))
	cases := []struct {
		name   string
		a      []Approach
		failed []string
	}{
		{"single not larger", approaches(9_000_000, 9_140_000, 9_140_000, 1_600_000), []string{"single stage > builder pattern"}},
		{"pattern and multi-stage far apart", approaches(841_000_000, 9_140_000, 9_140_000+checks.MiB+1, 1_600_000), []string{"builder pattern ~ multi-stage"}},
		{"scratch not smaller", approaches(841_000_000, 9_140_000, 9_140_000, 9_140_000), []string{"multi-stage > static on scratch"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var failed []string
			for _, ch := range CheckOrdering(seedComparison(t), c.a) {
				if !ch.Pass {
					failed = append(failed, ch.Name)
				}
			}
			assert.Equal(t, c.failed, failed)
		})
	}
	bad := approaches(841_000_000, 9_140_000, 9_140_000, 1_600_000)
	bad[3].Output, bad[3].ExitErr = "", "exit 127"
	checks := CheckOrdering(seedComparison(t), bad)
	assert.False(t, checks[3].Pass)
	assert.Contains(t, checks[3].Actual, "static on scratch: exit 127")
}

func TestWriteComparison(t *testing.T) {
	var out strings.Builder
	a := approaches(261_993_651, 4_380_025, 4_380_025, 1_589_410)
	a[0].Tags, a[0].ID, a[0].Layers = []string{"helloworld:v1"}, "sha256:9755bcd29ee38a51", 5
	output.WriteComparison(&out, a)
	assert.Contains(t, out.String(), "single stage        helloworld:v1   9755bcd29ee3   262MB    261993651   5        0.0s\n")
	assert.Contains(t, out.String(), "static on scratch  ▎")
}

func TestWalkthroughTitlesComeFromTheSeed(t *testing.T) {
	root, err := findTestRoot()
	require.NoError(t, err)
	// The seed's walkthrough as its author wrote it (in Korean), kept in
	// the repository so a clone anywhere checks the steps' words.
	seed, err := os.ReadFile(filepath.Join("testdata", "seed", "walkthrough.txt"))
	require.NoError(t, err)
	l := New(nil, settings.Settings{}, root, io.Discard)
	require.NoError(t, l.defErr)
	steps := l.Def.Walkthrough
	require.Len(t, steps, 7)
	for _, s := range steps {
		if s.Korean != "" {
			assert.True(t, strings.Contains(string(seed), s.Korean), "%s: %q is not the seed's", s.Title, s.Korean)
		}
		for _, c := range s.CLI {
			if strings.HasPrefix(c, "docker ") {
				assert.True(t, strings.Contains(string(seed), c), "the seed never typed %q", c)
			}
		}
	}
}

// seedComparison is the project's dockerfiles/compare.yaml.
func seedComparison(t *testing.T) *labfile.Comparison {
	l := New(nil, settings.Settings{}, projectRoot(t), io.Discard)
	require.NoError(t, l.defErr)
	require.NotNil(t, l.Cmp, "%v", l.cmpErr)
	return l.Cmp
}

func TestTheSeedsComparison(t *testing.T) {
	c := seedComparison(t)
	assert.Equal(t, []string{"helloworld", "helloworld-build"}, c.Repositories())
	var names []string
	for _, a := range c.Approaches {
		names = append(names, a.Name)
	}
	assert.Equal(t, []string{"single stage", "builder pattern", "multi-stage", "static on scratch"}, names)
	assert.Equal(t, "runtime", c.Approaches[2].Lab)
}
