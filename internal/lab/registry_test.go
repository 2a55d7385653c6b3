package lab

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// testRegistry is Debian's docker-registry serving on loopback: the
// machine's, or a network namespace's if netns names one.
type testRegistry struct {
	t       *testing.T
	addr    string
	storage string
	netns   string
	cmd     *exec.Cmd
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// start serves the registry's storage, with basic auth if htpasswd is set.
func (r *testRegistry) start(htpasswd string) {
	t := r.t
	dir := t.TempDir()
	conf := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", r.storage, r.addr)
	if htpasswd != "" {
		path := filepath.Join(dir, "htpasswd")
		require.NoError(t, os.WriteFile(path, []byte(htpasswd), 0o600))
		conf += fmt.Sprintf("auth:\n  htpasswd:\n    realm: lab-test\n    path: %s\n", path)
	}
	confPath := filepath.Join(dir, "config.yml")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o600))
	r.cmd = exec.Command("docker-registry", "serve", confPath)
	if r.netns != "" {
		r.cmd = exec.Command("nsenter", "--net=/var/run/netns/"+r.netns, "docker-registry", "serve", confPath)
	}
	log, err := os.Create(filepath.Join(dir, "registry.log"))
	require.NoError(t, err)
	r.cmd.Stdout, r.cmd.Stderr = log, log
	require.NoError(t, r.cmd.Start())
	t.Cleanup(r.stop)
	require.Eventually(t, func() bool {
		if r.netns != "" {
			return dialsIn(t, r.netns, r.addr)
		}
		resp, err := http.Get("http://" + r.addr + "/v2/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized
	}, 20*time.Second, 100*time.Millisecond, "the registry did not answer")
}

func (r *testRegistry) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_, _ = r.cmd.Process.Wait()
		r.cmd = nil
	}
}

// dockerConfig writes a docker CLI config folder holding creds for addr.
func dockerConfig(t *testing.T, addr, user, pass string) string {
	dir := t.TempDir()
	auths := "{}"
	if user != "" {
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		auths = fmt.Sprintf(`{%q: {"auth": %q}}`, addr, auth)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths": `+auths+`}`), 0o600))
	return dir
}

func TestBuildFromARegistry(t *testing.T) {
	testkit.Alone(t)
	l, _ := realLab(t, settings.Settings{})
	testkit.NeedTool(t, "docker-registry", testkit.InstallTestTools)
	ctx := t.Context()
	require.NoError(t, l.EnsureBases(ctx))

	reg := &testRegistry{t: t, addr: freePort(t), storage: t.TempDir()}
	reg.start("")
	refs := []string{reg.addr + "/golang:latest", reg.addr + "/alpine:latest"}
	removeLocal := func() {
		for _, ref := range refs {
			_ = exec.Command("docker", "image", "rm", ref).Run()
		}
	}
	t.Cleanup(removeLocal)
	for i, ref := range refs {
		docker(t, "tag", DefaultBaseRefs[i], ref)
		docker(t, "push", ref)
	}
	removeLocal()
	t.Cleanup(func() {
		_ = exec.Command("docker", "image", "rm", Repository+":v1", Repository+":v2", Repository+":builder", Repository+":runtime").Run()
	})

	fromRegistry := labDockerfiles(t, func(_, text string) string {
		text = strings.Replace(text, "FROM    golang", "FROM    "+reg.addr+"/golang", 1)
		return strings.Replace(text, "FROM    alpine", "FROM    "+reg.addr+"/alpine", 1)
	})
	env := func(config string, more ...string) []string {
		return append([]string{"LAB_BASE=pull", "LAB_DOCKERFILES=" + fromRegistry, "DOCKER_CONFIG=" + config}, more...)
	}

	// An open registry: the bases are pulled, then the build runs.
	o := task(t, env(dockerConfig(t, "", "", "")), nil, "build")
	require.Equal(t, 0, o.code, o.stdout+o.stderr)
	o = task(t, env(dockerConfig(t, "", "", "")), nil, "verify")
	require.Equal(t, 0, o.code, o.stdout+o.stderr)
	assert.Contains(t, o.stdout, "builder is on "+refs[0])

	// The same registry behind basic auth.
	reg.stop()
	const user, pass = "lab", "s3cret-Passw0rd"
	hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
	require.NoError(t, err)
	reg.start(user + ":" + string(hash) + "\n")
	removeLocal()

	withCreds := dockerConfig(t, reg.addr, user, pass)
	for _, b := range []string{"buildkit", "classic"} {
		// LAB_BASE=pull builds with --pull: BuildKit asks the registry
		// itself, with the credentials its session hands it.
		o := task(t, env(withCreds, "LAB_BUILDER="+b), nil, "build:runtime")
		assert.Equal(t, 0, o.code, "%s: %s%s", b, o.stdout, o.stderr)
		assert.NotContains(t, o.stdout+o.stderr, pass, "credentials never appear in output")
		assert.NotContains(t, o.stdout+o.stderr, base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	}

	// No credentials: the pull is refused, and the user is told.
	removeLocal()
	before := takeSnapshot(t)
	o = task(t, env(dockerConfig(t, "", "", "")), nil, "build:v1")
	assert.Equal(t, 2, o.code, o.stdout+o.stderr)
	assert.Contains(t, o.stderr, "pull "+refs[0])
	assert.Contains(t, o.stderr, "no basic auth credentials")
	assert.Equal(t, before.containers, takeSnapshot(t).containers)

	// The registry stopped.
	reg.stop()
	o = task(t, env(withCreds), nil, "build:v1")
	assert.Equal(t, 2, o.code, o.stdout+o.stderr)
	assert.Contains(t, o.stderr, "pull "+refs[0])
	assert.Contains(t, o.stderr, "connection refused")
	assert.Less(t, o.took, 30*time.Second)
}
