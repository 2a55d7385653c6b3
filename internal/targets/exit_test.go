package targets

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/multistage-lab/multistage-lab/internal/dockerfile"
	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/enginelock"
	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/structuretest"
)

func TestExitCodes(t *testing.T) {
	cases := []struct {
		err  error
		code int
	}{
		{nil, 0},
		{fmt.Errorf("verify: %w", lab.ErrAssertions), 1},
		{errors.New("build multi-state:v1: exit code: 1"), 1},
		{&settings.Error{Name: "LAB_BASE"}, 2},
		{fmt.Errorf("x: %w", engine.ErrUnreachable), 2},
		{fmt.Errorf("x: %w", engine.ErrTooOld), 2},
		{fmt.Errorf("x: %w", lab.ErrBaseMissing), 2},
		{lab.ErrNotConfirmed, 2},
		{fmt.Errorf("%w: cst.yaml:3: licenseTests are not run by the lab", structuretest.ErrInvalid), 2},
		{lab.ErrNoProject, 2},
		{fmt.Errorf("%w: x", lab.ErrBadCredentials), 2},
		{fmt.Errorf("%w: all on ci (pid 7) has held the lab's lock", enginelock.ErrBusy), 2},
		{fmt.Errorf("%w: v1.Dockerfile:2: WORKDIR", dockerfile.ErrInvalid), 2},
		{&labfile.Error{Path: "lab.yaml", Line: 3, Msg: "unknown key"}, 2},
		{fmt.Errorf("build: %w", context.Canceled), 130},
	}
	for _, c := range cases {
		assert.Equal(t, c.code, ExitCode(c.err), "%v", c.err)
	}
}
