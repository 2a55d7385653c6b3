package labtargets

import (
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The package's doc names every setting the lab reads, so go doc tells an
// importing repository what the README tells this one. The bench's
// LAB_BENCH_RUNS is this repository's own (magefiles/seed).
func TestTheDocNamesEverySetting(t *testing.T) {
	src, err := os.ReadFile("../internal/settings/settings.go")
	require.NoError(t, err)
	f, err := parser.ParseFile(token.NewFileSet(), "labtargets.go", mustRead(t, "labtargets.go"), parser.ParseComments|parser.PackageClauseOnly)
	require.NoError(t, err)
	doc := f.Doc.Text()
	names := regexp.MustCompile(`"(LAB_[A-Z0-9_]+)"`).FindAllStringSubmatch(string(src), -1)
	require.NotEmpty(t, names)
	for _, m := range append(names, []string{"", "LAB_LEDGER_DIR"}) {
		if m[1] == "LAB_BENCH_RUNS" {
			continue
		}
		assert.Regexp(t, `(?m)^\s+`+m[1]+`\s`, doc, "the package doc names %s", m[1])
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}
