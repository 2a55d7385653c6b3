// Package engine connects to the Docker Engine and names the few API calls
// the lab makes, so tests can put a fake in their place.
package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/connhelper"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/client"
	"github.com/multistage-lab/multistage-lab/internal/registryauth"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Client is the part of the Engine API the lab uses.
type Client interface {
	ClientVersion() string
	Ping(ctx context.Context) (types.Ping, error)
	ServerVersion(ctx context.Context) (types.Version, error)
	Info(ctx context.Context) (system.Info, error)

	DialHijack(ctx context.Context, url, proto string, meta map[string][]string) (net.Conn, error)

	ImageBuild(ctx context.Context, buildContext io.Reader, options build.ImageBuildOptions) (build.ImageBuildResponse, error)
	ImageList(ctx context.Context, options image.ListOptions) ([]image.Summary, error)
	ImageInspect(ctx context.Context, imageID string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ImageHistory(ctx context.Context, imageID string, opts ...client.ImageHistoryOption) ([]image.HistoryResponseItem, error)
	ImageRemove(ctx context.Context, imageID string, options image.RemoveOptions) ([]image.DeleteResponse, error)
	ImageImport(ctx context.Context, source image.ImportSource, ref string, options image.ImportOptions) (io.ReadCloser, error)
	ImagePull(ctx context.Context, ref string, options image.PullOptions) (io.ReadCloser, error)
	DistributionInspect(ctx context.Context, ref, encodedRegistryAuth string) (registry.DistributionInspect, error)

	ContainerList(ctx context.Context, options container.ListOptions) ([]container.Summary, error)
	ContainerInspect(ctx context.Context, containerID string) (container.InspectResponse, error)
	ContainerCreate(ctx context.Context, config *container.Config, hostConfig *container.HostConfig, networkingConfig *network.NetworkingConfig, platform *ocispec.Platform, containerName string) (container.CreateResponse, error)
	ContainerStart(ctx context.Context, containerID string, options container.StartOptions) error
	ContainerWait(ctx context.Context, containerID string, condition container.WaitCondition) (<-chan container.WaitResponse, <-chan error)
	ContainerLogs(ctx context.Context, containerID string, options container.LogsOptions) (io.ReadCloser, error)
	ContainerStatPath(ctx context.Context, containerID, path string) (container.PathStat, error)
	CopyFromContainer(ctx context.Context, containerID, srcPath string) (io.ReadCloser, container.PathStat, error)
	CopyToContainer(ctx context.Context, containerID, dstPath string, content io.Reader, options container.CopyToContainerOptions) error
	ContainerRemove(ctx context.Context, containerID string, options container.RemoveOptions) error
}

var _ Client = (*client.Client)(nil)

// schemes are the DOCKER_HOST schemes the Engine API client dials.
var schemes = []string{"unix", "tcp", "npipe", "http", "https", "ssh"}

// ErrUnreachable marks a failure to reach the engine at all.
var ErrUnreachable = errors.New("no Docker Engine answers")

// pingTimeout bounds the first contact, so a socket that accepts and never
// answers costs seconds, not a hang.
const pingTimeout = 5 * time.Second

// Connect makes a client as the docker CLI would: DOCKER_HOST (unix://,
// tcp://, npipe://, or ssh:// through docker's connection helper), else the
// docker CLI's current context (DOCKER_CONTEXT, or currentContext in its
// config file), else the default socket; with DOCKER_API_VERSION,
// DOCKER_CERT_PATH and DOCKER_TLS_VERIFY as usual. It negotiates the API
// version and checks that the engine answers.
func Connect(ctx context.Context) (*client.Client, error) {
	host, source := os.Getenv("DOCKER_HOST"), ""
	if host != "" {
		source = "DOCKER_HOST=" + host
	} else {
		h, name, err := contextHost(os.Getenv("DOCKER_CONTEXT"))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
		}
		if h != "" {
			host, source = h, fmt.Sprintf("%s (docker context %s)", h, name)
		}
	}
	return connect(ctx, host, source)
}

// ConnectTo connects to one engine of a list (LAB_ENGINES) as Connect
// does: target is an engine URL (unix://, tcp://, ssh://, npipe://) or a
// docker CLI context's name.
func ConnectTo(ctx context.Context, target string) (*client.Client, error) {
	if strings.Contains(target, "://") {
		return connect(ctx, target, target)
	}
	h, _, err := contextHost(target)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	if h == "" {
		return connect(ctx, "", "")
	}
	return connect(ctx, h, fmt.Sprintf("%s (docker context %s)", h, target))
}

// connect makes the client for host (empty: the environment's default),
// named source in messages, and checks that the engine answers.
func connect(ctx context.Context, host, source string) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if host != "" {
		opts = append(opts, client.WithHost(host))
		scheme, _, _ := strings.Cut(host, "://")
		if !slices.Contains(schemes, scheme) {
			return nil, fmt.Errorf("%w: %s has the scheme %q: use unix://, tcp://, npipe:// or ssh://", ErrUnreachable, source, scheme)
		}
		if scheme == "ssh" {
			helper, err := connhelper.GetConnectionHelper(host)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, source, err)
			}
			opts = append(opts, client.WithHost(helper.Host), client.WithDialContext(helper.Dialer))
		}
	}
	c, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (check DOCKER_HOST)", ErrUnreachable, err)
	}
	if source == "" {
		source = c.DaemonHost() + " (DOCKER_HOST is unset)"
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	ping, err := c.Ping(pctx)
	if err != nil {
		_ = c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w at %s%s: start Docker (or dockerd), or set DOCKER_HOST to an engine that runs", ErrUnreachable, source, cause(err, pctx))
	}
	// The ping answered with the engine's API version: negotiate from it
	// rather than ping again.
	c.NegotiateAPIVersionPing(ping)
	return c, nil
}

// contextHost reads a docker CLI context's host: the one named, else the
// config file's currentContext, as the CLI chooses it. "default" (or none)
// means the default socket, returned as "".
func contextHost(name string) (host, _ string, err error) {
	dir := registryauth.ConfigDir()
	if name == "" {
		f, err := config.Load(dir)
		if err != nil {
			return "", "", err
		}
		name = f.CurrentContext
	}
	if name == "" || name == "default" {
		return "", name, nil
	}
	sum := sha256.Sum256([]byte(name))
	path := filepath.Join(dir, "contexts", "meta", hex.EncodeToString(sum[:]), "meta.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", name, fmt.Errorf("docker context %q not found (%s): choose one that `docker context ls` lists, or set DOCKER_HOST", name, path)
	}
	var meta struct {
		Endpoints map[string]struct {
			Host string
		}
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return "", name, fmt.Errorf("docker context %q: %s: %v", name, path, err)
	}
	h := meta.Endpoints["docker"].Host
	if h == "" {
		return "", name, fmt.Errorf("docker context %q names no docker endpoint", name)
	}
	return h, name, nil
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
