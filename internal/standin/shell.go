package standin

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/toolbox"
)

// Shell is what a stand-in's /bin holds: a static busybox, or, where there
// is none, the lab's toolbox (internal/toolbox/cmd/toolbox: mvdan.cc/sh's
// shell, u-root's core commands, sleep and env), built from the module
// cache for the engine's architecture. Either is installed as busybox
// installs itself, one binary with a link per command.
type Shell struct {
	Path    string
	Busybox bool
	// Parts are the toolbox's pieces with their versions, read from the
	// built binary ("mvdan.cc/sh/v3 v3.14.1"); empty for busybox.
	Parts []string
}

// Describe says which shell and commands it is, for the line that reports
// a stand-in.
func (s Shell) Describe() string {
	if s.Busybox {
		return "/bin/sh is busybox (" + s.Path + ")"
	}
	return fmt.Sprintf("/bin/sh is the lab's toolbox (%s; %d commands), no static busybox here", strings.Join(s.Parts, ", "), len(toolbox.Commands()))
}

// toolboxPackage is the toolbox's command, a package of this module, so
// building it needs only the module's own dependencies.
const toolboxPackage = "github.com/multistage-lab/multistage-lab/internal/toolbox/cmd/toolbox"

// FindShell returns the shell for goarch's stand-ins: LAB_BUSYBOX (which
// must be a static busybox), else a static busybox found on the machine,
// else the toolbox built into dir from the module root (the project folder).
func FindShell(ctx context.Context, busybox, goarch, root, dir string) (Shell, error) {
	p, err := FindBusybox(busybox, goarch)
	if err == nil {
		return Shell{Path: p, Busybox: true}, nil
	}
	if busybox != "" {
		return Shell{}, err
	}
	sh, terr := BuildToolbox(ctx, root, goarch, dir)
	if terr != nil {
		return Shell{}, fmt.Errorf("%w, and the lab's toolbox could not be built either: %v", err, terr)
	}
	return sh, nil
}

// ErrNoGo says there is no go command to build the toolbox with.
var ErrNoGo = errors.New("no go command found")

// BuildToolbox builds the toolbox for linux/goarch, statically (no cgo),
// into dir.
func BuildToolbox(ctx context.Context, root, goarch, dir string) (Shell, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		tc, terr := FindToolchain(goarch)
		if terr != nil {
			return Shell{}, fmt.Errorf("%w: %v", ErrNoGo, err)
		}
		goCmd = filepath.Join(tc.GOROOT, "bin", "go")
	}
	out := filepath.Join(dir, "toolbox")
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-o", out, toolboxPackage)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return Shell{}, fmt.Errorf("go build %s: %v: %s", toolboxPackage, err, strings.TrimSpace(string(b)))
	}
	if err := CheckStatic(out, goarch); err != nil {
		return Shell{}, err
	}
	return Shell{Path: out, Parts: toolboxParts(out)}, nil
}

// toolboxParts names the modules the toolbox's commands come from, at the
// versions the binary was built with.
func toolboxParts(path string) []string {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return []string{"versions unknown: " + err.Error()}
	}
	versions := map[string]string{}
	for _, d := range info.Deps {
		versions[d.Path] = d.Version
	}
	var parts []string
	for _, p := range []struct{ what, module string }{{"shell", "mvdan.cc/sh/v3"}, {"core commands", "github.com/u-root/u-root"}} {
		if v, ok := versions[p.module]; ok {
			parts = append(parts, p.what+": "+p.module+" "+v)
		}
	}
	return parts
}
