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

// Run replays def's walkthrough on l, writing to w.
func Run(ctx context.Context, w io.Writer, l Lab, def *labfile.Lab, o Options) error {
	steps := def.Walkthrough
	wait := o.Wait && o.In != nil
	var keys *bufio.Reader
	if wait {
		keys = bufio.NewReader(o.In)
	}
	for i, s := range steps {
		fmt.Fprintf(w, "\n=== Step %d of %d: %s\n", i+1, len(steps), s.Title)
		if s.Korean != "" {
			fmt.Fprintf(w, "    (%s)\n", s.Korean)
		}
		for _, c := range s.CLI {
			fmt.Fprintf(w, "    $ %s\n", c)
		}
		if wait {
			fmt.Fprint(w, "-- press Enter to do it through the Engine API --")
			if _, err := keys.ReadString('\n'); err != nil && ctx.Err() == nil {
				wait = false
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		start := time.Now()
		if err := do(ctx, w, l, def, s, o); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.Title, err)
		}
		fmt.Fprintf(w, "--- step %d done in %.1fs\n", i+1, time.Since(start).Seconds())
	}
	return nil
}

// do does a step through the lab: says its words, shows its files,
// cleans, builds its images (then lists them), verifies and runs, as it
// asks.
func do(ctx context.Context, w io.Writer, l Lab, def *labfile.Lab, s labfile.Step, o Options) error {
	if s.Say != "" {
		fmt.Fprintf(w, "%s\n", s.Say)
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
		fmt.Fprintf(w, "[%s]\n%s\n", shown, data)
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
		fmt.Fprintf(w, "\n$ docker image ls\n")
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
