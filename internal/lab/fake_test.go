package lab

import (
	"io"
	"strings"
	"testing"

	"github.com/docker/docker/errdefs"
	"github.com/stretchr/testify/require"
)

// notFound is the engine's answer for an absent object.
func notFound(what string) error { return errdefs.NotFound(errString("No such image: " + what)) }

type errString string

func (e errString) Error() string { return string(e) }

func body(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// projectRoot is the project folder, whose lab file unit tests run.
func projectRoot(t *testing.T) string {
	t.Helper()
	root, err := findTestRoot()
	require.NoError(t, err)
	return root
}
