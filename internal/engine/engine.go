// Package engine connects to the Docker Engine and names the few API calls
// the lab makes, so tests can put a fake in their place.
package engine

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/connhelper"
	"github.com/docker/cli/cli/context/docker"
	"github.com/docker/cli/cli/context/store"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/tlsconfig"
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
	ImageSave(ctx context.Context, imageIDs []string, opts ...client.ImageSaveOption) (io.ReadCloser, error)
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
	ContainerRename(ctx context.Context, containerID, newContainerName string) error
	ContainerCommit(ctx context.Context, containerID string, options container.CommitOptions) (container.CommitResponse, error)
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
// tcp://, npipe://, or ssh:// through docker's connection helper), with
// DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and DOCKER_API_VERSION as usual; else
// the docker CLI's current context (DOCKER_CONTEXT, or currentContext in
// its config file), read with the CLI's own context store, so its TLS
// files and skip-verify apply; else the default socket. It negotiates the
// API version and checks that the engine answers. It reads the process's
// environment; ConnectEnv reads the one given.
func Connect(ctx context.Context) (*client.Client, error) {
	return ConnectEnv(ctx, os.Getenv)
}

// ConnectEnv is Connect with the environment read through getenv.
func ConnectEnv(ctx context.Context, getenv func(string) string) (*client.Client, error) {
	if host := getenv("DOCKER_HOST"); host != "" {
		return connect(ctx, envEndpoint(host, "DOCKER_HOST="+host, getenv))
	}
	ep, err := contextEndpoint(getenv("DOCKER_CONTEXT"), getenv)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	return connect(ctx, ep)
}

// ConnectTo connects to one engine of a list (LAB_ENGINES) as Connect
// does: target is an engine URL (unix://, tcp://, ssh://, npipe://) or a
// docker CLI context's name.
func ConnectTo(ctx context.Context, target string) (*client.Client, error) {
	return ConnectToEnv(ctx, target, os.Getenv)
}

// ConnectToEnv is ConnectTo with the environment read through getenv.
func ConnectToEnv(ctx context.Context, target string, getenv func(string) string) (*client.Client, error) {
	if strings.Contains(target, "://") {
		return connect(ctx, envEndpoint(target, target, getenv))
	}
	ep, err := contextEndpoint(target, getenv)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	return connect(ctx, ep)
}

// endpoint is one engine to reach: its host ("" for the default), how to
// name it in messages, and the client options that reach it.
type endpoint struct {
	host, source string
	opts         []client.Opt
	// tls says TLS was asked for; ca is the CA file it trusts, if any.
	tls bool
	ca  string
}

// envEndpoint reaches host with the environment's TLS settings, as the
// docker CLI does with DOCKER_HOST.
func envEndpoint(host, source string, getenv func(string) string) endpoint {
	ep := endpoint{host: host, source: source, opts: append(fromEnv(getenv), client.WithHost(host))}
	if getenv("DOCKER_TLS_VERIFY") != "" {
		ep.tls = true
		dir := getenv("DOCKER_CERT_PATH")
		if dir == "" {
			dir = registryauth.ConfigDirEnv(getenv)
		}
		ep.ca = filepath.Join(dir, "ca.pem")
	}
	return ep
}

// fromEnv is client.FromEnv with the environment read through getenv:
// DOCKER_CERT_PATH's TLS files (verified when DOCKER_TLS_VERIFY is set)
// and DOCKER_API_VERSION. DOCKER_HOST is the caller's.
func fromEnv(getenv func(string) string) []client.Opt {
	var opts []client.Opt
	if dir := getenv("DOCKER_CERT_PATH"); dir != "" {
		verify := getenv("DOCKER_TLS_VERIFY") != ""
		opts = append(opts, func(c *client.Client) error {
			tc, err := tlsconfig.Client(tlsconfig.Options{
				CAFile:             filepath.Join(dir, "ca.pem"),
				CertFile:           filepath.Join(dir, "cert.pem"),
				KeyFile:            filepath.Join(dir, "key.pem"),
				InsecureSkipVerify: !verify,
			})
			if err != nil {
				return err
			}
			return client.WithHTTPClient(&http.Client{
				Transport:     &http.Transport{TLSClientConfig: tc},
				CheckRedirect: client.CheckRedirect,
			})(c)
		})
	}
	if v := getenv("DOCKER_API_VERSION"); v != "" {
		opts = append(opts, client.WithVersion(v))
	}
	return opts
}

// contextStoreConfig reads a context's docker endpoint as the CLI stores it.
var contextStoreConfig = store.NewConfig(
	func() any { return &map[string]any{} },
	store.EndpointTypeGetter(docker.DockerEndpoint, func() any { return &docker.EndpointMeta{} }),
)

// contextEndpoint reads a docker CLI context with the CLI's context store:
// the one named, else the config file's currentContext. "default" (or
// none) is the environment's default engine.
func contextEndpoint(name string, getenv func(string) string) (endpoint, error) {
	dir := registryauth.ConfigDirEnv(getenv)
	if name == "" {
		f, err := config.Load(dir)
		if err != nil {
			return endpoint{}, err
		}
		name = f.CurrentContext
	}
	if name == "" || name == "default" {
		return endpoint{opts: fromEnv(getenv)}, nil
	}
	s := store.New(filepath.Join(dir, "contexts"), contextStoreConfig)
	md, err := s.GetMetadata(name)
	if err != nil {
		return endpoint{}, fmt.Errorf("docker context %q not found (%v): choose one that `docker context ls` lists, or set DOCKER_HOST", name, err)
	}
	meta, err := docker.EndpointFromContext(md)
	if err != nil || meta.Host == "" {
		return endpoint{}, fmt.Errorf("docker context %q names no docker endpoint", name)
	}
	ep, err := docker.WithTLSData(s, name, meta)
	if err != nil {
		return endpoint{}, fmt.Errorf("docker context %q: its TLS files: %v", name, err)
	}
	opts, err := ep.ClientOpts()
	if err != nil {
		return endpoint{}, fmt.Errorf("docker context %q: %v", name, err)
	}
	e := endpoint{host: meta.Host, source: fmt.Sprintf("%s (docker context %s)", meta.Host, name), opts: opts}
	if ep.TLSData != nil || meta.SkipTLSVerify {
		e.tls = true
		if ep.TLSData != nil && ep.TLSData.CA != nil {
			e.ca = fmt.Sprintf("the CA of docker context %s (%s)", name, filepath.Join(s.GetStorageInfo(name).TLSPath, docker.DockerEndpoint, "ca.pem"))
		}
	}
	return e, nil
}

// connect makes the client for ep and checks that the engine answers.
func connect(ctx context.Context, ep endpoint) (*client.Client, error) {
	opts := append(ep.opts, client.WithAPIVersionNegotiation())
	if host := ep.host; host != "" {
		scheme, _, _ := strings.Cut(host, "://")
		if !slices.Contains(schemes, scheme) {
			return nil, fmt.Errorf("%w: %s has the scheme %q: use unix://, tcp://, npipe:// or ssh://", ErrUnreachable, ep.source, scheme)
		}
		if scheme == "ssh" {
			helper, err := connhelper.GetConnectionHelper(host)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, ep.source, err)
			}
			opts = append(opts, client.WithHost(helper.Host), client.WithDialContext(helper.Dialer))
		}
	}
	c, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (check DOCKER_HOST)", ErrUnreachable, err)
	}
	source := ep.source
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
		return nil, refusal(err, pctx, source, c.DaemonHost(), ep)
	}
	// The ping answered with the engine's API version: negotiate from it
	// rather than ping again.
	c.NegotiateAPIVersionPing(ping)
	if strings.HasPrefix(c.DaemonHost(), "tcp://") && !ep.tls {
		plaintext.Store(c, true)
	}
	return c, nil
}

// plaintext holds the clients that reach their engine over TCP without TLS.
var plaintext sync.Map

// Plaintext reports whether c reaches its engine over TCP without TLS, where
// anyone who can reach that port controls the engine.
func Plaintext(c *client.Client) bool {
	_, ok := plaintext.Load(c)
	return ok
}

// refusal names why the engine at source did not answer, with the remedy
// for that cause.
func refusal(err error, pctx context.Context, source, daemonHost string, ep endpoint) error {
	msg := err.Error()
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	start := "start Docker (or dockerd), or set DOCKER_HOST to an engine that runs"
	switch {
	case errors.Is(pctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w at %s (no answer in %s): %s", ErrUnreachable, source, pingTimeout, start)
	case strings.Contains(msg, "permission denied while trying to connect") || errors.Is(err, os.ErrPermission):
		sock := strings.TrimPrefix(daemonHost, "unix://")
		return fmt.Errorf("%w at %s: permission denied on the socket %s: add your user to the docker group (`sudo usermod -aG docker $USER`, then log in again), or use rootless Docker", ErrUnreachable, source, sock)
	case strings.Contains(msg, "Client sent an HTTP request to an HTTPS server"):
		return fmt.Errorf("%w at %s: the engine wants TLS and this connection has none: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to a folder with ca.pem, cert.pem and key.pem, or use a docker context made with them", ErrUnreachable, source)
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid), strings.Contains(msg, "x509: "):
		ca := ep.ca
		if ca == "" {
			ca = "the system's CAs"
		}
		return fmt.Errorf("%w at %s: the engine's TLS certificate is not trusted by %s (%s): use the CA that signed the engine's certificate", ErrUnreachable, source, ca, certCause(msg))
	case strings.Contains(msg, "tls: certificate required"), strings.Contains(msg, "tls: bad certificate"), strings.Contains(msg, "tls: unknown certificate authority"):
		return fmt.Errorf("%w at %s: the engine refused the client certificate, or wanted one and got none (%s): set DOCKER_CERT_PATH to a folder whose cert.pem and key.pem the engine's CA signed", ErrUnreachable, source, certCause(msg))
	case strings.Contains(msg, "first record does not look like a TLS handshake"), strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return fmt.Errorf("%w at %s: TLS was asked for, and the engine speaks plain HTTP there: check the port, or unset DOCKER_TLS_VERIFY only if the engine is meant to be reached without TLS", ErrUnreachable, source)
	case strings.Contains(msg, "Permission denied (publickey"), strings.Contains(msg, "Host key verification failed"):
		return fmt.Errorf("%w at %s: the ssh server refused the login (%s): `%s docker version` must work first (a key ssh-agent holds, or ~/.ssh/config)", ErrUnreachable, source, sshCause(msg), sshCommand(ep.host))
	case client.IsErrConnectionFailed(err):
		return fmt.Errorf("%w at %s: %s", ErrUnreachable, source, start)
	}
	return fmt.Errorf("%w at %s (%s): %s", ErrUnreachable, source, firstLine(msg), start)
}

// certCause is the TLS library's own words, after the last colon's prefix.
func certCause(msg string) string {
	if i := strings.Index(msg, "tls: "); i >= 0 {
		return firstLine(msg[i:])
	}
	if i := strings.Index(msg, "x509: "); i >= 0 {
		return firstLine(msg[i:])
	}
	return firstLine(msg)
}

// sshCommand is the ssh command line that reaches an ssh:// engine URL.
func sshCommand(host string) string {
	u, err := url.Parse(host)
	if err != nil {
		return "ssh " + strings.TrimPrefix(host, "ssh://")
	}
	target := u.Hostname()
	if u.User != nil {
		target = u.User.Username() + "@" + target
	}
	if p := u.Port(); p != "" {
		return "ssh -p " + p + " " + target
	}
	return "ssh " + target
}

func sshCause(msg string) string {
	for _, w := range []string{"Permission denied (publickey", "Host key verification failed"} {
		if i := strings.Index(msg, w); i >= 0 {
			return firstLine(msg[i:])
		}
	}
	return firstLine(msg)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
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
