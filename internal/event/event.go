// Package event holds what the lab's steps tell the user while they work,
// as values: a step emits them to a Sink, and package output renders them
// (terminal text; a run on several engines routes Status to its board).
// A program that imports the lab passes its own Sink to have them as data.
package event

import (
	"time"

	"github.com/multistage-lab/multistage-lab/internal/report"
	"github.com/multistage-lab/multistage-lab/internal/verify"
)

// An Event is one thing a step did or found.
type Event interface{ event() }

// A Sink receives a step's events, in order, from one goroutine at a time.
type Sink func(Event)

// Discard is a Sink that drops every event.
func Discard(Event) {}

// Status says in a few words what the lab is doing now ("building v1",
// "verify 10/10 passed"); a board shows it as the engine's live status,
// the terminal's text leaves it out.
type Status struct{ Text string }

// Step is a command the lab is about to do, as the docker CLI would say it,
// or a phase of the work ("removing the lab's images, then building again").
type Step struct{ Text string }

// Said is a line another package wrote for the user (the engine lock's
// "waiting for ...").
type Said struct{ Text string }

// Warning is something that went wrong without stopping the step.
type Warning struct{ Text string }

// PlainTCP warns that an engine is reached over TCP without TLS.
type PlainTCP struct{ Host string }

// BuildStarted is one image build starting: the CLI command it matches.
type BuildStarted struct {
	Command    string // "docker image build --target builder"
	Tags       []string
	Context    string // the context folder as the user reads it; "" is "."
	Dockerfile string // as the user reads its path
	Builder    string
}

// BuildDone is a build's result: the image its first tag names now.
type BuildDone struct {
	Tag  string
	ID   string
	Took time.Duration
}

// Previous is what became of the image a build's tag named before.
type Previous struct {
	Tag  string
	ID   string
	Fate Fate
	Err  error // why it was kept (Fate Kept)
}

// Fate is what happened to a build's previous image.
type Fate int

const (
	// RemovedByEngine: the engine dropped it when the build took its name.
	RemovedByEngine Fate = iota
	// LeftDangling: the lab did not build it, so it stays as docker build leaves it.
	LeftDangling
	// Kept: the lab built it but could not remove it.
	Kept
	// Removed: the lab built it and removed it.
	Removed
)

// NotRecorded warns that the lab's record of what its classic builds
// committed could not be written.
type NotRecorded struct {
	Err error
	IDs []string
}

// Base events: what the lab found or did about a base image.
type (
	// BaseHere: the base is already on the engine, left as it is.
	BaseHere struct{ Ref, Kind, ID string }
	// BaseState: the base's kind ("a stand-in ...", "real"), or absent.
	BaseState struct {
		Ref, Kind string
		Absent    bool
	}
	// PullFailed: the base is absent and could not be pulled; a stand-in follows.
	PullFailed struct {
		Ref string
		Err error
	}
	// StandinMade: an offline stand-in was made.
	StandinMade struct {
		Ref, ID string
		Size    int64
		Took    time.Duration
		Shell   string // what its /bin/sh is
	}
	// StandinKept: a registry has the real image, but its pull failed.
	StandinKept struct {
		Ref, ID string
		Err     error
	}
	// RealPulled: a registry had the real image; it replaced the stand-in
	// OldID, which is removed unless RemoveErr says why not.
	RealPulled struct {
		Ref, ID, OldID string
		RemoveErr      error
	}
	// StandinRemade: an earlier lab's stand-in, with a shell and no
	// commands, is being made anew.
	StandinRemade struct{ Ref, ID string }
	// OldStandinKept: the old stand-in could not be removed.
	OldStandinKept struct {
		Ref, ID string
		Err     error
	}
	// StandinAbsent, RealKept, StandinRemoved: what removing the stand-ins did.
	StandinAbsent  struct{ Ref string }
	RealKept       struct{ Ref string }
	StandinRemoved struct{ Ref, ID string }
)

// Clean events.
type (
	// NothingToClean: no image or container of the lab's repositories.
	NothingToClean struct{ Repositories []string }
	// ContainerRemoved: a container of the lab's (or, for clean:all, any).
	ContainerRemoved struct{ ID, Name, Image, State string }
	// KeptImage: clean left an image, and why (package clean's words).
	KeptImage struct{ Why string }
	// Untagged and Deleted: what the engine said an image removal did.
	Untagged struct{ Ref string }
	Deleted  struct{ ID string }
	// LockKept: clean:all leaves the engine's lock, which Holder holds.
	LockKept struct{ Container, Image, Holder string }
	// WouldRemove: clean:all without the confirmation lists what it would remove.
	WouldRemove struct {
		Containers []ContainerRemoved
		Images     []ImageLine
	}
	// ContainerLeft: a container of the lab's run could not be removed.
	ContainerLeft struct {
		ID  string
		Err error
	}
)

// ImageLine is one image by ID and its tags (none: untagged).
type ImageLine struct {
	ID   string
	Tags []string
}

// Verified is verify's result: where it ran, the bases it found, every
// check, and why the images meant to share an ID do not, if they do not.
type Verified struct {
	On     string
	Bases  []string
	Checks []verify.Check
	Why    []string
}

// Ran is what the lab's program printed when run.
type Ran struct{ Stdout, Stderr string }

// Images is the image table, with what its SIZE column means on this
// engine and each base image's state.
type Images struct {
	Rows        []report.ImageRow
	Now         time.Time
	On, Meaning string
	Bases       []BaseState
}

// Sizes is where the megabytes went.
type Sizes struct{ Layers []report.Layers }

// Compared is the comparison of build approaches and its checks.
type Compared struct {
	Approaches []report.Approach
	Checks     []verify.Check
}

// Rebuilt is the reproducibility rebuild's result.
type Rebuilt struct {
	Binary            string
	Size              int
	Before, After     string // sha256 of the binary, hex
	Identical         bool
	IDBefore, IDAfter string
	Why               []string
}

// Walkthrough events: a step's heading and the commands the seed typed,
// the prompt before its API half, a file it shows, a command it runs, and
// its end.
type (
	WalkStep struct {
		N, Of         int
		Title, Korean string
		CLI           []string
	}
	WalkPrompt struct{}
	FileShown  struct {
		Path string
		Data []byte
	}
	WalkCommand  struct{ Text string }
	WalkStepDone struct {
		N    int
		Took time.Duration
	}
)

func (WalkStep) event()         {}
func (WalkPrompt) event()       {}
func (FileShown) event()        {}
func (WalkCommand) event()      {}
func (WalkStepDone) event()     {}
func (Status) event()           {}
func (Step) event()             {}
func (Said) event()             {}
func (Warning) event()          {}
func (PlainTCP) event()         {}
func (BuildStarted) event()     {}
func (BuildDone) event()        {}
func (Previous) event()         {}
func (NotRecorded) event()      {}
func (BaseHere) event()         {}
func (BaseState) event()        {}
func (PullFailed) event()       {}
func (StandinMade) event()      {}
func (StandinKept) event()      {}
func (RealPulled) event()       {}
func (StandinRemade) event()    {}
func (OldStandinKept) event()   {}
func (StandinAbsent) event()    {}
func (RealKept) event()         {}
func (StandinRemoved) event()   {}
func (NothingToClean) event()   {}
func (ContainerRemoved) event() {}
func (KeptImage) event()        {}
func (Untagged) event()         {}
func (Deleted) event()          {}
func (LockKept) event()         {}
func (WouldRemove) event()      {}
func (ContainerLeft) event()    {}
func (Verified) event()         {}
func (Ran) event()              {}
func (Images) event()           {}
func (Sizes) event()            {}
func (Compared) event()         {}
func (Rebuilt) event()          {}
func (BenchRun) event()         {}
func (ContextRun) event()       {}

// BenchRun is one timed run of the bench: which engine, builder and case,
// which side (the lab's or the docker CLI's), and how long it took.
type BenchRun struct {
	Engine  string
	Builder string
	Case    string // warm or cold
	Side    string // "lab build" or "docker CLI"
	N       int
	Took    time.Duration
}

// ContextRun is one round of the context benchmark: the lab's streaming
// of the context into a pipe, with its peak memory, and tar's.
type ContextRun struct {
	N        int
	Lab, Tar time.Duration
	Peak     int64
}
