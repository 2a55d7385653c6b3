package lab

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/multistage-lab/multistage-lab/internal/event"
)

// removeTimeout bounds the removal of the lab's own containers, which runs
// even after the caller's context has ended (Ctrl-C must not leave them).
const removeTimeout = 20 * time.Second

// Run runs a container of ref with its own entrypoint, waits for it, and
// removes it, whatever happened.
func (l *Lab) Run(ctx context.Context, ref string) (RunResult, error) {
	return l.RunWith(ctx, ref, nil, nil)
}

// RunWith is Run with arguments (the image's command's place, as
// `docker run IMAGE ARGS...` gives them) and environment variables
// ("NAME=value", as `docker run -e`).
func (l *Lab) RunWith(ctx context.Context, ref string, args, env []string) (RunResult, error) {
	id, err := l.createContainerWith(ctx, ref, args, env)
	if err != nil {
		return RunResult{}, err
	}
	defer l.removeContainer(id)

	waitC, errC := l.Client.ContainerWait(ctx, id, container.WaitConditionNextExit)
	if err := l.Client.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return RunResult{}, fmt.Errorf("run %s: start: %w", ref, err)
	}
	var res RunResult
	select {
	case w := <-waitC:
		if w.Error != nil {
			return RunResult{}, fmt.Errorf("run %s: %s", ref, w.Error.Message)
		}
		res.ExitCode = w.StatusCode
	case err := <-errC:
		return RunResult{}, fmt.Errorf("run %s: wait: %w", ref, err)
	}
	logs, err := l.Client.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return RunResult{}, fmt.Errorf("run %s: logs: %w", ref, err)
	}
	defer logs.Close()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, logs); err != nil {
		return RunResult{}, fmt.Errorf("run %s: logs: %w", ref, err)
	}
	res.Stdout, res.Stderr = stdout.String(), stderr.String()
	return res, nil
}

// createContainer creates (without starting) a labelled container of ref.
func (l *Lab) createContainer(ctx context.Context, ref string) (string, error) {
	return l.createContainerWith(ctx, ref, nil, nil)
}

// createContainerWith is createContainer with arguments and environment.
func (l *Lab) createContainerWith(ctx context.Context, ref string, args, env []string) (string, error) {
	cfg := &container.Config{Image: ref, Cmd: args, Env: env, Labels: map[string]string{LabelContainer: l.labValue()}}
	c, err := l.Client.ContainerCreate(ctx, cfg, &container.HostConfig{}, nil, nil, "")
	if err != nil {
		return "", fmt.Errorf("create container of %s: %w", ref, err)
	}
	return c.ID, nil
}

// removeContainer removes one of the lab's containers; it outlives a
// cancelled context so an interrupt leaves nothing behind.
func (l *Lab) removeContainer(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
	defer cancel()
	err := l.Client.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
	if err != nil && !errdefs.IsNotFound(err) {
		l.emit(event.ContainerLeft{ID: id, Err: err})
	}
}

// statPaths looks up paths in ref's filesystem through a created container
// that never starts, and reads those in read from its archive (as docker
// cp gives it): permission bits, owner, group, and a file's content.
func (l *Lab) statPaths(ctx context.Context, ref string, read []string, paths ...string) ([]PathInfo, error) {
	id, err := l.createContainer(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer l.removeContainer(id)
	out := make([]PathInfo, len(paths))
	for i, p := range paths {
		st, err := l.Client.ContainerStatPath(ctx, id, p)
		switch {
		case errdefs.IsNotFound(err):
			out[i] = PathInfo{Path: p}
		case err != nil:
			return nil, fmt.Errorf("stat %s in %s: %w", p, ref, err)
		default:
			out[i] = PathInfo{Path: p, Present: true, Size: st.Size}
			if slices.Contains(read, p) {
				if err := l.readPath(ctx, id, &out[i]); err != nil {
					return nil, fmt.Errorf("read %s in %s: %w", p, ref, err)
				}
			}
		}
	}
	return out, nil
}

// maxRead bounds the content a files check reads of one file.
const maxRead = 16 << 20

// readPath reads one path from a container's archive: the entry for the
// path itself, the first, with its content if it is a file.
func (l *Lab) readPath(ctx context.Context, id string, info *PathInfo) error {
	rc, _, err := l.Client.CopyFromContainer(ctx, id, info.Path)
	if err != nil {
		return err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	h, err := tr.Next()
	if err != nil {
		return err
	}
	info.Read, info.Mode, info.UID, info.GID = true, h.Mode, h.Uid, h.Gid
	if h.Typeflag == tar.TypeReg {
		if info.Content, err = io.ReadAll(io.LimitReader(tr, maxRead)); err != nil {
			return err
		}
	}
	return nil
}

// errRunFailed marks a run whose program exited non-zero.
var errRunFailed = errors.New("the program failed")
