package lab

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/multistage-lab/multistage-lab/internal/buildcontext"
	"github.com/multistage-lab/multistage-lab/internal/dockerfile"
	"github.com/multistage-lab/multistage-lab/internal/settings"
)

// stopsBeforeLastStage reports whether --target names a stage other than
// the Dockerfile's last.
func (l *Lab) stopsBeforeLastStage(im Image) (bool, error) {
	target := im.Target
	if target == "" {
		return false, nil
	}
	stages, err := l.stages(l.dockerfilePath(im), "", l.Def.ArgsOf(im))
	if err != nil {
		return false, err
	}
	return len(stages) > 0 && !strings.EqualFold(target, stages[len(stages)-1].Label()), nil
}

// appDir is the folder sent as the build context: LAB_APP, else app/.
func (l *Lab) appDir() string {
	if l.Settings.App != "" {
		return l.Settings.App
	}
	return filepath.Join(l.Root, "app")
}

// buildContext is the context for a Dockerfile: the folder dir (the app
// folder if ""), carrying only what the Dockerfile's COPY and ADD read.
func (l *Lab) buildContext(dockerfilePath, dir string) (buildcontext.Context, error) {
	if dir == "" {
		dir = l.appDir()
	}
	sources, err := l.sources(dockerfilePath)
	if err != nil {
		return buildcontext.Context{}, err
	}
	f, err := l.readDockerfile(dockerfilePath)
	if err != nil {
		return buildcontext.Context{}, fmt.Errorf("build context: %w", err)
	}
	return buildcontext.Context{Dir: dir, Dockerfile: dockerfilePath, DockerfileData: f.data, DockerfileInfo: f.info, Sources: sources}, nil
}

// writeContext streams the build context: the Dockerfile and what it reads
// from the app folder (as the seed's working folder holds them), or only the
// spec's own files.
func (l *Lab) writeContext(w io.Writer, spec buildSpec) error {
	if spec.Files != nil {
		f, err := l.readDockerfile(spec.Dockerfile)
		if err != nil {
			return fmt.Errorf("build context: %w", err)
		}
		return buildcontext.Context{Dockerfile: spec.Dockerfile, DockerfileData: f.data, DockerfileInfo: f.info, Files: spec.Files}.Write(w)
	}
	c, err := l.buildContext(spec.Dockerfile, spec.ContextDir)
	if err != nil {
		return err
	}
	return c.Write(w)
}

// WriteContextTar writes the build context of a lab image to w, as the
// engine receives it, for a look with `tar t`.
func (l *Lab) WriteContextTar(w io.Writer, im Image) error {
	c, err := l.buildContext(l.dockerfilePath(im), l.Def.ContextDir(im))
	if err != nil {
		return err
	}
	return c.Write(w)
}

// classicCanBuild refuses, for the classic builder, a Dockerfile with an
// instruction only BuildKit builds, naming its line, before anything is
// sent to the engine.
func (l *Lab) classicCanBuild(dockerfilePath string) error {
	if l.Settings.Builder != settings.Classic {
		return nil
	}
	f, err := l.readDockerfile(dockerfilePath)
	if err != nil {
		return fmt.Errorf("%w: %v", dockerfile.ErrInvalid, err)
	}
	return dockerfile.ClassicCannot(l.displayPath(dockerfilePath), bytes.NewReader(f.data))
}
