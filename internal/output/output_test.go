package output

import (
	"bytes"
	"testing"

	"github.com/multistage-lab/multistage-lab/internal/testkit"
	"github.com/multistage-lab/multistage-lab/internal/verify"
)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testkit.Golden(t, name, got)
}

func TestChecksShowExpectedAndActual(t *testing.T) {
	var out bytes.Buffer
	WriteChecks(&out, []verify.Check{
		{Name: "1. the lab's tags exist", Pass: true, Expected: "multi-state:v1, multi-state:v2", Actual: "all present", Line: 20},
		{Name: "2. v1, v2 and runtime are one image", Expected: "one image ID for v1, v2, runtime", Actual: "v1=runtime00000 v2=0123456789ab runtime=runtime00000", Line: 22},
	})
	golden(t, "checks.txt", out.Bytes())
}
