// Package settings reads the lab's LAB_* environment variables. Every value
// is checked before the engine is contacted, so a typo costs nothing.
package settings

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/progress"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// Builder selects the engine's image builder.
type Builder string

// The builders the lab supports.
const (
	BuildKit Builder = "buildkit"
	Classic  Builder = "classic"
)

// BaseMode says where the golang and alpine base images come from.
type BaseMode string

// The base image modes.
const (
	// BaseAuto uses a local image, else pulls, else makes a stand-in.
	BaseAuto BaseMode = "auto"
	// BasePull uses a local image, else pulls; it never makes a stand-in.
	BasePull BaseMode = "pull"
	// BaseStandin makes a stand-in whenever the tag is absent.
	BaseStandin BaseMode = "standin"
)

// ConfirmCleanAll is the value LAB_CONFIRM must hold before clean:all
// removes anything.
const ConfirmCleanAll = "clean-all"

// Settings are the lab's settings, read from the environment.
type Settings struct {
	Builder  Builder
	Progress progress.Mode
	Base     BaseMode
	// Busybox is the path of a statically linked busybox for the stand-ins;
	// empty means search the usual places.
	Busybox string
	// Confirm holds LAB_CONFIRM.
	Confirm string
	// Report is the report verify writes besides its table, "" for none
	// (LAB_REPORT).
	Report report.Format
	// ReportFile is where the report goes; "-" is standard output
	// (LAB_REPORT_FILE, default build/report.<json|xml|md>).
	ReportFile string
	// Step makes walkthrough wait for Enter between steps on a terminal
	// (LAB_STEP=1).
	Step bool
	// App is the folder sent as the build context (LAB_APP, default the
	// project's app/).
	App string
	// Engines are the engines the lab runs on at once, each an engine URL
	// or a docker context's name (LAB_ENGINES, comma-separated); empty is
	// the one engine DOCKER_HOST or the current context names.
	Engines []string
	// LockTimeout is how long to wait for another run that holds the
	// engine's lock (LAB_LOCK_TIMEOUT).
	LockTimeout time.Duration
	// EnginesParallel is how many of Engines the lab works on at a time
	// (LAB_ENGINES_PARALLEL, default 4).
	EnginesParallel int
	// BenchWarm and BenchCold are the bench's runs a side for each engine
	// and builder (LAB_BENCH_RUNS, "WARM,COLD", default 9,5).
	BenchWarm, BenchCold int
	// Dockerfiles is a folder holding v1.Dockerfile and v2.Dockerfile to
	// build instead of the project's dockerfiles/ (LAB_DOCKERFILES).
	Dockerfiles string
}

// Error is a setting with a value the lab does not accept.
type Error struct {
	Name  string
	Value string
	Valid []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s=%q is not valid: use one of %s", e.Name, e.Value, strings.Join(e.Valid, ", "))
}

// FromEnv reads the settings through getenv (os.Getenv in the program, a map
// in tests). Unset variables take their defaults.
func FromEnv(getenv func(string) string) (Settings, error) {
	var s Settings
	var err error
	if s.Builder, err = choice("LAB_BUILDER", getenv, BuildKit, Classic); err != nil {
		return Settings{}, err
	}
	if s.Progress, err = choice("LAB_PROGRESS", getenv, progress.Modes...); err != nil {
		return Settings{}, err
	}
	if s.Base, err = choice("LAB_BASE", getenv, BaseAuto, BasePull, BaseStandin); err != nil {
		return Settings{}, err
	}
	if s.Report, err = choice("LAB_REPORT", getenv, append([]report.Format{""}, report.Formats...)...); err != nil {
		return Settings{}, err
	}
	s.ReportFile = getenv("LAB_REPORT_FILE")
	step, err := choice("LAB_STEP", getenv, "0", "1")
	if err != nil {
		return Settings{}, err
	}
	s.Step = step == "1"
	s.Busybox = getenv("LAB_BUSYBOX")
	s.Confirm = getenv("LAB_CONFIRM")
	s.Dockerfiles = getenv("LAB_DOCKERFILES")
	s.App = getenv("LAB_APP")
	if s.Engines, err = engineList(getenv("LAB_ENGINES")); err != nil {
		return Settings{}, err
	}
	s.LockTimeout = DefaultLockTimeout
	if raw := strings.TrimSpace(getenv("LAB_LOCK_TIMEOUT")); raw != "" {
		d, err := time.ParseDuration(raw)
		if n, nerr := strconv.Atoi(raw); nerr == nil {
			d, err = time.Duration(n)*time.Second, nil
		}
		if err != nil || d < 0 {
			return Settings{}, &Error{Name: "LAB_LOCK_TIMEOUT", Value: raw, Valid: []string{"a duration such as 90s or 5m, or a number of seconds"}}
		}
		s.LockTimeout = d
	}
	s.EnginesParallel = DefaultEnginesParallel
	if raw := strings.TrimSpace(getenv("LAB_ENGINES_PARALLEL")); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return Settings{}, &Error{Name: "LAB_ENGINES_PARALLEL", Value: raw, Valid: []string{"a whole number, 1 or more"}}
		}
		s.EnginesParallel = n
	}
	s.BenchWarm, s.BenchCold = DefaultBenchWarm, DefaultBenchCold
	if raw := strings.TrimSpace(getenv("LAB_BENCH_RUNS")); raw != "" {
		w, c, ok := strings.Cut(raw, ",")
		wn, werr := strconv.Atoi(strings.TrimSpace(w))
		cn, cerr := strconv.Atoi(strings.TrimSpace(c))
		if !ok || werr != nil || cerr != nil || wn < 1 || cn < 1 {
			return Settings{}, &Error{Name: "LAB_BENCH_RUNS", Value: raw, Valid: []string{"two whole numbers, 1 or more: the warm and the cold runs a side, such as 9,5"}}
		}
		s.BenchWarm, s.BenchCold = wn, cn
	}
	return s, nil
}

// The bench's runs a side, warm and cold, for each engine and builder,
// unless LAB_BENCH_RUNS says.
const (
	DefaultBenchWarm = 9
	DefaultBenchCold = 5
)

// DefaultLockTimeout is how long a run waits for another run that holds
// the engine (LAB_LOCK_TIMEOUT): longer than a cold lab takes on a slow
// machine, short enough that a CI job stuck behind a hung run fails.
const DefaultLockTimeout = 5 * time.Minute

// DefaultEnginesParallel is how many engines the lab works on at once
// unless LAB_ENGINES_PARALLEL says: enough to overlap a class's network
// waits without flooding the machine that drives them.
const DefaultEnginesParallel = 4

// engineList splits LAB_ENGINES: entries are trimmed, and an empty or
// repeated entry is an error.
func engineList(raw string) ([]string, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var out []string
	for _, e := range strings.Split(raw, ",") {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
			return nil, &Error{Name: "LAB_ENGINES", Value: raw, Valid: []string{"engine URLs or docker context names, separated by commas, none empty"}}
		case slices.Contains(out, e):
			return nil, &Error{Name: "LAB_ENGINES", Value: raw, Valid: []string{"each engine once (" + e + " is listed twice)"}}
		}
		out = append(out, e)
	}
	return out, nil
}

// choice returns the variable's value if it is one of valid (the first is
// the default), compared without regard to case or surrounding space.
func choice[T ~string](name string, getenv func(string) string, valid ...T) (T, error) {
	raw := getenv(name)
	v := strings.ToLower(strings.TrimSpace(raw))
	if v == "" {
		return valid[0], nil
	}
	var names []string
	for _, c := range valid {
		if string(c) == v {
			return c, nil
		}
		if c != "" {
			names = append(names, string(c))
		}
	}
	return "", &Error{Name: name, Value: raw, Valid: names}
}
