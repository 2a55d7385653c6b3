package lab

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/docker/docker/api/types/build"

	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/progress"
	"github.com/multistage-lab/multistage-lab/internal/settings"
)

// Built is one finished build.
type Built struct {
	Image    Image
	ID       string
	Duration time.Duration
}

// BuildAll builds the four lab images in the seed's order.
func (l *Lab) BuildAll(ctx context.Context) ([]Built, error) {
	var out []Built
	for _, im := range Images {
		b, err := l.Build(ctx, im)
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
	return out, nil
}

// API versions the builds need: --target arrived in 1.29 (Docker 17.05, the
// release that brought multi-stage builds), BuildKit builds in 1.39 (18.09).
var (
	needMultiStage = engine.Requirement{What: "a multi-stage build with --target", Version: "1.29", Remedy: "use Docker 17.05 or newer"}
	needBuildKit   = engine.Requirement{What: "a BuildKit build", Version: "1.39", Remedy: "set LAB_BUILDER=classic, or use Docker 18.09 or newer"}
)

// Build builds one lab image, making the base images first if needed.
func (l *Lab) Build(ctx context.Context, im Image) (Built, error) {
	if err := engine.Require(l.Client, needMultiStage); err != nil {
		return Built{}, err
	}
	if l.Settings.Builder == settings.BuildKit {
		if err := engine.Require(l.Client, needBuildKit); err != nil {
			return Built{}, err
		}
	}
	if err := l.EnsureBases(ctx); err != nil {
		return Built{}, err
	}
	cmd := "docker image build"
	if im.Target != "" {
		cmd += " --target " + im.Target
	}
	l.printf("==> %s -t %s .   (%s, %s builder)\n", cmd, im.Tag, im.Dockerfile, l.Settings.Builder)
	start := time.Now()
	var err error
	opts := build.ImageBuildOptions{
		Tags:        []string{im.Tag},
		Dockerfile:  "Dockerfile",
		Target:      im.Target,
		Labels:      map[string]string{LabelLab: LabValue},
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
		// LAB_BASE=pull builds from the registry's current base images,
		// as `docker build --pull` does.
		PullParent: l.Settings.Base == settings.BasePull,
	}
	if l.Settings.Builder == settings.BuildKit {
		opts.Version = build.BuilderBuildKit
		if opts.SessionID, err = l.buildSession(ctx); err != nil {
			return Built{}, err
		}
	} else {
		creds, err := l.credentials()
		if err != nil {
			return Built{}, err
		}
		if opts.AuthConfigs, err = creds.All(); err != nil {
			return Built{}, fmt.Errorf("%w: %v", ErrBadCredentials, err)
		}
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(l.writeContext(pw, im)) }()
	resp, err := l.Client.ImageBuild(ctx, pr, opts)
	if err != nil {
		pr.CloseWithError(err)
		return Built{}, fmt.Errorf("build %s: %w", im.Tag, err)
	}
	defer resp.Body.Close()
	id, err := progress.Read(ctx, resp.Body, l.Settings.Builder, l.Settings.Progress, l.Out)
	if err != nil {
		return Built{}, fmt.Errorf("build %s: %w", im.Tag, err)
	}
	b := Built{Image: im, ID: id, Duration: time.Since(start)}
	l.builds = append(l.builds, b)
	l.printf("    %s = %s (%.1fs)\n", im.Tag, shortID(id), b.Duration.Seconds())
	return b, nil
}

// contextFiles maps each build context entry to its file in the project.
func (l *Lab) contextFiles(im Image) [][2]string {
	return [][2]string{
		{"Dockerfile", l.dockerfilePath(im)},
		{"helloworld.go", filepath.Join(l.Root, "app", "helloworld.go")},
	}
}

// writeContext streams the build context: the Dockerfile and the program,
// as the seed's working folder holds them.
func (l *Lab) writeContext(w io.Writer, im Image) error {
	tw := tar.NewWriter(w)
	for _, f := range l.contextFiles(im) {
		if err := addFile(tw, f[0], f[1]); err != nil {
			return err
		}
	}
	return tw.Close()
}

func addFile(tw *tar.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("build context: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: st.Size(), ModTime: st.ModTime().Truncate(time.Second), Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}
