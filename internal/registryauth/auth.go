// Package registryauth reads registry credentials as the docker CLI does,
// from its config file (DOCKER_CONFIG, else ~/.docker/config.json, with
// credential helpers), and hands them to the engine and to BuildKit without
// ever printing them.
package registryauth

import (
	"fmt"
	"os"

	"github.com/distribution/reference"
	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	clitypes "github.com/docker/cli/cli/config/types"
	"github.com/docker/docker/api/types/registry"
)

// Store is the docker CLI's credential store.
type Store struct {
	File *configfile.ConfigFile
}

// Load reads the docker CLI's config file; a missing file is an empty store.
func Load() (*Store, error) { return LoadEnv(os.Getenv) }

// LoadEnv is Load with DOCKER_CONFIG read through getenv.
func LoadEnv(getenv func(string) string) (*Store, error) {
	dir := ConfigDirEnv(getenv)
	f, err := config.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("docker config in %s: %w", dir, err)
	}
	return &Store{File: f}, nil
}

// ConfigDir is the docker CLI's config folder: DOCKER_CONFIG, else
// ~/.docker. (config.Dir reads DOCKER_CONFIG once per process; this reads
// it each time, so tests and the lab agree on it.)
func ConfigDir() string { return ConfigDirEnv(os.Getenv) }

// ConfigDirEnv is ConfigDir with DOCKER_CONFIG read through getenv.
func ConfigDirEnv(getenv func(string) string) string {
	if dir := getenv("DOCKER_CONFIG"); dir != "" {
		return dir
	}
	return config.Dir()
}

// indexServer is the key the docker CLI files Docker Hub's credentials under.
const indexServer = "https://index.docker.io/v1/"

// keyFor is the config file's key for the registry that holds ref.
func keyFor(ref string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", err
	}
	domain := reference.Domain(named)
	if domain == "docker.io" {
		return indexServer, nil
	}
	return domain, nil
}

func convert(a clitypes.AuthConfig) registry.AuthConfig {
	return registry.AuthConfig{
		Username:      a.Username,
		Password:      a.Password,
		Auth:          a.Auth,
		ServerAddress: a.ServerAddress,
		IdentityToken: a.IdentityToken,
		RegistryToken: a.RegistryToken,
	}
}

// PullAuth is the X-Registry-Auth value for pulling ref: empty when the
// store holds nothing for its registry.
func (s *Store) PullAuth(ref string) (string, error) {
	key, err := keyFor(ref)
	if err != nil {
		return "", err
	}
	a, err := s.File.GetAuthConfig(key)
	if err != nil {
		return "", fmt.Errorf("credentials for %s: %w", key, err)
	}
	if a.Username == "" && a.IdentityToken == "" && a.RegistryToken == "" {
		return "", nil
	}
	return registry.EncodeAuthConfig(convert(a))
}

// All is every credential, for a classic build that pulls its bases.
func (s *Store) All() (map[string]registry.AuthConfig, error) {
	all, err := s.File.GetAllCredentials()
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	out := make(map[string]registry.AuthConfig, len(all))
	for k, a := range all {
		out[k] = convert(a)
	}
	return out, nil
}
