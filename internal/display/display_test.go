package display

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWithin(t *testing.T) {
	t.Parallel()
	base := filepath.FromSlash("/work/lab")
	for path, want := range map[string]string{
		"/work/lab/dockerfiles/lab.yaml": "dockerfiles/lab.yaml",
		"/work/lab/..notes/x":            "..notes/x",
		"/work/lab":                      ".",
		"/work/other/lab.yaml":           "",
		"/work":                          "",
	} {
		rel, ok := Within(base, filepath.FromSlash(path))
		assert.Equal(t, want != "", ok, path)
		assert.Equal(t, filepath.FromSlash(want), rel, path)
	}
}
