package engine

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker/docker/api"
	"github.com/docker/docker/api/types/versions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

func TestConnectToAMissingSocket(t *testing.T) {
	t.Parallel()
	env := testkit.Env(map[string]string{"DOCKER_HOST": "unix:///nonexistent.sock"})
	start := time.Now()
	_, err := ConnectEnv(t.Context(), env)
	require.ErrorIs(t, err, ErrUnreachable)
	assert.EqualError(t, err, "no Docker Engine answers at DOCKER_HOST=unix:///nonexistent.sock: start Docker (or dockerd), or set DOCKER_HOST to an engine that runs")
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestConnectToAPortThatNeverAnswers(t *testing.T) {
	t.Parallel()
	addr := testkit.SilentListener(t)
	env := testkit.Env(map[string]string{"DOCKER_HOST": "tcp://" + addr})
	start := time.Now()
	_, err := ConnectEnv(t.Context(), env)
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "DOCKER_HOST=tcp://"+addr+" (no answer in 5s)")
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestConnectWithABadHost(t *testing.T) {
	t.Parallel()
	env := testkit.Env(map[string]string{"DOCKER_HOST": "bogus://x"})
	_, err := ConnectEnv(t.Context(), env)
	require.ErrorIs(t, err, ErrUnreachable)
	assert.EqualError(t, err, `no Docker Engine answers: DOCKER_HOST=bogus://x has the scheme "bogus": use unix://, tcp://, npipe:// or ssh://`)
}

func TestConnectToTheEngine(t *testing.T) {
	testkit.NeedEngine(t)
	if os.Getenv("DOCKER_HOST") == "" {
		if _, err := os.Stat(filepath.FromSlash("/var/run/docker.sock")); err != nil {
			testkit.Missing(t, "a Docker Engine (no /var/run/docker.sock, no DOCKER_HOST)")
		}
	}
	c, err := Connect(t.Context())
	require.NoError(t, err, "CI needs a Docker Engine")
	defer c.Close()
	v, err := c.ServerVersion(t.Context())
	require.NoError(t, err)
	assert.NotEmpty(t, v.APIVersion)
	// The client speaks the engine's version, or its own newest when the
	// engine is newer (docker/docker v28.5.2 knows up to 1.51; Engine 29.8
	// speaks 1.56).
	want := v.APIVersion
	if versions.LessThan(api.DefaultVersion, want) {
		want = api.DefaultVersion
	}
	assert.Equal(t, want, c.ClientVersion(), "the client negotiated the newest version both speak")
}

func TestDockerContext(t *testing.T) {
	t.Parallel()
	t.Run("DOCKER_CONTEXT", func(t *testing.T) {
		env := testkit.Env(map[string]string{"DOCKER_CONFIG": testkit.DockerContext(t, "far", "unix:///nonexistent-far.sock", false), "DOCKER_CONTEXT": "far"})
		_, err := ConnectEnv(t.Context(), env)
		require.ErrorIs(t, err, ErrUnreachable)
		assert.Contains(t, err.Error(), "at unix:///nonexistent-far.sock (docker context far)")
	})
	t.Run("currentContext", func(t *testing.T) {
		env := testkit.Env(map[string]string{"DOCKER_CONFIG": testkit.DockerContext(t, "near", "unix:///nonexistent-near.sock", true)})
		_, err := ConnectEnv(t.Context(), env)
		require.ErrorIs(t, err, ErrUnreachable)
		assert.Contains(t, err.Error(), "(docker context near)")
	})
	t.Run("unknown context", func(t *testing.T) {
		env := testkit.Env(map[string]string{"DOCKER_CONFIG": t.TempDir(), "DOCKER_CONTEXT": "nowhere"})
		_, err := ConnectEnv(t.Context(), env)
		require.ErrorIs(t, err, ErrUnreachable)
		assert.Contains(t, err.Error(), `docker context "nowhere" not found`)
	})
	t.Run("a context that reaches the engine", func(t *testing.T) {
		testkit.NeedEngine(t)
		if _, err := os.Stat("/var/run/docker.sock"); err != nil {
			testkit.Missing(t, "a Docker Engine at /var/run/docker.sock")
		}
		env := testkit.Env(map[string]string{"DOCKER_CONFIG": testkit.DockerContext(t, "here", "unix:///var/run/docker.sock", false), "DOCKER_CONTEXT": "here"})
		c, err := ConnectEnv(t.Context(), env)
		require.NoError(t, err)
		assert.Equal(t, "unix:///var/run/docker.sock", c.DaemonHost())
		c.Close()
	})
}

func TestSSHHostUsesTheConnectionHelper(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1: the ssh helper is used and fails in time.
	env := testkit.Env(map[string]string{"DOCKER_HOST": "ssh://nobody@127.0.0.1:1"})
	start := time.Now()
	_, err := ConnectEnv(t.Context(), env)
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "DOCKER_HOST=ssh://nobody@127.0.0.1:1")
	assert.Less(t, time.Since(start), 10*time.Second)
}

// TestConnectPingsOnce: the ping that proves the engine answers also sets the
// API version; no second round trip negotiates it.
func TestConnectPingsOnce(t *testing.T) {
	t.Parallel()
	var pings atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_ping" {
			http.NotFound(w, r)
			return
		}
		pings.Add(1)
		w.Header().Set("Api-Version", "1.41")
		_, _ = w.Write([]byte("OK"))
	}))
	defer srv.Close()
	env := testkit.Env(map[string]string{"DOCKER_HOST": "tcp://" + strings.TrimPrefix(srv.URL, "http://")})
	c, err := ConnectEnv(t.Context(), env)
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, "1.41", c.ClientVersion())
	assert.EqualValues(t, 1, pings.Load())
}

// TestTheEnvironmentGivenIsTheOneRead: DOCKER_API_VERSION and
// DOCKER_CERT_PATH come from the environment the caller passes, not the
// process's: a pinned API version is kept (no negotiation moves it), and a
// certificate folder without its files is named before anything is dialled.
func TestTheEnvironmentGivenIsTheOneRead(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		_, _ = w.Write([]byte("OK"))
	}))
	defer srv.Close()
	host := "tcp://" + strings.TrimPrefix(srv.URL, "http://")
	c, err := ConnectEnv(t.Context(), testkit.Env(map[string]string{"DOCKER_HOST": host, "DOCKER_API_VERSION": "1.40"}))
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, "1.40", c.ClientVersion())

	certs := t.TempDir()
	_, err = ConnectEnv(t.Context(), testkit.Env(map[string]string{"DOCKER_HOST": host, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": certs}))
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), filepath.Join(certs, "ca.pem"))
}

// An engine of a list is a URL or a docker context's name, connected the
// same way as the one engine DOCKER_HOST names.
func TestConnectToAListEntry(t *testing.T) {
	t.Parallel()
	env := testkit.Env(map[string]string{"DOCKER_CONFIG": testkit.DockerContext(t, "student-1", "unix:///nonexistent-1.sock", false), "DOCKER_HOST": "unix:///somewhere-else.sock"})
	_, err := ConnectToEnv(t.Context(), "unix:///nonexistent-0.sock", env)
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "no Docker Engine answers at unix:///nonexistent-0.sock:")
	_, err = ConnectToEnv(t.Context(), "student-1", env)
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "no Docker Engine answers at unix:///nonexistent-1.sock (docker context student-1):")
	_, err = ConnectToEnv(t.Context(), "student-2", env)
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), `docker context "student-2" not found`)
}

// Each way an engine refuses is named for what it is, with its remedy.
func TestRefusalsNameTheirCause(t *testing.T) {
	deadline := func() context.Context { return context.Background() }
	tlsEP := endpoint{host: "tcp://127.0.0.1:2376", tls: true, ca: "/certs/ca.pem"}
	cases := []struct {
		name  string
		err   error
		ep    endpoint
		words []string
	}{
		{"permission", errors.New("permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/_ping\": dial unix /var/run/docker.sock: connect: permission denied"), endpoint{}, []string{"permission denied on the socket /var/run/docker.sock", "docker group", "rootless"}},
		{"wants TLS", errors.New("Error response from daemon: Client sent an HTTP request to an HTTPS server."), endpoint{host: "tcp://127.0.0.1:2376"}, []string{"the engine wants TLS", "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH"}},
		{"untrusted", fmt.Errorf("error during connect: %w", x509.UnknownAuthorityError{}), tlsEP, []string{"certificate is not trusted by /certs/ca.pem", "x509: certificate signed by unknown authority"}},
		{"client certificate", errors.New("error during connect: Get \"https://127.0.0.1:2376/_ping\": remote error: tls: certificate required"), tlsEP, []string{"refused the client certificate", "tls: certificate required"}},
		{"plain HTTP where TLS was asked", errors.New("error during connect: Get \"https://127.0.0.1:2375/_ping\": http: server gave HTTP response to HTTPS client"), tlsEP, []string{"the engine speaks plain HTTP there"}},
		{"ssh key, a port", errors.New("command [ssh -p 2222 -- root@10.0.0.1 docker system dial-stdio] has exited with exit status 255: stderr=root@10.0.0.1: Permission denied (publickey)."), endpoint{host: "ssh://root@10.0.0.1:2222"}, []string{"`ssh -p 2222 root@10.0.0.1 docker version` must work first"}},
		{"ssh key", errors.New("error during connect: command [ssh -- root@10.0.0.1 docker system dial-stdio] has exited with exit status 255, make sure the URL is valid: stderr=root@10.0.0.1: Permission denied (publickey)."), endpoint{host: "ssh://root@10.0.0.1"}, []string{"the ssh server refused the login (Permission denied (publickey).", "`ssh root@10.0.0.1 docker version` must work first"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := refusal(c.err, deadline(), "SOURCE", "unix:///var/run/docker.sock", c.ep)
			require.ErrorIs(t, err, ErrUnreachable)
			assert.True(t, strings.HasPrefix(err.Error(), "no Docker Engine answers at SOURCE"), err.Error())
			for _, w := range c.words {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "start Docker")
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}
