package targets

import (
	"context"
	"errors"

	"github.com/multistage-lab/multistage-lab/internal/dockerfile"
	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/enginelock"
	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/structuretest"
)

// Exit codes, as the README documents them.
const (
	ExitOK          = 0
	ExitFailed      = 1   // an assertion, a build or the program failed
	ExitEnvironment = 2   // no engine, a bad setting, a missing prerequisite
	ExitInterrupted = 130 // Ctrl-C or SIGTERM, as a shell reports SIGINT
)

// ExitCode maps an error from the lab to the process exit code: what is
// wrong around the lab (settings, engine, files, prerequisites) is 2, a
// failure of the lab itself 1.
func ExitCode(err error) int {
	var se *settings.Error
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &se),
		errors.Is(err, engine.ErrUnreachable),
		errors.Is(err, engine.ErrTooOld),
		errors.Is(err, lab.ErrBaseMissing),
		errors.Is(err, lab.ErrNoProject),
		errors.Is(err, lab.ErrUnreadable),
		errors.Is(err, lab.ErrNotConfirmed),
		errors.Is(err, lab.ErrBadCredentials),
		errors.Is(err, enginelock.ErrBusy),
		errors.Is(err, dockerfile.ErrInvalid),
		errors.Is(err, labfile.ErrInvalid),
		errors.Is(err, structuretest.ErrInvalid):
		return ExitEnvironment
	}
	return ExitFailed
}
