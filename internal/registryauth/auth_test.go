package registryauth

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/docker/docker/api/types/registry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// writeConfig writes a docker config folder with body as its config.json,
// and returns the environment that names it.
func writeConfig(t *testing.T, body string) func(string) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(body), 0o600))
	return testkit.Env(map[string]string{"DOCKER_CONFIG": dir})
}

func decode(t *testing.T, header string) registry.AuthConfig {
	raw, err := base64.URLEncoding.DecodeString(header)
	require.NoError(t, err)
	var a registry.AuthConfig
	require.NoError(t, json.Unmarshal(raw, &a))
	return a
}

func TestPullAuthFromTheConfigFile(t *testing.T) {
	t.Parallel()
	auth := base64.StdEncoding.EncodeToString([]byte("lab:pw"))
	env := writeConfig(t, `{"auths": {"127.0.0.1:5000": {"auth": "`+auth+`"}, "https://index.docker.io/v1/": {"auth": "`+base64.StdEncoding.EncodeToString([]byte("hub:hubpw"))+`"}}}`)
	s, err := LoadEnv(env)
	require.NoError(t, err)

	h, err := s.PullAuth("127.0.0.1:5000/golang:latest")
	require.NoError(t, err)
	a := decode(t, h)
	assert.Equal(t, "lab", a.Username)
	assert.Equal(t, "pw", a.Password)

	h, err = s.PullAuth("golang")
	require.NoError(t, err)
	assert.Equal(t, "hub", decode(t, h).Username, "Docker Hub's key is the index server")

	h, err = s.PullAuth("other.example:5000/x")
	require.NoError(t, err)
	assert.Empty(t, h, "no credentials, no header")

	all, err := s.All()
	require.NoError(t, err)
	assert.Equal(t, "pw", all["127.0.0.1:5000"].Password)
}

func TestMissingConfigIsEmpty(t *testing.T) {
	t.Parallel()
	s, err := LoadEnv(testkit.Env(map[string]string{"DOCKER_CONFIG": t.TempDir()}))
	require.NoError(t, err)
	h, err := s.PullAuth("golang")
	require.NoError(t, err)
	assert.Empty(t, h)
}

func TestBrokenConfigIsAnError(t *testing.T) {
	t.Parallel()
	_, err := LoadEnv(writeConfig(t, `{"auths": `))
	assert.ErrorContains(t, err, "docker config in")
}
