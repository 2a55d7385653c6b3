package standin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Shell is the /bin/sh a stand-in gets: a static busybox, which brings the
// usual commands too, or, where there is none, gosh, a POSIX shell in pure
// Go (mvdan.cc/sh), built from the module cache for the engine's
// architecture. The seed's RUN lines need only the shell.
type Shell struct {
	Path    string
	Busybox bool
}

// Describe says which shell it is, for the line that reports a stand-in.
func (s Shell) Describe() string {
	if s.Busybox {
		return "/bin/sh is busybox (" + s.Path + ")"
	}
	return "/bin/sh is gosh (" + goshPackage + " " + goshVersion + "), no static busybox here: the shell only, none of busybox's commands (scripts/install-busybox.sh adds them)"
}

// goshPackage is the shell's command, pinned as a tool in go.mod so the
// module download that `go tool mage` does brings its source.
const (
	goshPackage = "mvdan.cc/sh/v3/cmd/gosh"
	goshVersion = "v3.14.1"
)

// FindShell returns the shell for goarch's stand-ins: LAB_BUSYBOX (which
// must be a static busybox), else a static busybox found on the machine,
// else gosh built into dir from the module root (the project folder).
func FindShell(ctx context.Context, busybox, goarch, root, dir string) (Shell, error) {
	p, err := FindBusybox(busybox, goarch)
	if err == nil {
		return Shell{Path: p, Busybox: true}, nil
	}
	if busybox != "" {
		return Shell{}, err
	}
	gosh, gerr := BuildGosh(ctx, root, goarch, dir)
	if gerr != nil {
		return Shell{}, fmt.Errorf("%w, and gosh could not be built either: %v", err, gerr)
	}
	return Shell{Path: gosh}, nil
}

// ErrNoGo says there is no go command to build gosh with.
var ErrNoGo = errors.New("no go command found")

// BuildGosh builds gosh for linux/goarch, statically (no cgo), into dir.
func BuildGosh(ctx context.Context, root, goarch, dir string) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		tc, terr := FindToolchain(goarch)
		if terr != nil {
			return "", fmt.Errorf("%w: %v", ErrNoGo, err)
		}
		goCmd = filepath.Join(tc.GOROOT, "bin", "go")
	}
	out := filepath.Join(dir, "gosh")
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-o", out, goshPackage)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v: %s", goshPackage, err, strings.TrimSpace(string(b)))
	}
	if err := CheckStatic(out, goarch); err != nil {
		return "", err
	}
	return out, nil
}
