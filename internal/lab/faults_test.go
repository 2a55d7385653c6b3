package lab

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/enginelock"
	"github.com/multistage-lab/multistage-lab/internal/ledger"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// The faults a user can meet, each made to happen on the real engine and
// run through the task binary as a user runs it. TestFaults logs the table
// the README shows (go test -run TestFaults -v ./internal/lab/).

// taskBinary is the compiled task binary (see testkit.TaskBinary).
func taskBinary(t *testing.T) string {
	t.Helper()
	root, err := findTestRoot()
	require.NoError(t, err)
	bin, err := testkit.TaskBinary(root)
	require.NoError(t, err)
	return bin
}

// outcome is one run of the task binary.
type outcome struct {
	stdout, stderr string
	code           int
	took           time.Duration
	said           func() string
}

// task runs the task binary in the project folder with plain progress,
// through the one harness every package's target tests use. If interrupt
// is set, it is sent 2 s after stdout shows the Dockerfile's `sleep 60`
// step running.
func task(t *testing.T, env []string, interrupt os.Signal, args ...string) outcome {
	t.Helper()
	root, err := findTestRoot()
	require.NoError(t, err)
	o := testkit.RunTask(t, root, append([]string{"LAB_PROGRESS=plain"}, env...), interrupt, args...)
	return outcome{stdout: o.Stdout, stderr: o.Stderr, code: o.Code, took: o.Took, said: o.Said}
}

// snapshot is the engine's containers and images, and the project's files.
type snapshot struct {
	containers, images, files []string
}

func takeSnapshot(t *testing.T) snapshot {
	root, err := findTestRoot()
	require.NoError(t, err)
	st := exec.Command("git", "status", "--porcelain", "--ignored")
	st.Dir = root
	files, _ := st.Output()
	return snapshot{
		containers: engineContainers(t),
		images:     engineImages(t),
		files:      strings.Split(strings.TrimSpace(string(files)), "\n"),
	}
}

// engineContainers lists the full IDs of the containers on the engine (the
// docker CLI's, or the one -H names in host), sorted, without the engine's
// lock: a run in another test process may hold it at any moment.
func engineContainers(t *testing.T, host ...string) []string {
	rows := docker(t, append(host, "container", "ls", "-a", "--no-trunc", "--format", `{{.ID}} {{.Label "`+enginelock.Label+`"}}`)...)
	var ids []string
	for _, row := range strings.Split(rows, "\n") {
		if id, lock, _ := strings.Cut(row, " "); id != "" && lock == "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// engineImages lists the full IDs of the images on the engine, one per
// name as docker image ls -a -q gives them, sorted, without the lock's.
func engineImages(t *testing.T, host ...string) []string {
	rows := docker(t, append(host, "image", "ls", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}")...)
	var ids []string
	for _, row := range strings.Split(rows, "\n") {
		if id, repo, _ := strings.Cut(row, " "); id != "" && repo != strings.Split(enginelock.Image, ":")[0] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func added(before, after []string) int {
	n := 0
	for _, a := range after {
		if !slices.Contains(before, a) {
			n++
		}
	}
	return n
}

// settled waits until the engine's images stop changing (a cancelled
// classic build can commit its step in progress after the client has gone),
// then takes the snapshot.
func settled(t *testing.T) snapshot {
	s := takeSnapshot(t)
	for still := time.Now(); time.Since(still) < 3*time.Second; {
		time.Sleep(500 * time.Millisecond)
		if next := takeSnapshot(t); !slices.Equal(next.images, s.images) || !slices.Equal(next.containers, s.containers) {
			s, still = next, time.Now()
		}
	}
	return s
}

// recordedSteps counts the images in ids that the lab's record names:
// those clean removes.
func recordedSteps(t *testing.T, ids []string) int {
	lg, err := ledger.Open(docker(t, "info", "--format", "{{.ID}}"), "")
	require.NoError(t, err)
	rec, err := lg.IDs()
	require.NoError(t, err)
	n := 0
	for _, id := range ids {
		if ledger.Has(rec, id) {
			n++
		}
	}
	return n
}

// leftBehind says what a run added to the engine and the project folder.
func leftBehind(t *testing.T, before, after snapshot) string {
	parts := []string{fmt.Sprintf("%d containers", added(before.containers, after.containers))}
	if n := added(before.images, after.images); n > 0 {
		var ids []string
		for _, id := range after.images {
			if !slices.Contains(before.images, id) {
				ids = append(ids, id)
			}
		}
		parts = append(parts, fmt.Sprintf("%d cached build steps (%d in the lab's record: clean removes those)", n, recordedSteps(t, ids)))
	} else {
		parts = append(parts, "no images")
	}
	if n := added(before.files, after.files); n > 0 {
		t.Logf("files added: %v (before: %v)", after.files, before.files)
		parts = append(parts, fmt.Sprintf("%d files", n))
	} else {
		parts = append(parts, "no files")
	}
	return strings.Join(parts, ", ")
}

// labDockerfiles writes a LAB_DOCKERFILES folder from the project's own,
// with edits.
func labDockerfiles(t *testing.T, edit func(name, text string) string) string {
	t.Helper()
	root, err := findTestRoot()
	require.NoError(t, err)
	return testkit.Dockerfiles(t, root, edit)
}

// beforeBuild inserts a line before the Dockerfiles' `RUN go build`.
func beforeBuild(line string) func(string, string) string {
	return func(_, text string) string {
		return strings.Replace(text, "RUN     go build", line+"\nRUN     go build", 1)
	}
}

// afterBuild inserts a line after the Dockerfiles' `RUN go build`: a step
// no cache holds, that leaves the compiled app (and its cache) as it was.
func afterBuild(line string) func(string, string) string {
	return func(_, text string) string {
		return strings.Replace(text, "RUN     go build -o helloworld", "RUN     go build -o helloworld\n"+line, 1)
	}
}

// engineSocket is the unix socket of the engine under test.
func engineSocket(t *testing.T) string {
	h := os.Getenv("DOCKER_HOST")
	switch {
	case h == "":
		return "/var/run/docker.sock"
	case strings.HasPrefix(h, "unix://"):
		return strings.TrimPrefix(h, "unix://")
	}
	testkit.NotApplicable(t, "DOCKER_HOST="+h+" is not a unix socket; the proxy needs one")
	return ""
}

// cuttingProxy forwards a unix socket to the engine's and closes any build
// request's connection after limit bytes of its response.
func cuttingProxy(t *testing.T, limit int) string {
	target := engineSocket(t)
	sock := filepath.Join(t.TempDir(), "cut.sock")
	ln, err := net.Listen("unix", sock)
	require.NoError(t, err)
	testkit.Serve(t, ln, func(c net.Conn) { proxyConn(c, target, limit) })
	return sock
}

// proxyConn copies one connection both ways. The client may send several
// requests on it (keep-alive); once one of them is POST .../build, the
// connection is closed after limit more bytes of response.
func proxyConn(c net.Conn, target string, limit int) {
	defer c.Close()
	e, err := net.Dial("unix", target)
	if err != nil {
		return
	}
	defer e.Close()
	var building atomic.Bool
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				if bytes.Contains(buf[:n], []byte("POST /")) && bytes.Contains(buf[:n], []byte("/build?")) {
					building.Store(true)
				}
				if _, werr := e.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 256)
	sent := 0
	for {
		n, err := e.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
			if building.Load() {
				if sent += n; sent >= limit {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// builderTempDirs counts the classic builder's unpacked contexts in the
// engine's data root (docker-builder* in its tmp folder).
func builderTempDirs(t *testing.T) int {
	root := docker(t, "info", "--format", "{{.DockerRootDir}}")
	m, err := filepath.Glob(filepath.Join(root, "tmp", "docker-builder*"))
	require.NoError(t, err)
	return len(m)
}

type faultRow struct {
	fault, saw string
	code       int
	took       time.Duration
	left       string
}

func TestFaults(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	var rows []faultRow
	// record notes what a fault left behind. A run that reached no build,
	// or whose builds ended on their own, has nothing in flight on the
	// engine, so one look tells; after a build that was cut short,
	// settled waits until the engine stops changing (a cancelled build's
	// container goes a moment later).
	record := func(fault string, o outcome, before snapshot) {
		rows = append(rows, faultRow{fault: fault, saw: o.said(), code: o.code, took: o.took, left: leftBehind(t, before, takeSnapshot(t))})
	}
	recordCut := func(fault string, o outcome, before snapshot) {
		rows = append(rows, faultRow{fault: fault, saw: o.said(), code: o.code, took: o.took, left: leftBehind(t, before, settled(t))})
	}
	// Built lab images, so the tests can see that no tag moves.
	o := task(t, nil, nil, "build")
	require.Equal(t, 0, o.code, o.stderr)

	t.Run("no engine", func(t *testing.T) {
		for _, c := range []struct{ fault, host string }{
			{"no engine: missing socket", "unix:///nonexistent.sock"},
			{"no engine: refused TCP port", "tcp://" + testkit.RefusedAddress(t)},
			{"no engine: a port that never answers", "tcp://" + testkit.SilentListener(t)},
		} {
			before := takeSnapshot(t)
			o := task(t, []string{"DOCKER_HOST=" + c.host}, nil, "build")
			assert.Equal(t, 2, o.code, c.fault)
			assert.Contains(t, o.stderr, "DOCKER_HOST="+c.host, c.fault)
			assert.Less(t, o.took, 10*time.Second, c.fault)
			record(c.fault, o, before)
		}
	})

	t.Run("engine too old for BuildKit", func(t *testing.T) {
		before := takeSnapshot(t)
		o := task(t, []string{"DOCKER_API_VERSION=1.38"}, nil, "build:v1")
		assert.Equal(t, 2, o.code)
		assert.Equal(t, "Error: the engine is too old: a BuildKit build needs Engine API 1.39 or newer, and this engine speaks 1.38: set LAB_BUILDER=classic, or use Docker 18.09 or newer\n", o.stderr)
		record("engine too old (API 1.38) for BuildKit", o, before)
	})

	t.Run("bad setting", func(t *testing.T) {
		before := takeSnapshot(t)
		o := task(t, []string{"LAB_PROGRESS=fancy"}, nil, "build")
		assert.Equal(t, 2, o.code)
		record("LAB_PROGRESS=fancy", o, before)
	})

	t.Run("broken Dockerfile", func(t *testing.T) {
		dir := labDockerfiles(t, func(name, text string) string { return strings.Replace(text, "WORKDIR /myapp", "WORKDIR", 1) })
		before := takeSnapshot(t)
		o := task(t, []string{"LAB_DOCKERFILES=" + dir}, nil, "build")
		assert.Equal(t, 2, o.code)
		assert.Contains(t, o.stderr, "v1.Dockerfile:2: WORKDIR requires exactly one argument")
		record("a Dockerfile that does not parse", o, before)

		dir = labDockerfiles(t, func(name, text string) string { return strings.Replace(text, "AS runtime", "AS final", 1) })
		before = takeSnapshot(t)
		o = task(t, []string{"LAB_DOCKERFILES=" + dir}, nil, "build:runtime")
		assert.Equal(t, 2, o.code)
		assert.Contains(t, o.stderr, "--target runtime names no stage; the stages are builder (line 1), final (line 7)")
		record("--target that names no stage", o, before)
	})

	t.Run("lab file names a missing Dockerfile", func(t *testing.T) {
		dir := labDockerfiles(t, func(name, text string) string {
			if name == "lab.yaml" {
				return strings.Replace(text, "\nbuild:", "  - tag: multi-state:v3\n    dockerfile: v3.Dockerfile\n\nbuild:", 1)
			}
			return text
		})
		before := takeSnapshot(t)
		o := task(t, []string{"LAB_DOCKERFILES=" + dir}, nil, "build")
		assert.Equal(t, 2, o.code)
		assert.Equal(t, "Error: invalid lab file: "+filepath.Join(dir, "lab.yaml")+":20: multi-state:v3: dockerfile v3.Dockerfile does not exist beside lab.yaml\n", o.stderr)
		assert.Empty(t, o.stdout, "nothing was built")
		record("a lab.yaml that names a missing Dockerfile", o, before)
	})

	t.Run("clean:all unconfirmed", func(t *testing.T) {
		before := takeSnapshot(t)
		o := task(t, nil, nil, "clean:all")
		assert.Equal(t, 2, o.code)
		assert.Equal(t, before.images, takeSnapshot(t).images)
		record("clean:all without LAB_CONFIRM", o, before)
	})

	t.Run("app does not compile", func(t *testing.T) {
		// The program is broken after the cached `go build`, and built
		// again: the compiler's cache from that step is in the image, so
		// the failing build fails in a moment, not after compiling the
		// runtime anew.
		broken := labDockerfiles(t, afterBuild("RUN     echo 'package main; func main() { undefinedCall() }' > helloworld.go\nRUN     go build -o helloworld"))
		for _, b := range []string{"buildkit", "classic"} {
			v1 := labIDs(t)["v1"]
			before := takeSnapshot(t)
			o := task(t, []string{"LAB_DOCKERFILES=" + broken, "LAB_BUILDER=" + b}, nil, "build:v1")
			assert.Equal(t, 1, o.code, b)
			assert.Contains(t, o.stdout, "undefined: undefinedCall", "%s: the compiler's message is shown", b)
			assert.Contains(t, o.stderr, "go build -o helloworld", "%s: the failing step is named", b)
			after := takeSnapshot(t)
			assert.Equal(t, before.containers, after.containers, "%s: no intermediate container left", b)
			assert.Equal(t, v1, labIDs(t)["v1"], "%s: no tag moved to a broken image", b)
			record("the app does not compile ("+b+")", o, before)
		}

		// All four, classic: v2, builder and runtime were sent with v1,
		// their contexts held back; v1's failure ends them unbuilt.
		ids := labIDs(t)
		before := takeSnapshot(t)
		unpacked := builderTempDirs(t)
		o := task(t, []string{"LAB_DOCKERFILES=" + broken, "LAB_BUILDER=classic"}, nil, "build")
		assert.Equal(t, 1, o.code, o.stderr)
		assert.Contains(t, o.stderr, "build multi-state:v1", "v1's failure is the one reported")
		assert.NotContains(t, o.stdout+o.stderr, errNotReleased.Error(), "the held builds' end is not reported as a failure of theirs")
		assert.Equal(t, before.containers, takeSnapshot(t).containers, "no intermediate container left")
		assert.Equal(t, ids, labIDs(t), "no tag moved")
		assert.Eventually(t, func() bool { return builderTempDirs(t) <= unpacked }, 10*time.Second, 200*time.Millisecond,
			"the engine removed the held builds' unpacked contexts")
		record("the app does not compile, `build` of all four (classic)", o, before)
	})

	t.Run("interrupted", func(t *testing.T) {
		for _, c := range []struct {
			name    string
			builder string
			sig     os.Signal
			target  string
		}{
			{"Ctrl-C during a build (buildkit)", "buildkit", os.Interrupt, "build:v1"},
			{"SIGTERM during a build (classic)", "classic", syscall.SIGTERM, "build:v1"},
			{"Ctrl-C during `build` of all four (classic)", "classic", os.Interrupt, "build"},
		} {
			slow := labDockerfiles(t, beforeBuild("RUN     sleep 60 && echo "+randomSuffix(t)))
			v1 := labIDs(t)["v1"]
			before := takeSnapshot(t)
			ids := labIDs(t)
			o := task(t, []string{"LAB_DOCKERFILES=" + slow, "LAB_BUILDER=" + c.builder}, c.sig, c.target)
			assert.Equal(t, 130, o.code, c.name+": "+o.stderr)
			assert.Less(t, o.took, 30*time.Second, c.name)
			// The engine removes a cancelled build's container a moment later.
			assert.Eventually(t, func() bool {
				return added(before.containers, takeSnapshot(t).containers) == 0
			}, 20*time.Second, 500*time.Millisecond, "%s: no container left", c.name)
			assert.Equal(t, v1, labIDs(t)["v1"], c.name)
			assert.Equal(t, ids, labIDs(t), "%s: no tag moved", c.name)
			recordCut(c.name, o, before)
			rerun := task(t, []string{"LAB_BUILDER=" + c.builder}, nil, "build:v1")
			assert.Equal(t, 0, rerun.code, "%s: the next run succeeds: %s", c.name, rerun.stderr)
		}
	})

	t.Run("interrupted cold classic build", func(t *testing.T) {
		// A changed app: the classic builder commits COPY and go env anew
		// before the slow step, and the engine may commit the step in
		// progress after the client has gone.
		root, err := findTestRoot()
		require.NoError(t, err)
		app := t.TempDir()
		src, err := os.ReadFile(filepath.Join(root, "app", "helloworld.go"))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(app, "helloworld.go"), append(src, []byte("\n// "+randomSuffix(t)+"\n")...), 0o644))
		slow := labDockerfiles(t, beforeBuild("RUN     sleep 60"))
		ids := labIDs(t)
		before := takeSnapshot(t)
		o := task(t, []string{"LAB_DOCKERFILES=" + slow, "LAB_APP=" + app, "LAB_BUILDER=classic"}, os.Interrupt, "build:v1")
		assert.Equal(t, 130, o.code, o.stderr)
		after := settled(t)
		assert.Equal(t, ids, labIDs(t), "no tag moved")
		recordCut("Ctrl-C during a cold classic build (a changed app)", o, before)
		var left []string
		for _, id := range after.images {
			if !slices.Contains(before.images, id) {
				left = append(left, id)
			}
		}
		assert.Equal(t, len(left), recordedSteps(t, left), "every step the interrupted build left is in the lab's record")
		c := task(t, nil, nil, "clean")
		require.Equal(t, 0, c.code, c.stderr)
		for _, id := range left {
			assert.Error(t, exec.Command("docker", "image", "inspect", id).Run(), "clean removed the interrupted build's step %s", display.ShortID(id))
		}
		rerun := task(t, nil, nil, "build")
		assert.Equal(t, 0, rerun.code, rerun.stderr)
	})

	t.Run("connection cut mid-build", func(t *testing.T) {
		sock := cuttingProxy(t, 4096)
		slow := labDockerfiles(t, beforeBuild("RUN     sleep 2 && echo "+randomSuffix(t)))
		v1 := labIDs(t)["v1"]
		before := takeSnapshot(t)
		o := task(t, []string{"DOCKER_HOST=unix://" + sock, "LAB_DOCKERFILES=" + slow}, nil, "build:v1")
		assert.Equal(t, 1, o.code)
		assert.Contains(t, o.stderr, "the build output ended before the image was built (was the connection to the engine lost?)")
		assert.Less(t, o.took, 60*time.Second)
		assert.Equal(t, v1, labIDs(t)["v1"])
		recordCut("connection to the engine cut mid-build", o, before)
		rerun := task(t, nil, nil, "build:v1")
		assert.Equal(t, 0, rerun.code, rerun.stderr)
	})

	t.Run("two builds at once", func(t *testing.T) {
		before := takeSnapshot(t)
		var wg sync.WaitGroup
		outs := make([]outcome, 2)
		for i := range outs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i] = task(t, nil, nil, "build")
			}()
		}
		wg.Wait()
		for _, o := range outs {
			assert.Equal(t, 0, o.code, o.stderr)
		}
		ids := labIDs(t)
		assert.Equal(t, ids["v1"], ids["v2"])
		assert.Equal(t, ids["v1"], ids["runtime"])
		assert.NotEqual(t, ids["builder"], ids["runtime"])
		outs[1].took = max(outs[0].took, outs[1].took)
		record("two `build` at the same time", outs[1], before)
	})

	var table strings.Builder
	table.WriteString("| fault | what the user saw (last line) | exit | seconds | left behind |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&table, "| %s | %s | %d | %.2f | %s |\n", r.fault, strings.ReplaceAll(r.saw, "|", `\|`), r.code, r.took.Seconds(), r.left)
	}
	t.Logf("faults, %s:\n%s", time.Now().UTC().Format("2006-01-02"), table.String())
	if t.Failed() {
		return
	}
	checkREADMEFaults(t, rows)
}

// checkREADMEFaults compares the README's faults table with what this run
// measured, so the README cannot drift: each row's fault, message, exit
// code and what was left behind, with what varies from run to run (temp
// folders, ports, image IDs, times, counts) masked. The table is measured
// on one engine, which the README names; on another engine the messages
// differ (BuildKit's words change between releases), so there it is not
// compared.
func checkREADMEFaults(t *testing.T, rows []faultRow) {
	root, err := findTestRoot()
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	section := string(readme)
	i := strings.Index(section, "## What happens when things go wrong")
	require.GreaterOrEqual(t, i, 0, "the README has a faults section")
	section = section[i:]
	m := regexp.MustCompile(`measured on Docker Engine ([^\s,]+)`).FindStringSubmatch(section)
	require.NotNil(t, m, "the faults section names the engine it was measured on")
	if v := docker(t, "version", "--format", "{{.Server.Version}}"); v != m[1] {
		t.Logf("the README's faults table is from Engine %s; this is %s: not compared", m[1], v)
		return
	}
	var readmeRows []string
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| fault |") {
			readmeRows = append(readmeRows, maskFaultRow(line))
		}
		if len(readmeRows) > 0 && !strings.HasPrefix(line, "|") {
			break
		}
	}
	var measured []string
	for _, r := range rows {
		measured = append(measured, maskFaultRow(fmt.Sprintf("| %s | %s | %d | %.2f | %s |", r.fault, strings.ReplaceAll(r.saw, "|", `\|`), r.code, r.took.Seconds(), r.left)))
	}
	assert.Equal(t, measured, readmeRows, "the README's faults table differs from what TestFaults measured: paste the table logged above into the README")
}

var faultMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`/tmp/[^\s:]*/`), "<tmp>/"},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:<port>"},
	{regexp.MustCompile(`\b[0-9a-f]{12}\b`), "<id>"},
	{regexp.MustCompile(`\(\d+(\.\d+)?s\)`), "(<time>)"},
}

// maskFaultRow masks what varies between runs in a faults table row; the
// seconds column goes, and cached steps the lab recorded count as none.
func maskFaultRow(row string) string {
	for _, m := range faultMasks {
		row = m.re.ReplaceAllString(row, m.with)
	}
	cells := strings.Split(row, " | ")
	if n := len(cells); n >= 5 {
		cells[n-2] = "<seconds>"
		// How many cached steps a classic build leaves depends on what the
		// cache held before; what matters is that clean removes them all.
		cells[n-1] = cachedSteps.ReplaceAllStringFunc(cells[n-1], func(m string) string {
			if g := cachedSteps.FindStringSubmatch(m); g[1] == g[2] {
				return "nothing clean does not remove"
			}
			return m
		})
		cells[n-1] = strings.Replace(cells[n-1], "no images", "nothing clean does not remove", 1)
	}
	return strings.Join(cells, " | ")
}

var cachedSteps = regexp.MustCompile(`(\d+) cached build steps \((\d+) in the lab's record: clean removes those\)`)

// TestTTYProgressInATerminal runs a build in a real terminal (tmux) and reads
// the screen: BuildKit's tty display, as `docker build` shows it.
func TestTTYProgressInATerminal(t *testing.T) {
	testkit.Alone(t)
	screen := inTerminal(t, "build:v1", "multi-state:v1 = ", 50)
	// The header is BuildKit's tty frame. Its FINISHED mark is not asserted:
	// engine 20.10 can leave one cached vertex without a completed time, and
	// the display then ends at (12/13) with no mark (seen once in CI).
	assert.Regexp(t, `\[\+\] Building [\d.]+s \(\d+/\d+\)`, string(screen), "auto picks the tty display on a terminal")
	assert.Regexp(t, `=> (CACHED )?\[stage-0 5/5\] RUN +go build -o helloworld`, string(screen))
	assert.Regexp(t, `=> => naming to docker.io/library/multi-state:v1 +[\d.]+s`, string(screen))
	assert.Regexp(t, `multi-state:v1 = [0-9a-f]{12}`, string(screen))
	assert.NotContains(t, string(screen), "#1 ", "not the plain display")
}

func TestMaskFaultRowKeepsWhatMatters(t *testing.T) {
	a := "| no engine: refused TCP port | Error: no Docker Engine answers at DOCKER_HOST=tcp://127.0.0.1:34153: start Docker | 2 | 0.01 | 0 containers, 4 cached build steps (4 in the lab's record: clean removes those), no files |"
	b := "| no engine: refused TCP port | Error: no Docker Engine answers at DOCKER_HOST=tcp://127.0.0.1:40000: start Docker | 2 | 5.13 | 0 containers, 2 cached build steps (2 in the lab's record: clean removes those), no files |"
	assert.Equal(t, maskFaultRow(a), maskFaultRow(b))
	assert.Equal(t, maskFaultRow(a), maskFaultRow(strings.Replace(b, "2 cached build steps (2 in the lab's record: clean removes those)", "no images", 1)), "recorded steps are as good as none")
	assert.NotEqual(t, maskFaultRow(a), maskFaultRow(strings.Replace(b, "| 2 |", "| 1 |", 1)), "the exit code counts")
	assert.NotEqual(t, maskFaultRow(a), maskFaultRow(strings.Replace(b, "(2 in the lab's record", "(1 in the lab's record", 1)), "a step the record lacks counts")
	assert.NotEqual(t, maskFaultRow(a), maskFaultRow(strings.Replace(b, "0 containers", "1 containers", 1)), "a container left counts")
	assert.Equal(t, "| x | Error: invalid Dockerfile: <tmp>/v1.Dockerfile:2: WORKDIR | 2 | <seconds> | 0 containers, nothing clean does not remove, no files |",
		maskFaultRow("| x | Error: invalid Dockerfile: /tmp/TestFaultsbroken_Dockerfile3890809260/001/v1.Dockerfile:2: WORKDIR | 2 | 0.01 | 0 containers, no images, no files |"))
}

// TestBuildsTogetherShareOneLiveDisplay runs `build` in a real terminal
// (tmux): v1 gets BuildKit's live display, then v2, builder and runtime,
// which run side by side, share one, each step under its image's name, as
// docker buildx bake shows its targets; their result lines follow.
func TestBuildsTogetherShareOneLiveDisplay(t *testing.T) {
	testkit.Alone(t)
	screen := inTerminal(t, "build", "multi-state:runtime = ", 150)
	s := string(screen)
	assert.Len(t, regexp.MustCompile(`\[\+\] Building [\d.]+s \(\d+/\d+\)`).FindAllString(s, -1), 2,
		"two live displays: v1's, and one for the three that run together:\n%s", s)
	for _, name := range []string{"v2", "builder", "runtime"} {
		assert.Regexp(t, `=> (CACHED )?\[`+name+`\] \[`, s, "%s's steps, under its name", name)
	}
	shared := s[strings.LastIndex(s, "[+] Building"):]
	for _, tag := range []string{"multi-state:v2 = ", "multi-state:builder = ", "multi-state:runtime = "} {
		assert.Contains(t, shared, tag, "the result lines follow the shared display")
	}
	assert.NotContains(t, s, "#1 ", "not the plain display")
}

// inTerminal runs the task binary's target with BuildKit and LAB_PROGRESS=
// auto in a real terminal (tmux, 200 columns by rows), requires exit 0,
// and returns the screen and its scrollback once until shows there.
func inTerminal(t *testing.T, target, until string, rows int) []byte {
	t.Helper()
	tm := startInTerminal(t, nil, target, rows)
	tm.waitExit(t, 0)
	return tm.screenWith(t, until)
}

// terminal is the task binary running in a tmux session.
type terminal struct {
	session, done string
}

// startInTerminal starts the task binary's target, with BuildKit,
// LAB_PROGRESS=auto and env, in a real terminal (tmux, 200 columns by
// rows).
func startInTerminal(t *testing.T, env []string, target string, rows int) *terminal {
	t.Helper()
	_, _ = realLab(t, settings.Settings{})
	testkit.NeedTool(t, "tmux", testkit.InstallTestTools)
	root, err := findTestRoot()
	require.NoError(t, err)
	tm := &terminal{session: "labtty" + randomSuffix(t), done: filepath.Join(t.TempDir(), "exit")}
	var vars strings.Builder
	for _, e := range append([]string{"LAB_BUILDER=buildkit", "LAB_PROGRESS=auto"}, env...) {
		k, v, _ := strings.Cut(e, "=")
		fmt.Fprintf(&vars, "%s=%q ", k, v)
	}
	script := fmt.Sprintf("cd %q && %s%q %s; echo $? > %q; sleep 60", root, vars.String(), taskBinary(t), target, tm.done)
	out, err := exec.Command("tmux", "new-session", "-d", "-s", tm.session, "-x", "200", "-y", fmt.Sprint(rows), script).CombinedOutput()
	require.NoError(t, err, string(out))
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", tm.session).Run() })
	return tm
}

// exited reports whether the target has ended.
func (tm *terminal) exited() bool {
	_, err := os.Stat(tm.done)
	return err == nil
}

// waitExit waits for the target's end and requires its exit code.
func (tm *terminal) waitExit(t *testing.T, code int) {
	t.Helper()
	require.Eventually(t, tm.exited, 180*time.Second, 200*time.Millisecond)
	got, err := os.ReadFile(tm.done)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(code), strings.TrimSpace(string(got)))
}

// screen is what the terminal shows now, with its scrollback.
func (tm *terminal) screen(t *testing.T) []byte {
	screen, err := exec.Command("tmux", "capture-pane", "-p", "-S", "-400", "-t", tm.session).Output()
	require.NoError(t, err)
	return screen
}

// screenWith reads the screen until until shows there. The exit file can
// appear before tmux has drawn the last bytes written, so it reads until
// the lab's own last line is there (or gives up and returns what is shown).
func (tm *terminal) screenWith(t *testing.T, until string) []byte {
	deadline := time.Now().Add(15 * time.Second)
	for {
		screen := tm.screen(t)
		if bytes.Contains(screen, []byte(until)) || time.Now().After(deadline) {
			return screen
		}
		time.Sleep(200 * time.Millisecond)
	}
}
