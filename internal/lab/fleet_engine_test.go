package lab

import (
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// secondEngineForFleet is another engine than the machine's, in a network
// namespace of its own (.ci/run starts an Engine 29.8 and names it in
// LAB_TEST_ENGINE_2).
func secondEngineForFleet(t *testing.T) string {
	testkit.NeedEngine(t)
	e := os.Getenv("LAB_TEST_ENGINE_2")
	if e == "" {
		testkit.Missing(t, "a second engine in LAB_TEST_ENGINE_2 (scripts/engine29.sh start NAME containerd gives one; .ci/run starts it)")
	}
	return e
}

// machineEngine is the machine's engine as LAB_ENGINES names it.
func machineEngine() string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return "unix:///var/run/docker.sock"
}

type junitDoc struct {
	Suites []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Cases    []struct {
			Name  string `xml:"name,attr"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestLabOnSeveralEngines runs `go tool mage` with LAB_ENGINES naming the
// machine's engine, a second one by URL and a third by a docker context's
// name: each holds the lab's images (the
// docker CLI says so), and the JUnit report has one passing testsuite of
// every assertion per engine. An engine that does not answer added to the
// list: exit 2, its own testsuite with an error, the two others still
// reported passing.
func TestLabOnSeveralEngines(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	second := secondEngineForFleet(t)
	// The third is named as a teacher names a student's engine: by a
	// docker context (in a docker config folder of the test's own).
	third := "unix://" + startSecondEngine(t).sock
	config := t.TempDir()
	docker(t, "--config", config, "context", "create", "student-3", "--docker", "host="+third)
	first := machineEngine()
	engines := []string{first, second, "student-3"}
	hosts := map[string]string{first: first, second: second, "student-3": third}
	path := filepath.Join(t.TempDir(), "r.xml")
	env := []string{"LAB_ENGINES=" + strings.Join(engines, ","), "LAB_REPORT=junit", "LAB_REPORT_FILE=" + path, "DOCKER_CONFIG=" + config}
	o := task(t, env, nil)
	require.Equal(t, 0, o.code, o.stdout+o.stderr)
	for _, e := range engines {
		tags := sortedLines(docker(t, "-H", hosts[e], "image", "ls", "--format", "{{.Tag}}", Repository))
		assert.Equal(t, []string{"builder", "runtime", "v1", "v2"}, tags, "%s holds the lab's images", e)
	}
	// Every line of the engines' output is one engine's, whole.
	body, summary, ok := strings.Cut(o.stdout, "\nENGINE ")
	require.True(t, ok, o.stdout)
	for _, line := range strings.Split(strings.TrimSpace(body), "\n")[1:] {
		prefix, _, ok := strings.Cut(line, " | ")
		require.True(t, ok, "a line without its engine: %q", line)
		assert.Contains(t, engines, strings.TrimSpace(prefix), line)
	}
	for _, e := range engines {
		assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(e)+` +\S+ .*10 of 10 .* ok$`, summary)
	}

	var doc junitDoc
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(data, &doc))
	require.Len(t, doc.Suites, 3)
	for i, e := range engines {
		assert.Equal(t, e, doc.Suites[i].Name)
		assert.Equal(t, 10, doc.Suites[i].Tests, e)
		assert.Zero(t, doc.Suites[i].Failures+doc.Suites[i].Errors, e)
	}

	silent := "tcp://" + testkit.RefusedAddress(t)
	env[0] = "LAB_ENGINES=" + first + "," + second + "," + silent
	o = task(t, env, nil)
	assert.Equal(t, 2, o.code, o.stdout+o.stderr)
	assert.Contains(t, o.stderr, "1 of 3 engines failed; the worst: "+silent+": no Docker Engine answers at "+silent)
	// The Done-when of the issue: the machine's engine and a second one,
	// plus one that does not answer.
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	doc = junitDoc{}
	require.NoError(t, xml.Unmarshal(data, &doc))
	require.Len(t, doc.Suites, 3)
	for i := range 2 {
		assert.Equal(t, 10, doc.Suites[i].Tests)
		assert.Zero(t, doc.Suites[i].Failures+doc.Suites[i].Errors, "the reachable engines still pass")
	}
	assert.Equal(t, silent, doc.Suites[2].Name)
	assert.Equal(t, 1, doc.Suites[2].Errors)
	require.Len(t, doc.Suites[2].Cases, 1)
	require.NotNil(t, doc.Suites[2].Cases[0].Error)
	assert.Contains(t, doc.Suites[2].Cases[0].Error.Message, "no Docker Engine answers at "+silent)
}

// TestAnEngineStoppedMidRun: of two engines, the second (a 20.10 in a
// network namespace of its own) is stopped while its cold build runs. Its
// row fails, the machine's engine finishes and is reported passing, and
// the exit code is not 0.
func TestAnEngineStoppedMidRun(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	e := startSecondEngine(t)
	second := "unix://" + e.sock
	first := machineEngine()
	// A cold step of 20 s on both engines: the second is stopped in it.
	slow := labDockerfiles(t, afterBuild("RUN     sleep 20 && echo "+randomSuffix(t)))
	path := filepath.Join(t.TempDir(), "r.xml")
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		deadline := time.Now().Add(60 * time.Second)
		// Stop it once its build has begun: the stand-ins are made first.
		for time.Now().Before(deadline) {
			out, _ := exec.Command("docker", "-H", second, "image", "ls", "-q", "alpine:latest").Output()
			if len(strings.TrimSpace(string(out))) > 0 {
				time.Sleep(3 * time.Second)
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		e.stop()
	}()
	o := task(t, []string{"LAB_ENGINES=" + first + "," + second, "LAB_DOCKERFILES=" + slow, "LAB_REPORT=junit", "LAB_REPORT_FILE=" + path, "LAB_PROGRESS=quiet"}, nil)
	<-stopped
	assert.NotEqual(t, 0, o.code, o.stdout+o.stderr)
	assert.Contains(t, o.stderr, "1 of 2 engines failed; the worst: "+second+": ")
	assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(first)+` +\S+ .* ok$`, o.stdout, "the machine's engine finished")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc junitDoc
	require.NoError(t, xml.Unmarshal(data, &doc))
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, 10, doc.Suites[0].Tests)
	assert.Zero(t, doc.Suites[0].Failures+doc.Suites[0].Errors, "the machine's engine passed")
	assert.Equal(t, second, doc.Suites[1].Name)
	assert.Equal(t, 1, doc.Suites[1].Errors, "the stopped engine is an error")
}

// TestTheBoardInATerminal runs `go tool mage` on two engines in a real
// terminal (tmux): while they build, the screen holds one live line per
// engine with what it does; at the end each line says done with its
// assertions, the summary follows, and each engine's whole output is in a
// log file of its own instead of on the screen.
func TestTheBoardInATerminal(t *testing.T) {
	testkit.Alone(t)
	second := secondEngineForFleet(t)
	first := machineEngine()
	// A step of a few seconds, so the board is seen while it builds.
	slow := labDockerfiles(t, beforeBuild("RUN     sleep 4 && echo "+randomSuffix(t)))
	tm := startInTerminal(t, []string{"LAB_ENGINES=" + first + "," + second, "LAB_DOCKERFILES=" + slow}, "", 50)
	row := func(e, what string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(what[:1]) + ` ` + regexp.QuoteMeta(e) + ` +\d+\.\ds +` + what[2:])
	}
	building := map[string]bool{}
	for !tm.exited() {
		s := tm.screen(t)
		for _, e := range []string{first, second} {
			if row(e, "> building v1").Match(s) {
				building[e] = true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	tm.waitExit(t, 0)
	assert.True(t, building[first] && building[second], "each engine's line said it was building v1: %v", building)
	s := tm.screenWith(t, "each engine's output: build/logs")
	for _, e := range []string{first, second} {
		assert.Regexp(t, row(e, "+ done, 10/10 passed$"), string(s))
		assert.NotContains(t, string(s), e+" | ", "no prefixed lines on a terminal")
	}
	assert.Contains(t, string(s), "\nENGINE ", "the summary follows")
	root, err := findTestRoot()
	require.NoError(t, err)
	logs, err := filepath.Glob(filepath.Join(root, "build", "logs", "*.log"))
	require.NoError(t, err)
	require.Len(t, logs, 2, "a log per engine")
	for _, l := range logs {
		data, err := os.ReadFile(l)
		require.NoError(t, err)
		for _, want := range []string{"multi-state:runtime = ", "10 of 10 assertions passed", "Hello World"} {
			assert.True(t, strings.Contains(string(data), want), "%s holds the engine's output: %q", l, want)
		}
	}
}

// TestCtrlCStopsEveryEngine interrupts `build` on two engines while both
// are in a slow build step, with each builder (the classic builder's step
// runs in a container): exit 130 within seconds, and on each engine no
// container is left and no lab tag moved.
func TestCtrlCStopsEveryEngine(t *testing.T) {
	testkit.Alone(t)
	for _, builder := range []string{"buildkit", "classic"} {
		t.Run(builder, func(t *testing.T) { ctrlCOnEngines(t, builder) })
	}
}

func ctrlCOnEngines(t *testing.T, builder string) {
	_, _ = realLab(t, settings.Settings{})
	engines := []string{machineEngine(), secondEngineForFleet(t)}
	// Both engines hold the lab first, so a moved tag would show.
	b := task(t, []string{"LAB_ENGINES=" + strings.Join(engines, ",")}, nil, "build")
	require.Equal(t, 0, b.code, b.stdout+b.stderr)
	type state struct{ containers, tags []string }
	look := func(e string) state {
		return state{
			containers: engineContainers(t, "-H", e),
			tags:       sortedLines(strings.ReplaceAll(docker(t, "-H", e, "image", "ls", "--no-trunc", "--format", "{{.Tag}}={{.ID}}", Repository), "\n", " ")),
		}
	}
	before := map[string]state{}
	for _, e := range engines {
		before[e] = look(e)
	}

	slow := labDockerfiles(t, beforeBuild("RUN     sleep 60 && echo "+randomSuffix(t)))
	root, err := findTestRoot()
	require.NoError(t, err)
	cmd := exec.Command(taskBinary(t), "build")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "LAB_ENGINES="+strings.Join(engines, ","), "LAB_DOCKERFILES="+slow, "LAB_PROGRESS=plain", "LAB_BUILDER="+builder)
	out := &testkit.Buffer{}
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = out, &stderr
	require.NoError(t, cmd.Start())
	// Interrupted once every engine runs the slow step.
	running := func() bool {
		for _, e := range engines {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(e) + ` +\| .*RUN +sleep 60`).MatchString(out.String()) {
				return false
			}
		}
		return true
	}
	require.Eventually(t, running, 120*time.Second, 100*time.Millisecond, "both engines reach the slow step:\n%s", out)
	time.Sleep(2 * time.Second)
	if builder == "classic" {
		for _, e := range engines {
			assert.Greater(t, len(look(e).containers), len(before[e].containers), "%s runs the step in a container", e)
		}
	}
	sent := time.Now()
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	err = cmd.Wait()
	took := time.Since(sent)
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, out.String())
	assert.Equal(t, 130, ee.ExitCode(), stderr.String())
	assert.Less(t, took, 20*time.Second, "every engine stops at once")
	assert.Contains(t, stderr.String(), "interrupted: ")
	for _, e := range engines {
		assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(e)+` +- .* interrupted$`, out.String(), "%s's row says it was interrupted", e)
		// An engine removes a cancelled build's container a moment later.
		assert.Eventually(t, func() bool { return slices.Equal(look(e).containers, before[e].containers) }, 20*time.Second, 500*time.Millisecond,
			"%s: no container left", e)
		assert.Equal(t, before[e].tags, look(e).tags, "%s: no lab tag moved", e)
	}
}

// TestLabOverSSH runs `go tool mage` with LAB_ENGINES naming an engine by
// ssh://, as a teacher reaches a student's machine: an sshd of the test's
// own on loopback, whose remote `docker system dial-stdio` reaches the
// machine's engine, beside the second engine by URL. The keys and the ssh
// client's settings are the test's own (an `ssh` first on PATH that adds
// them): nothing of the user's ssh folder is read or written.
func TestLabOverSSH(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	second := secondEngineForFleet(t)
	ssh, path, log := startSSHD(t)
	engines := []string{ssh, second}
	o := task(t, []string{"LAB_ENGINES=" + strings.Join(engines, ","), "PATH=" + path + string(os.PathListSeparator) + os.Getenv("PATH")}, nil)
	require.Equal(t, 0, o.code, o.stdout+o.stderr)
	for _, e := range engines {
		assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(e)+` +\S+ .*10 of 10 .* ok$`, o.stdout)
	}
	assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(ssh)+` +\| +multi-state:v1 = [0-9a-f]{12}`, o.stdout)
	tags := sortedLines(docker(t, "image", "ls", "--format", "{{.Tag}}", Repository))
	assert.Equal(t, []string{"builder", "runtime", "v1", "v2"}, tags, "the machine's engine, reached over ssh, holds the lab's images")
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Contains(t, string(data), "Accepted publickey for root from 127.0.0.1", "the lab went through ssh")
}

// sshWithKey writes into dir an ssh config that offers only key, and a
// folder holding an `ssh` that uses it (first on PATH, it leaves the user's
// ~/.ssh untouched); it returns that folder.
func sshWithKey(t *testing.T, dir, key string) string {
	conf := fmt.Sprintf("Host *\n  IdentityFile %s\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n", key)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ssh_config"), []byte(conf), 0o600))
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.Mkdir(bin, 0o755))
	wrapper := fmt.Sprintf("#!/bin/sh\nexec /usr/bin/ssh -F %s \"$@\"\n", filepath.Join(dir, "ssh_config"))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "ssh"), []byte(wrapper), 0o755))
	return bin
}

// startSSHD starts an sshd on a loopback port that lets root in with a key
// of the test's own, and returns the engine URL, a folder holding an `ssh`
// that uses that key, and sshd's log.
func startSSHD(t *testing.T) (url, bin, log string) {
	const sshd = "/usr/sbin/sshd"
	for _, tool := range []string{sshd, "/usr/bin/ssh", "/usr/bin/ssh-keygen"} {
		testkit.NeedTool(t, tool, testkit.InstallTestTools)
	}
	testkit.NeedRoot(t, "the ssh engine test logs in as root")
	dir := t.TempDir()
	for _, k := range []string{"id", "host"} {
		run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, k))
	}
	pub, err := os.ReadFile(filepath.Join(dir, "id.pub"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600))
	port := testkit.RefusedAddress(t) // a free loopback port
	_, p, _ := strings.Cut(port, ":")
	log = filepath.Join(dir, "sshd.log")
	conf := fmt.Sprintf("Port %s\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nStrictModes no\nUsePAM no\nPidFile %s\n",
		p, filepath.Join(dir, "host"), filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "sshd.pid"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(conf), 0o600))
	bin = sshWithKey(t, dir, filepath.Join(dir, "id"))
	// sshd's privilege separation folder, which a machine without a
	// running sshd may lack.
	require.NoError(t, os.MkdirAll("/run/sshd", 0o755))
	cmd := exec.Command(sshd, "-D", "-f", filepath.Join(dir, "sshd_config"), "-E", log)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url = "ssh://root@" + port
	require.Eventually(t, func() bool {
		c := exec.Command("docker", "-H", url, "version", "--format", "{{.Server.Version}}")
		c.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		return c.Run() == nil
	}, 20*time.Second, 200*time.Millisecond, "the engine answers over ssh")
	return url, bin, log
}

// TestAnSSHEngineThatRefusesTheKey: an ssh:// engine whose sshd refuses the
// key ssh offers is named for that, exit 2, with what to try first.
func TestAnSSHEngineThatRefusesTheKey(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	url, _, log := startSSHD(t)
	dir := t.TempDir()
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, "other"))
	bin := sshWithKey(t, dir, filepath.Join(dir, "other"))

	before := takeSnapshot(t)
	seen, err := os.ReadFile(log)
	require.NoError(t, err)
	o := task(t, []string{"DOCKER_HOST=" + url, "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}, nil, "build:v1")
	assert.Equal(t, 2, o.code, o.stdout+o.stderr)
	t.Logf("said: %s", o.stderr)
	assert.Contains(t, o.stderr, "the ssh server refused the login (Permission denied (publickey")
	_, port, _ := strings.Cut(strings.TrimPrefix(url, "ssh://root@"), ":")
	assert.Contains(t, o.stderr, "`ssh -p "+port+" root@127.0.0.1 docker version` must work first")
	assert.Equal(t, before, takeSnapshot(t))
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.NotContains(t, string(data[len(seen):]), "Accepted publickey", "the lab's ssh did not log in")
	assert.Contains(t, string(data[len(seen):]), "Connection closed by authenticating user root", "the lab's ssh tried")
}
