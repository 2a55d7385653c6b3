package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	id, err := l.createContainer(ctx, ref)
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
	cfg := &container.Config{Image: ref, Labels: map[string]string{LabelContainer: l.labValue()}}
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
// that never starts.
func (l *Lab) statPaths(ctx context.Context, ref string, paths ...string) ([]PathInfo, error) {
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
		}
	}
	return out, nil
}

// errRunFailed marks a run whose program exited non-zero.
var errRunFailed = errors.New("the program failed")
