package lab

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// secondEngine is a dockerd of the test's own, in a network namespace of its
// own (so it cannot touch the machine's docker0), with its own data root,
// exec root, pid file and containerd namespace, listening on a unix socket.
type secondEngine struct {
	netns, dir, sock string
	cmd              *exec.Cmd
	exited           chan struct{}
}

// ownEngineUnlessNamed is where a test works that proves nothing of the
// machine's engine in particular (the shapes: what the lab makes of each
// kind of Dockerfile; a base the lab cannot provide), and returns the host
// that reaches it ("": the one the environment names). On the engine
// DOCKER_HOST or DOCKER_CONTEXT names, in room there: CI runs the shapes
// on each Engine 29.8 so. With none named, on a second engine of its own
// (overlay2 where the kernel has it), beside the machine's tests, which it
// then neither holds up nor disturbs, where this machine can start one;
// else on the machine's engine, in room.
func ownEngineUnlessNamed(t *testing.T, room func(*testing.T)) string {
	t.Helper()
	if os.Getenv("DOCKER_HOST") != "" || os.Getenv("DOCKER_CONTEXT") != "" || !canStartSecondEngine() {
		room(t)
		return ""
	}
	testkit.OwnEngine(t)
	return "unix://" + startSecondEngine(t).sock
}

// canStartSecondEngine says whether startSecondEngine can work here.
func canStartSecondEngine() bool {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		return false
	}
	for _, tool := range []string{"dockerd", "ip", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false
		}
	}
	return true
}

func startSecondEngine(t *testing.T) *secondEngine {
	return startSecondEngineWith(t, "{}")
}

// startSecondEngineWith starts the second engine with daemonJSON as its
// config file and more dockerd flags.
func startSecondEngineWith(t *testing.T, daemonJSON string, flags ...string) *secondEngine {
	testkit.NeedTool(t, "dockerd", "a second engine runs the machine's dockerd: scripts/start-engine.sh installs it")
	testkit.NeedTool(t, "ip", "Debian's iproute2 makes the network namespace")
	testkit.NeedTool(t, "nsenter", "Debian's util-linux starts dockerd in it")
	testkit.NeedRoot(t, "a second engine needs it")
	sfx := randomSuffix(t)
	// Short paths: a unix socket's path has a length limit.
	dir, err := os.MkdirTemp("", "lab2-")
	require.NoError(t, err)
	e := &secondEngine{netns: "labtest-" + sfx, dir: dir, sock: filepath.Join(dir, "d.sock")}
	t.Cleanup(e.stop)
	run(t, "ip", "netns", "add", e.netns)
	run(t, "ip", "netns", "exec", e.netns, "ip", "link", "set", "lo", "up")
	driver := secondEngineDriver(t, dir)
	// Its own (empty) config file: the machine's daemon.json is the first engine's.
	conf := filepath.Join(dir, "daemon.json")
	require.NoError(t, os.WriteFile(conf, []byte(daemonJSON+"\n"), 0o644))
	e.cmd = exec.Command("nsenter", "--net=/var/run/netns/"+e.netns, "dockerd",
		"--config-file", conf,
		"--host", "unix://"+e.sock,
		"--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"),
		"--containerd-namespace", "labtest"+sfx,
		"--containerd-plugins-namespace", "labtest"+sfx+"-plugins",
		"--storage-driver", driver,
		// Its docker0 is made inside its own namespace, apart from the
		// machine's; no iptables rules are written.
		"--iptables=false", "--ip-masq=false",
	)
	e.cmd.Args = append(e.cmd.Args, flags...)
	log, err := os.Create(filepath.Join(dir, "dockerd.log"))
	require.NoError(t, err)
	e.cmd.Stdout, e.cmd.Stderr = log, log
	require.NoError(t, e.cmd.Start())
	exited := make(chan struct{})
	go func() { _ = e.cmd.Wait(); close(exited) }()
	e.exited = exited
	ok := assert.Eventually(t, func() bool {
		select {
		case <-exited:
			return true // reported below
		default:
		}
		out, err := exec.Command("docker", "-H", "unix://"+e.sock, "version", "--format", "{{.Server.Version}}").Output()
		return err == nil && len(out) > 0
	}, 60*time.Second, 250*time.Millisecond, "the second engine did not answer")
	select {
	case <-exited:
		ok = false
	default:
	}
	if !ok {
		data, _ := os.ReadFile(filepath.Join(dir, "dockerd.log"))
		t.Fatalf("dockerd log:\n%s", tail(string(data), 3000))
	}
	return e
}

// secondEngineDriver is the storage driver a second engine gets: overlay2
// where the kernel has overlayfs and dir is not on one (the kernel does the
// work fuse-overlayfs does in a process of its own: a test on the second
// engine takes a third less time), else the machine's engine's. The
// machine's engine's tests prove the lab on its own driver.
func secondEngineDriver(t *testing.T, dir string) string {
	fs, err := os.ReadFile("/proc/filesystems")
	var st syscall.Statfs_t
	const overlayfsMagic = 0x794c7630
	if err == nil && regexp.MustCompile(`(?m)\boverlay$`).Match(fs) && syscall.Statfs(dir, &st) == nil && st.Type != overlayfsMagic {
		return "overlay2"
	}
	return docker(t, "info", "--format", "{{.Driver}}")
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func run(t *testing.T, args ...string) {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	require.NoError(t, err, "%s: %s", strings.Join(args, " "), out)
}

func (e *secondEngine) stop() {
	if e.cmd != nil && e.cmd.Process != nil {
		_ = e.cmd.Process.Signal(os.Interrupt)
		select {
		case <-e.exited:
		case <-time.After(20 * time.Second):
			_ = e.cmd.Process.Kill()
			<-e.exited
		}
		e.cmd = nil
	}
	_ = exec.Command("ip", "netns", "del", e.netns).Run()
	// The data root holds read-only layer files; make them removable first.
	_ = exec.Command("chmod", "-R", "u+w", e.dir).Run()
	_ = os.RemoveAll(e.dir)
}

// forward listens on loopback TCP and forwards each connection to a unix
// socket: the test's stand-in for an engine reached over the network.
func forward(t *testing.T, sock string) string {
	return forwardTo(t, func() (net.Conn, error) { return net.Dial("unix", sock) })
}

// forwardTo listens on loopback TCP and copies each connection both ways to
// one that dial makes.
func forwardTo(t *testing.T, dial func() (net.Conn, error)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	testkit.Serve(t, ln, func(c net.Conn) {
		defer c.Close()
		u, err := dial()
		if err != nil {
			return
		}
		defer u.Close()
		go func() {
			_, _ = io.Copy(u, c)
			if cw, ok := u.(interface{ CloseWrite() error }); ok {
				_ = cw.CloseWrite()
			}
		}()
		_, _ = io.Copy(c, u)
	})
	return ln.Addr().String()
}

// TestLabOnARemoteEngine runs the whole lab on a second engine reached over
// TCP, with each builder, then clean:all there, and leaves the machine's
// engine as it was.
func TestLabOnARemoteEngine(t *testing.T) {
	testkit.OwnEngine(t)
	_, _ = realLab(t, settings.Settings{}) // the machine's engine answers
	machineID := docker(t, "info", "--format", "{{.ID}}")
	e := startSecondEngine(t)
	addr := forward(t, e.sock)
	host := "tcp://" + addr

	// The second engine starts empty: the first run makes its stand-ins
	// there, through the API, as on any engine no registry reaches.
	// BuildKit through DOCKER_HOST; the classic builder through a docker CLI
	// context that names the same engine.
	cfg := testkit.DockerContext(t, "labremote", host, true)
	for _, env := range [][]string{
		{"DOCKER_HOST=" + host, "LAB_BUILDER=buildkit"},
		{"DOCKER_HOST=", "DOCKER_CONFIG=" + cfg, "LAB_BUILDER=classic"},
	} {
		o := task(t, append(env, "LAB_PROGRESS=quiet"), nil)
		require.Equal(t, 0, o.code, "%v on the remote engine: %s%s", env, o.stdout, o.stderr)
		assert.Contains(t, o.stdout, "10 of 10 assertions passed")
	}
	// The docker CLI, pointed at each engine, sees the images on the second
	// engine only.
	remoteID := docker(t, "-H", host, "image", "inspect", "--format", "{{.ID}}", Repository+":runtime")
	assert.Equal(t, remoteID, docker(t, "-H", host, "image", "inspect", "--format", "{{.ID}}", Repository+":v1"))
	assert.Contains(t, docker(t, "-H", host, "history", "--no-trunc", Repository+":runtime"), "#(nop)",
		"the last run, through the context, built there with the classic builder")
	err := exec.Command("docker", "image", "inspect", remoteID).Run()
	assert.Error(t, err, "the remote build's image is not on the machine's own engine")

	// clean:all, confirmed, empties the second engine: the seed's literal
	// first step, tried where it can harm nothing.
	o := task(t, []string{"DOCKER_HOST=" + host, "LAB_CONFIRM=clean-all"}, nil, "clean:all")
	require.Equal(t, 0, o.code, o.stdout+o.stderr)
	// All but the engine's lock, which the run held and clean:all kept.
	assert.Empty(t, engineImages(t, "-H", host))
	assert.Empty(t, engineContainers(t, "-H", host))
	assert.Contains(t, o.stdout, "kept the lab's lock")

	// Stopping it leaves the machine's own engine as it was: the same
	// engine answers, and its docker0 (which a second engine started in the
	// machine's namespace would take) is still there.
	e.stop()
	assert.Equal(t, machineID, docker(t, "info", "--format", "{{.ID}}"))
	run(t, "ip", "link", "show", "docker0")
}
