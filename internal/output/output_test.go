package output

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/verify"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./internal/output -update to write it")
	assert.Equal(t, string(want), string(got))
}

func TestChecksShowExpectedAndActual(t *testing.T) {
	var out bytes.Buffer
	WriteChecks(&out, []verify.Check{
		{Name: "1. the lab's tags exist", Pass: true, Expected: "multi-state:v1, multi-state:v2", Actual: "all present", Line: 20},
		{Name: "2. v1, v2 and runtime are one image", Expected: "one image ID for v1, v2, runtime", Actual: "v1=runtime00000 v2=0123456789ab runtime=runtime00000", Line: 22},
	})
	golden(t, "checks.txt", out.Bytes())
}
