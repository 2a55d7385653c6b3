// Package walkthrough replays a lab file's walkthrough: each step's title
// (with the seed's Korean heading), the docker CLI commands the seed typed,
// then the same done through the lab, which it is given.
package walkthrough

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
)

// Lab is what a step asks the lab to do.
type Lab interface {
	Clean(ctx context.Context) error
	// BuildNamed builds the lab file's image of that name.
	BuildNamed(ctx context.Context, name string) error
	ShowImages(ctx context.Context) error
	// Verify checks the lab file's checks; RunProgram runs its program image.
	Verify(ctx context.Context) error
	RunProgram(ctx context.Context) error
}

// Options say how the walkthrough meets its reader.
type Options struct {
	// Wait, with In, waits for Enter before each step's API half (a
	// person at a terminal; never in CI).
	Wait bool
	In   io.Reader
	// Display shortens a file's path for its heading.
	Display func(path string) string
}

// Run replays def's walkthrough on l, telling say each step, command and file.
func Run(ctx context.Context, say event.Sink, l Lab, def *labfile.Lab, o Options) error {
	steps := def.Walkthrough
	wait := o.Wait && o.In != nil
	var keys *bufio.Reader
	if wait {
		keys = bufio.NewReader(o.In)
	}
	for i, s := range steps {
		say(event.WalkStep{N: i + 1, Of: len(steps), Title: s.Title, Korean: s.Korean, CLI: s.CLI})
		if wait {
			say(event.WalkPrompt{})
			if _, err := keys.ReadString('\n'); err != nil && ctx.Err() == nil {
				wait = false
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		start := time.Now()
		if err := do(ctx, say, l, def, s, o); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.Title, err)
		}
		say(event.WalkStepDone{N: i + 1, Took: time.Since(start)})
	}
	return nil
}

// do does a step through the lab: says its words, shows its files,
// cleans, builds its images (then lists them), verifies and runs, as it
// asks.
func do(ctx context.Context, say event.Sink, l Lab, def *labfile.Lab, s labfile.Step, o Options) error {
	if s.Say != "" {
		say(event.Said{Text: s.Say})
	}
	for _, f := range s.Show {
		path := def.File(f)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		shown := path
		if o.Display != nil {
			shown = o.Display(path)
		}
		say(event.FileShown{Path: shown, Data: data})
	}
	if slices.Contains(s.Do, "clean") {
		if err := l.Clean(ctx); err != nil {
			return err
		}
	}
	for _, n := range s.Build {
		if err := l.BuildNamed(ctx, n); err != nil {
			return err
		}
	}
	if len(s.Build) > 0 {
		say(event.WalkCommand{Text: "docker image ls"})
		if err := l.ShowImages(ctx); err != nil {
			return err
		}
	}
	if slices.Contains(s.Do, "verify") {
		if err := l.Verify(ctx); err != nil {
			return err
		}
	}
	if slices.Contains(s.Do, "run") {
		return l.RunProgram(ctx)
	}
	return nil
}
