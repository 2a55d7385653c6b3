package structuretest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/multistage-lab/multistage-lab/internal/engine"
)

// driver is CST's docker driver for one test: the image the test runs on,
// which global variables and setup commands commit anew.
type driver struct {
	c         engine.Client
	original  string
	current   string
	committed []string
}

func newDriver(c engine.Client, ref string) *driver {
	return &driver{c: c, original: ref, current: ref}
}

// destroy removes the images the test committed, the newest first.
func (d *driver) destroy() {
	ctx := context.Background()
	for i := len(d.committed) - 1; i >= 0; i-- {
		_, _ = d.c.ImageRemove(ctx, d.committed[i], image.RemoveOptions{})
	}
}

func (d *driver) removeContainer(id string) {
	_ = d.c.ContainerRemove(context.Background(), id, container.RemoveOptions{Force: true})
}

// imageEnv is the current image's environment, as a map.
func (d *driver) imageEnv(ctx context.Context) map[string]string {
	cfg, err := d.config(ctx)
	if err != nil {
		return map[string]string{}
	}
	return cfg.env
}

// expandEnv is CST's processEnvVars: each value expanded with the current
// image's environment; nil for none.
func (d *driver) expandEnv(ctx context.Context, vars []EnvVar) []string {
	if len(vars) == 0 {
		return nil
	}
	env := d.imageEnv(ctx)
	var out []string
	for _, v := range vars {
		out = append(out, v.Key+"="+os.Expand(v.Value, func(k string) string { return env[k] }))
	}
	return out
}

func (d *driver) commit(ctx context.Context, id string) error {
	resp, err := d.c.ContainerCommit(ctx, id, container.CommitOptions{})
	if err != nil {
		return fmt.Errorf("Error committing container: %w", err)
	}
	d.current = resp.ID
	d.committed = append(d.committed, resp.ID)
	return nil
}

// setEnv is CST's SetEnv: the global variables committed into the image.
func (d *driver) setEnv(ctx context.Context, vars []EnvVar) error {
	if len(vars) == 0 {
		return nil
	}
	env := d.expandEnv(ctx, vars)
	cr, err := d.c.ContainerCreate(ctx, &container.Config{Image: d.current, Env: env, Cmd: []string{noop}, Entrypoint: []string{""}}, nil, nil, nil, "")
	if err != nil {
		return fmt.Errorf("Error creating container: %w", err)
	}
	defer d.removeContainer(cr.ID)
	return d.commit(ctx, cr.ID)
}

// setup is CST's Setup: each command run and committed in turn.
func (d *driver) setup(ctx context.Context, vars []EnvVar, commands [][]string) error {
	env := d.expandEnv(ctx, vars)
	for _, cmd := range commands {
		id, _, err := d.run(ctx, env, cmd)
		if err != nil {
			return err
		}
		err = d.commit(ctx, id)
		d.removeContainer(id)
		if err != nil {
			return err
		}
	}
	return nil
}

// run starts a container of the current image with its entrypoint cleared,
// as CST does, and waits for it; the container is left for the caller.
func (d *driver) run(ctx context.Context, env, cmd []string) (string, int, error) {
	cr, err := d.c.ContainerCreate(ctx, &container.Config{Image: d.current, Env: env, Cmd: cmd, Entrypoint: []string{""}, AttachStdout: true, AttachStderr: true}, nil, nil, nil, "")
	if err != nil {
		return "", -1, fmt.Errorf("Error creating container: %w", err)
	}
	if err := d.c.ContainerStart(ctx, cr.ID, container.StartOptions{}); err != nil {
		d.removeContainer(cr.ID)
		return "", -1, fmt.Errorf("Error creating container: %w", err)
	}
	waitC, errC := d.c.ContainerWait(ctx, cr.ID, container.WaitConditionNotRunning)
	select {
	case w := <-waitC:
		return cr.ID, int(w.StatusCode), nil
	case err := <-errC:
		d.removeContainer(cr.ID)
		return "", -1, fmt.Errorf("Error when waiting for container: %w", err)
	}
}

// exec is CST's exec: run the command, read its output, remove it.
func (d *driver) exec(ctx context.Context, env, cmd []string) (string, string, int, error) {
	id, code, err := d.run(ctx, env, cmd)
	if err != nil {
		return "", "", -1, err
	}
	defer d.removeContainer(id)
	logs, err := d.c.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", "", -1, fmt.Errorf("Error retrieving container logs: %w", err)
	}
	defer logs.Close()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, logs); err != nil {
		return "", "", -1, fmt.Errorf("Error retrieving container logs: %w", err)
	}
	return stdout.String(), stderr.String(), code, nil
}

// imageConfig is CST's view of an image's config.
type imageConfig struct {
	env             map[string]string
	entrypoint, cmd []string
	volumes, ports  []string
	workdir, user   string
	labels          map[string]string
}

func (d *driver) config(ctx context.Context) (imageConfig, error) {
	in, err := d.c.ImageInspect(ctx, d.current)
	if err != nil {
		return imageConfig{}, fmt.Errorf("Error when inspecting image: %w", err)
	}
	cfg := imageConfig{env: map[string]string{}}
	if in.Config == nil {
		return cfg, nil
	}
	for _, kv := range in.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		cfg.env[k] = v
	}
	for v := range in.Config.Volumes {
		cfg.volumes = append(cfg.volumes, v)
	}
	for p := range in.Config.ExposedPorts {
		port, _, _ := strings.Cut(p, "/") // CST compares the port without its protocol
		cfg.ports = append(cfg.ports, port)
	}
	cfg.entrypoint, cfg.cmd = in.Config.Entrypoint, in.Config.Cmd
	cfg.workdir, cfg.user, cfg.labels = in.Config.WorkingDir, in.Config.User, in.Config.Labels
	return cfg, nil
}

// archive is what CST's retrieveTar reads: the path as `docker cp` gives
// it, from a container of the current image that is created and never
// started.
func (d *driver) archive(ctx context.Context, p string) (*tar.Reader, error) {
	cr, err := d.c.ContainerCreate(ctx, &container.Config{Image: d.current, Cmd: []string{noop}}, nil, nil, nil, "")
	if err != nil {
		return nil, fmt.Errorf("Error creating container: %w", err)
	}
	defer d.removeContainer(cr.ID)
	rc, _, err := d.c.CopyFromContainer(ctx, cr.ID, p)
	if err != nil {
		return nil, fmt.Errorf("Error retrieving file from container: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return tar.NewReader(bytes.NewReader(data)), nil
}

// entries calls fn with each entry of target's archive until it returns
// true.
func (d *driver) entries(ctx context.Context, target string, fn func(h *tar.Header, tr *tar.Reader) bool) error {
	tr, err := d.archive(ctx, target)
	if err != nil {
		return err
	}
	for {
		h, err := tr.Next()
		if err != nil || fn(h, tr) {
			return nil
		}
	}
}

// named reports whether an archive entry is target itself.
func named(h *tar.Header, target string) bool { return filepath.Clean(h.Name) == path.Base(target) }

// stat is CST's StatFile.
func (d *driver) stat(ctx context.Context, target string) (fs.FileInfo, error) {
	var info fs.FileInfo
	err := d.entries(ctx, target, func(h *tar.Header, _ *tar.Reader) bool {
		switch h.Typeflag {
		case tar.TypeDir, tar.TypeReg, tar.TypeLink, tar.TypeSymlink:
			if named(h, target) {
				info = h.FileInfo()
			}
		}
		return info != nil
	})
	if err == nil && info == nil {
		err = fmt.Errorf("File %s not found in image", target)
	}
	return info, err
}

// read is CST's ReadFile: a symbolic link is followed by its target as
// written.
func (d *driver) read(ctx context.Context, target string) ([]byte, error) {
	var data []byte
	var readErr error
	var link string
	found := false
	err := d.entries(ctx, target, func(h *tar.Header, tr *tar.Reader) bool {
		switch h.Typeflag {
		case tar.TypeDir:
			if named(h, target) {
				readErr, found = fmt.Errorf("Cannot read specified path: %s is a directory, not a file", target), true
			}
		case tar.TypeSymlink:
			link, found = h.Linkname, true
		case tar.TypeReg, tar.TypeLink:
			if named(h, target) {
				data, readErr = io.ReadAll(tr)
				found = true
			}
		}
		return found
	})
	switch {
	case err != nil:
		return nil, err
	case link != "":
		return d.read(ctx, link)
	case !found:
		return nil, fmt.Errorf("File %s not found in image", target)
	}
	return data, readErr
}
