// Package engine connects to the Docker Engine and names the few API calls
// the lab makes, so tests can put a fake in their place.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Client is the part of the Engine API the lab uses.
type Client interface {
	ClientVersion() string
	Ping(ctx context.Context) (types.Ping, error)
	ServerVersion(ctx context.Context) (types.Version, error)

	DialHijack(ctx context.Context, url, proto string, meta map[string][]string) (net.Conn, error)

	ImageBuild(ctx context.Context, buildContext io.Reader, options build.ImageBuildOptions) (build.ImageBuildResponse, error)
	ImageList(ctx context.Context, options image.ListOptions) ([]image.Summary, error)
	ImageInspect(ctx context.Context, imageID string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ImageHistory(ctx context.Context, imageID string, opts ...client.ImageHistoryOption) ([]image.HistoryResponseItem, error)
	ImageRemove(ctx context.Context, imageID string, options image.RemoveOptions) ([]image.DeleteResponse, error)
	ImageImport(ctx context.Context, source image.ImportSource, ref string, options image.ImportOptions) (io.ReadCloser, error)
	ImagePull(ctx context.Context, ref string, options image.PullOptions) (io.ReadCloser, error)

	ContainerList(ctx context.Context, options container.ListOptions) ([]container.Summary, error)
	ContainerCreate(ctx context.Context, config *container.Config, hostConfig *container.HostConfig, networkingConfig *network.NetworkingConfig, platform *ocispec.Platform, containerName string) (container.CreateResponse, error)
	ContainerStart(ctx context.Context, containerID string, options container.StartOptions) error
	ContainerWait(ctx context.Context, containerID string, condition container.WaitCondition) (<-chan container.WaitResponse, <-chan error)
	ContainerLogs(ctx context.Context, containerID string, options container.LogsOptions) (io.ReadCloser, error)
	ContainerStatPath(ctx context.Context, containerID, path string) (container.PathStat, error)
	CopyFromContainer(ctx context.Context, containerID, srcPath string) (io.ReadCloser, container.PathStat, error)
	ContainerRemove(ctx context.Context, containerID string, options container.RemoveOptions) error
}

var _ Client = (*client.Client)(nil)

// schemes are the DOCKER_HOST schemes the Engine API client dials.
var schemes = []string{"unix", "tcp", "npipe", "http", "https"}

// ErrUnreachable marks a failure to reach the engine at all.
var ErrUnreachable = errors.New("no Docker Engine answers")

// pingTimeout bounds the first contact, so a socket that accepts and never
// answers costs seconds, not a hang.
const pingTimeout = 5 * time.Second

// Connect makes a client from the environment (DOCKER_HOST, DOCKER_API_VERSION,
// DOCKER_CERT_PATH, DOCKER_TLS_VERIFY), negotiates the API version, and checks
// that the engine answers.
func Connect(ctx context.Context) (*client.Client, error) {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		scheme, _, _ := strings.Cut(h, "://")
		if !slices.Contains(schemes, scheme) {
			return nil, fmt.Errorf("%w: DOCKER_HOST=%s has the scheme %q: use unix://, tcp:// or npipe://", ErrUnreachable, h, scheme)
		}
	}
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("%w: %v (check DOCKER_HOST)", ErrUnreachable, err)
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if _, err := c.Ping(pctx); err != nil {
		_ = c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w at %s%s: start Docker (or dockerd), or set DOCKER_HOST to an engine that runs", ErrUnreachable, Host(c), cause(err, pctx))
	}
	c.NegotiateAPIVersion(ctx)
	return c, nil
}

// cause says why a ping failed when that is more than "nothing listens".
func cause(err error, pctx context.Context) string {
	switch {
	case errors.Is(pctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf(" (no answer in %s)", pingTimeout)
	case client.IsErrConnectionFailed(err):
		return ""
	}
	return " (" + err.Error() + ")"
}

// ErrTooOld marks an engine whose API version lacks what is asked of it.
var ErrTooOld = errors.New("the engine is too old")

// Requirement is an API version a feature needs and what to do without it.
type Requirement struct {
	What    string
	Version string
	Remedy  string
}

// Require checks that the API version the client speaks (negotiated, or set
// by DOCKER_API_VERSION) is at least r.Version.
func Require(c Client, r Requirement) error {
	if v := c.ClientVersion(); versions.LessThan(v, r.Version) {
		return fmt.Errorf("%w: %s needs Engine API %s or newer, and this engine speaks %s: %s", ErrTooOld, r.What, r.Version, v, r.Remedy)
	}
	return nil
}

// Host names the engine's address for messages: DOCKER_HOST as the user set
// it, or the default the client fell back to.
func Host(c *client.Client) string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return "DOCKER_HOST=" + h
	}
	return c.DaemonHost() + " (DOCKER_HOST is unset)"
}
