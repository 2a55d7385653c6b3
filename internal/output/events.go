package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/event"
)

// Text is the terminal's rendering of a step's events: each as the lines a
// person reads, in order, to w. Status is left out (a board shows it).
func Text(w io.Writer) event.Sink {
	return func(e event.Event) { WriteEvent(w, e) }
}

// WriteEvent writes one event as text.
func WriteEvent(w io.Writer, e event.Event) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	switch e := e.(type) {
	case event.Status:
	case event.Step:
		p("==> %s\n", e.Text)
	case event.Said:
		p("%s\n", e.Text)
	case event.Warning:
		p("warning: %s\n", e.Text)
	case event.PlainTCP:
		p("warning: %s is reached over TCP without TLS: anyone who can reach that port controls the engine; use TLS (DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, or a docker context made with its certificates)\n", e.Host)
	case event.BuildStarted:
		context := e.Context
		if context == "" {
			context = "."
		}
		p("==> %s -t %s %s   (%s, %s builder)\n", e.Command, strings.Join(e.Tags, " -t "), context, e.Dockerfile, e.Builder)
	case event.BuildDone:
		p("    %s = %s (%.1fs)\n", e.Tag, display.ShortID(e.ID), e.Took.Seconds())
	case event.Previous:
		id := display.ShortID(e.ID)
		switch e.Fate {
		case event.RemovedByEngine:
			p("    the engine removed the previous %s image %s when this build took its name\n", e.Tag, id)
		case event.LeftDangling:
			p("    left the previous %s image %s as docker build leaves it: dangling, with its parents (the lab did not build it)\n", e.Tag, id)
		case event.Kept:
			p("    kept the previous %s image %s: %v\n", e.Tag, id, e.Err)
		case event.Removed:
			p("    removed the previous %s image %s (built by the lab, untagged by this build)\n", e.Tag, id)
		}
	case event.NotRecorded:
		p("warning: %v: clean will keep these images: %v\n", e.Err, e.IDs)
	case event.BaseHere:
		p("%s: already here (%s, %s), left as it is\n", e.Ref, e.Kind, display.ShortID(e.ID))
	case event.BaseState:
		if e.Absent {
			p("base %s: absent\n", e.Ref)
		} else {
			p("base %s: %s\n", e.Ref, e.Kind)
		}
	case event.PullFailed:
		p("%s: not here and the pull failed (%s); making an offline stand-in\n", e.Ref, firstLine(e.Err))
	case event.StandinMade:
		p("made offline stand-in %s (%s, %s unpacked) in %.1fs; %s\n", e.Ref, display.ShortID(e.ID), display.HumanSize(e.Size), e.Took.Seconds(), e.Shell)
	case event.StandinKept:
		p("%s: the registry has it, but the pull failed (%s); keeping the stand-in (%s)\n", e.Ref, firstLine(e.Err), display.ShortID(e.ID))
	case event.RealPulled:
		what := "removed the stand-in " + display.ShortID(e.OldID)
		if e.RemoveErr != nil {
			what = "kept the old stand-in " + keptStandin(e.OldID, e.RemoveErr)
		}
		p("%s: a registry has the real image now; pulled it (%s) and %s\n", e.Ref, display.ShortID(e.ID), what)
	case event.StandinRemade:
		p("%s: its stand-in (%s) has a shell and no commands (an earlier lab made it); making it anew\n", e.Ref, display.ShortID(e.ID))
	case event.OldStandinKept:
		p("%s: kept the old stand-in %s\n", e.Ref, keptStandin(e.ID, e.Err))
	case event.StandinAbsent:
		p("%s: not here\n", e.Ref)
	case event.RealKept:
		p("%s: a real image, kept\n", e.Ref)
	case event.StandinRemoved:
		p("removed stand-in %s (%s)\n", e.Ref, display.ShortID(e.ID))
	case event.NothingToClean:
		p("nothing to clean: no %s (or comparison) images or containers made from them\n", strings.Join(e.Repositories, ", "))
	case event.ContainerRemoved:
		if e.State != "" {
			p("removed container %s (%s, %s)\n", e.Name, e.Image, e.State)
		} else {
			p("removed container %s (%s)\n", display.ShortID(e.ID), e.Image)
		}
	case event.KeptImage:
		p("kept %s\n", e.Why)
	case event.Untagged:
		p("untagged %s\n", e.Ref)
	case event.Deleted:
		p("deleted %s\n", e.ID)
	case event.LockKept:
		p("kept the lab's lock (container %s and image %s): %s holds it; `docker rm -f %s` removes a stale one\n", e.Container, e.Image, e.Holder, e.Container)
	case event.WouldRemove:
		p("clean:all would remove %d containers and %d images:\n", len(e.Containers), len(e.Images))
		for _, c := range e.Containers {
			p("  container %s (%s, %s)\n", display.ShortID(c.ID), c.Image, c.State)
		}
		for _, im := range e.Images {
			tags := "<none>"
			if len(im.Tags) > 0 {
				tags = strings.Join(im.Tags, ", ")
			}
			p("  image %s %s\n", display.ShortID(im.ID), tags)
		}
	case event.ContainerLeft:
		p("warning: could not remove container %s: %v\n", display.ShortID(e.ID), e.Err)
	case event.Verified:
		p("==> verify on %s (bases: %s)\n", e.On, strings.Join(e.Bases, ", "))
		WriteChecks(w, e.Checks)
		if len(e.Why) > 0 {
			p("Why the IDs differ:\n")
			for _, why := range e.Why {
				p("  - %s\n", why)
			}
		}
	case event.Ran:
		p("%s", e.Stdout)
		p("%s", e.Stderr)
	case event.Images:
		if err := WriteImageTable(w, e.Rows, e.Now); err != nil {
			p("the image table: %v\n", err)
		}
		p("SIZE as %s gives it: %s\n", e.On, e.Meaning)
		for _, b := range e.Bases {
			WriteEvent(w, b)
		}
	case event.Sizes:
		WriteSizes(w, e.Layers)
	case event.Compared:
		p("\n")
		WriteComparison(w, e.Approaches)
		p("\n")
		WriteChecks(w, e.Checks)
	case event.Rebuilt:
		same := "DIFFERENT"
		if e.Identical {
			same = "byte-identical"
		}
		p("\nbinary %s (%d bytes): before sha256:%.16s, after sha256:%.16s: %s\n", e.Binary, e.Size, e.Before, e.After, same)
		if e.IDBefore == e.IDAfter {
			p("image ID: %s both times: the rebuild reproduced the image exactly\n", display.ShortID(e.IDAfter))
		} else {
			p("image ID: %s before, %s after, because:\n", display.ShortID(e.IDBefore), display.ShortID(e.IDAfter))
			for _, why := range e.Why {
				p("  - %s\n", why)
			}
		}
	case event.WalkStep:
		p("\n=== Step %d of %d: %s\n", e.N, e.Of, e.Title)
		if e.Korean != "" {
			p("    (%s)\n", e.Korean)
		}
		for _, c := range e.CLI {
			p("    $ %s\n", c)
		}
	case event.WalkPrompt:
		p("-- press Enter to do it through the Engine API --")
	case event.FileShown:
		p("[%s]\n%s\n", e.Path, e.Data)
	case event.WalkCommand:
		p("\n$ %s\n", e.Text)
	case event.WalkStepDone:
		p("--- step %d done in %.1fs\n", e.N, e.Took.Seconds())
	case event.BenchRun:
		p("  %s, %s, %s: %-10s run %d: %.3fs\n", e.Engine, e.Builder, e.Case, e.Side, e.N, e.Took.Seconds())
	case event.ContextRun:
		p("  run %d: lab context | (pipe) %.2fs (peak %d MiB), tar c | (pipe) %.2fs\n", e.N, e.Lab.Seconds(), e.Peak>>20, e.Tar.Seconds())
	default:
		p("%+v\n", e)
	}
}

// keptStandin says why an old stand-in stays, and how to remove it later.
func keptStandin(id string, err error) string {
	id = display.ShortID(id)
	return fmt.Sprintf("%s (%s; `docker image rm %s` once nothing uses it)", id, firstLine(err), id)
}

func firstLine(err error) string {
	if err == nil {
		return ""
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
