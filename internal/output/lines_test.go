package output

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/fleet"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

func TestSummary(t *testing.T) {
	var out strings.Builder
	WriteSummary(&out, []fleet.Run{
		{Engine: "unix:///a.sock", Took: 14 * time.Second, Report: &report.Report{Builder: "buildkit", Passed: 10, Assertions: make([]report.Check, 10),
			Engine: report.Engine{Version: "29.8.0", ImageStore: "containerd image store (overlayfs snapshotter)"},
			Bases:  []report.Base{{Role: "golang", Kind: "stand-in"}, {Role: "alpine", Kind: "stand-in"}}}},
		{Engine: "tcp://c:2375", Took: 5 * time.Second, Err: errors.New("no Docker Engine answers at tcp://c:2375\nmore")},
	})
	assert.Equal(t, `ENGINE          VERSION  IMAGE STORE                                     BUILDER   BASES                             ASSERTIONS  TIME   RESULT
unix:///a.sock  29.8.0   containerd image store (overlayfs snapshotter)  buildkit  golang stand-in, alpine stand-in  10 of 10    14.0s  ok
tcp://c:2375    -        -                                               -         -                                 -           5.0s   no Docker Engine answers at tcp://c:2375
`, out.String())
}

func TestAFailedEnginesLogEndIsShown(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	var long strings.Builder
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&long, "line %d\n", i)
	}
	long.WriteString("FAIL  7. a runtime container prints Hello World\nError: assertions failed: 1 of 10\n")
	logs := []string{
		write("1-a.log", "all well\n"),
		write("2-b.log", long.String()),
		write("3-c.log", "Error: no Docker Engine answers at tcp://c:2375\n"),
		write("4-d.log", "line\nError: build multi-state:v1: context canceled\n"),
	}
	runs := []fleet.Run{
		{Engine: "a"},
		{Engine: "b", Err: errors.New("assertions failed: 1 of 10")},
		{Engine: "c", Err: errors.New("no Docker Engine answers at tcp://c:2375")},
		{Engine: "d", Err: fmt.Errorf("build multi-state:v1: %w", context.Canceled)},
	}
	var out strings.Builder
	writeFailedLogs(&out, runs, logs, func(p string) string { return p })
	got := out.String()
	assert.True(t, strings.HasPrefix(got, "\nb failed; the end of "+logs[1]+":\n    line 18\n"), got)
	assert.True(t, strings.HasSuffix(got, "    FAIL  7. a runtime container prints Hello World\n    Error: assertions failed: 1 of 10\n"), got)
	assert.Equal(t, 1+1+failedLogLines, strings.Count(got, "\n"), "a heading and the last lines of b's log only")
	assert.NotContains(t, got, "c failed", "an error alone is the summary's")
	assert.NotContains(t, got, "d failed", "an interrupt's log is not shown")
}
