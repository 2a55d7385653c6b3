package lab

import (
	"context"
	"io"

	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/progress"
	"github.com/multistage-lab/multistage-lab/internal/walkthrough"
)

// Step is one step of the walkthrough, as the lab file gives it: its title
// in English and, where the seed has one, the seed's own Korean heading, the
// docker CLI commands the seed typed, and what the lab does for it.
type Step = labfile.Step

// Walkthrough replays the seed step by step (package walkthrough). With
// LAB_STEP=1 on a terminal it waits for Enter before each step; in CI it
// runs straight through. It returns what its last verify step found.
func (l *Lab) Walkthrough(ctx context.Context, in io.Reader) (*Verification, error) {
	wait := l.Settings.Step && progress.IsTerminal(l.Out) && l.getenv("CI") != "true"
	s := &stepper{l: l}
	err := walkthrough.Run(ctx, l.Events, s, l.Def, walkthrough.Options{Wait: wait, In: in, Display: l.displayPath})
	return s.found, err
}

// stepper is the lab as the walkthrough's steps use it.
type stepper struct {
	l     *Lab
	found *Verification // the last verify step's
}

func (s *stepper) Clean(ctx context.Context) error      { return s.l.Clean(ctx) }
func (s *stepper) ShowImages(ctx context.Context) error { return s.l.ShowImages(ctx) }
func (s *stepper) RunProgram(ctx context.Context) error { return s.l.RunRuntime(ctx) }

func (s *stepper) Verify(ctx context.Context) error {
	found, err := s.l.Verify(ctx)
	if found != nil {
		s.found = found
	}
	return err
}

func (s *stepper) BuildNamed(ctx context.Context, name string) error {
	im, err := s.l.ImageNamed(name)
	if err != nil {
		return err
	}
	_, err = s.l.Build(ctx, im)
	return err
}
