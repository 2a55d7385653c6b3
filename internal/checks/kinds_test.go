package checks

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// samples are each kind as a lab file writes it, with a wrong one where
// the kind has rules beyond its image names. A kind without a sample fails
// TestEveryKindReadsItsSample: a new kind comes with its test.
var samples = map[string]struct{ good, bad, why string }{
	"exist":         {good: "all", bad: "", why: ""},
	"same-id":       {good: "[v1, v2, runtime]", bad: "[v1]", why: "same-id names at least two images"},
	"differ":        {good: "[builder, runtime]", bad: "[builder]", why: "differ names at least two images"},
	"smaller":       {good: "{image: runtime, than: builder, percent: 10}", bad: "{image: runtime, than: builder, percent: 120}", why: "smaller.percent is 120: give a number above 0 and at most 100"},
	"at-least-base": {good: "builder"},
	"at-most-base":  {good: "{image: runtime, plus-file: /myapp/helloworld, slack-mib: 1}", bad: "{image: runtime, plus-file: myapp/helloworld}", why: "at-most-base.plus-file is not an absolute path"},
	"config":        {good: "{image: runtime, workdir: /myapp}", bad: "{image: runtime}", why: "config names nothing to compare: give entrypoint, cmd, workdir, user, env, labels, exposed-ports or volumes"},
	"files":         {good: "{image: runtime, present: [/myapp/helloworld]}", bad: "{image: runtime, absent: [usr/local/go]}", why: `files: "usr/local/go" is not an absolute path`},
	"run":           {good: `{image: runtime, stdout: "Hello World\n"}`},
	"on-base":       {good: "[builder, runtime]", bad: "[]", why: "on-base names no image"},
	"max-size":      {good: "{image: runtime, mib: 10}", bad: "{image: runtime}", why: "max-size.mib is not above 0: give the budget in MiB"},
	"max-layers":    {good: "{image: runtime, count: 3}", bad: "{image: runtime, count: 0}", why: "max-layers.count is below 1: an image has at least one layer"},
	"waste":         {good: "{image: builder, lowest-efficiency: 0.95, highest-wasted-bytes: 20MB, highest-user-wasted-percent: 0.1}", bad: "{image: builder, highest-wasted-bytes: lots}", why: `waste.highest-wasted-bytes "lots" is not a size: write it as dive does (20MB, 20MiB, 1000)`},

	"larger": {good: "[single stage, builder pattern]", bad: "[a, b, c]", why: "larger names 3 approaches: give two"},
	"about":  {good: "{approaches: [builder pattern, multi-stage], within-mib: 1}", bad: "{approaches: [a, b]}", why: "about needs within-mib above 0"},
	"prints": {good: `"Hello World\n"`},
}

func decode(t *testing.T, key, text string) Kind {
	t.Helper()
	k, ok := New(key)
	if !ok {
		k, ok = NewCompare(key)
	}
	require.True(t, ok, key)
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(text), &n), text)
	require.NoError(t, n.Content[0].Decode(k), text)
	return k
}

func TestEveryKindReadsItsSample(t *testing.T) {
	for _, key := range append(Keys(), CompareKeys()...) {
		t.Run(key, func(t *testing.T) {
			s, ok := samples[key]
			require.True(t, ok, "kind %s has no sample in this test", key)
			k := decode(t, key, s.good)
			assert.Empty(t, k.Invalid())
			names, _ := k.Images()
			if key != "exist" && key != "prints" {
				assert.NotEmpty(t, names, "it names its images")
			}
			if s.bad != "" {
				assert.Equal(t, s.why, decode(t, key, s.bad).Invalid())
			}
		})
	}
	assert.Len(t, samples, len(Kinds)+len(CompareKinds), "a sample for a kind that is not in Kinds")
}

func TestNeedsAreGatheredOnceInOrder(t *testing.T) {
	var n Needs
	decode(t, "files", "{image: runtime, present: [/a, /b], absent: [/a]}").Need(&n)
	decode(t, "at-most-base", "{image: runtime, plus-file: /b}").Need(&n)
	decode(t, "run", "{image: runtime}").Need(&n)
	decode(t, "run", "{image: runtime}").Need(&n)
	decode(t, "same-id", "[v1, v2]").Need(&n)
	assert.Equal(t, Needs{Paths: map[string][]string{"runtime": {"/a", "/b"}}, Runs: []string{"runtime"}}, n)
}

// TestEveryKindIsInTheREADME: the README's table of the lab file's keys
// names every kind.
func TestEveryKindIsInTheREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `checks` \\|.*$").Find(readme)
	require.NotNil(t, row, "the README's table has a checks row")
	for _, key := range Keys() {
		assert.True(t, strings.Contains(string(row), "`"+key+"`"), "the README's checks row names %s", key)
	}
	compare := regexp.MustCompile("(?s)The comparison is a second file.*?\n\n").Find(readme)
	require.NotNil(t, compare, "the README says what compare.yaml holds")
	for _, key := range CompareKeys() {
		assert.True(t, strings.Contains(string(compare), "`"+key), "the README's comparison paragraph names %s", key)
	}
}
