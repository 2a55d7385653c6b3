package bench

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/docker/cli/cli/config"

	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/registryauth"
)

// BuildxVersion is the buildx the bench builds from the Go module proxy
// when the docker CLI has none.
const BuildxVersion = "v0.38.2"

const buildxModule = "github.com/docker/buildx/cmd/buildx"

// Buildx is how the bench's docker CLI runs BuildKit builds: with the
// CLI's own buildx plugin, or with one the bench built, found through a
// docker config folder of the bench's own (the user's plugins stay as they
// are).
type Buildx struct {
	// Env is what the CLI side adds to its environment (DOCKER_CONFIG for
	// the bench's folder; nothing for the CLI's own plugin).
	Env []string
	// About names it for the table: "buildx v0.38.2 (the docker CLI's)".
	About string
}

// FindBuildx returns the docker CLI's buildx if it has one, else the
// bench's, building it into cache (once) with the Go toolchain.
func FindBuildx(ctx context.Context, cache string, say event.Sink) (Buildx, error) {
	if v, err := buildxVersion(ctx, nil); err == nil {
		return Buildx{About: v + " (the docker CLI's own plugin)"}, nil
	}
	dir := filepath.Join(cache, "buildx", BuildxVersion)
	plugins := filepath.Join(dir, "cli-plugins")
	plugin := filepath.Join(plugins, "docker-buildx")
	if runtime.GOOS == "windows" {
		plugin += ".exe"
	}
	if _, err := os.Stat(plugin); err != nil {
		say(event.Step{Text: fmt.Sprintf("the docker CLI has no buildx: building %s@%s into %s (once, a few minutes)", buildxModule, BuildxVersion, plugins)})
		if err := goInstall(ctx, buildxModule+"@"+BuildxVersion, plugins, plugin); err != nil {
			return Buildx{}, err
		}
	}
	// The bench's folder holds the plugin and, linked, the user's
	// contexts, so an engine named by its context is reached as the user
	// reaches it.
	user := filepath.Join(registryauth.ConfigDir(), "contexts")
	link := filepath.Join(dir, "contexts")
	if _, err := os.Stat(user); err == nil {
		if _, err := os.Lstat(link); errors.Is(err, os.ErrNotExist) {
			_ = os.Symlink(user, link)
		}
	}
	env := []string{"DOCKER_CONFIG=" + dir}
	if _, err := buildxVersion(ctx, env); err != nil {
		return Buildx{}, fmt.Errorf("the bench's buildx in %s does not run: %w (remove that folder to build it again)", plugins, err)
	}
	// go install stamps the module's version in the binary's build info,
	// not in the version buildx prints.
	v := BuildxVersion
	if info, err := buildinfo.ReadFile(plugin); err == nil && info.Main.Version != "" {
		v = info.Main.Version
	}
	return Buildx{Env: env, About: "buildx " + v + " (built by the bench into " + plugins + ")"}, nil
}

// buildxVersion asks the docker CLI for its buildx's version ("buildx
// v0.38.2").
func buildxVersion(ctx context.Context, env []string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", "buildx", "version")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("docker buildx version: %w: %s", err, firstLine(string(out)))
	}
	f := strings.Fields(string(out))
	if len(f) < 2 {
		return "", fmt.Errorf("docker buildx version said %q", out)
	}
	return "buildx " + f[1], nil
}

// goInstall builds module@version with the Go toolchain into plugin,
// through a folder beside it so a half-built binary is never found.
func goInstall(ctx context.Context, pkg, plugins, plugin string) error {
	tmp := plugins + ".building"
	_ = os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "go", "install", pkg)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go install %s: %w: %s (the bench needs the Go module proxy, or a docker CLI with buildx)", pkg, err, tail(out.String(), 1000))
	}
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		return err
	}
	name := "buildx"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return os.Rename(filepath.Join(tmp, name), plugin)
}

// currentContext is the docker CLI's current context when the environment
// names none (DOCKER_HOST and DOCKER_CONTEXT unset), so a CLI that reads
// the bench's config folder reaches the same engine; "" for the default.
func currentContext() string {
	if os.Getenv("DOCKER_HOST") != "" || os.Getenv("DOCKER_CONTEXT") != "" {
		return ""
	}
	f, err := config.Load(registryauth.ConfigDir())
	if err != nil || f.CurrentContext == "default" {
		return ""
	}
	return f.CurrentContext
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
