package lab

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/progress"
)

// Step is one step of the walkthrough, as the lab file gives it: its title
// in English and, where the seed has one, the seed's own Korean heading, the
// docker CLI commands the seed typed, and what the lab does for it.
type Step = labfile.Step

// do does a step through the API: says its words, shows its files, cleans,
// builds its images (then lists them), verifies and runs, as it asks.
func (l *Lab) do(ctx context.Context, s Step) error {
	if s.Say != "" {
		l.printf("%s\n", s.Say)
	}
	for _, f := range s.Show {
		path := l.Def.File(f)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		l.printf("[%s]\n%s\n", l.displayPath(path), data)
	}
	if slices.Contains(s.Do, "clean") {
		if err := l.Clean(ctx); err != nil {
			return err
		}
	}
	for _, n := range s.Build {
		im, err := l.ImageNamed(n)
		if err != nil {
			return err
		}
		if _, err := l.Build(ctx, im); err != nil {
			return err
		}
	}
	if len(s.Build) > 0 {
		l.printf("\n$ docker image ls\n")
		if err := l.ShowImages(ctx); err != nil {
			return err
		}
	}
	if slices.Contains(s.Do, "verify") {
		if _, err := l.Verify(ctx); err != nil {
			return err
		}
	}
	if slices.Contains(s.Do, "run") {
		return l.RunRuntime(ctx)
	}
	return nil
}

// Walkthrough replays the seed step by step. With LAB_STEP=1 on a terminal
// it waits for Enter before each step; in CI it runs straight through.
func (l *Lab) Walkthrough(ctx context.Context, in io.Reader) error {
	steps := l.Def.Walkthrough
	wait := l.Settings.Step && progress.IsTerminal(l.Out) && os.Getenv("CI") != "true"
	keys := bufio.NewReader(in)
	for i, s := range steps {
		l.printf("\n=== Step %d of %d: %s\n", i+1, len(steps), s.Title)
		if s.Korean != "" {
			l.printf("    (%s)\n", s.Korean)
		}
		for _, c := range s.CLI {
			l.printf("    $ %s\n", c)
		}
		if wait {
			l.printf("-- press Enter to do it through the Engine API --")
			if _, err := keys.ReadString('\n'); err != nil && ctx.Err() == nil {
				wait = false
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		start := time.Now()
		if err := l.do(ctx, s); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.Title, err)
		}
		l.printf("--- step %d done in %.1fs\n", i+1, time.Since(start).Seconds())
	}
	return nil
}
