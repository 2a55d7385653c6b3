package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/enginelock"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// started is a run of the task binary that the test waits for later.
type started struct {
	cmd            *exec.Cmd
	stdout, stderr testkit.Buffer
}

func startTask(t *testing.T, env []string, args ...string) *started {
	t.Helper()
	root, err := findTestRoot()
	require.NoError(t, err)
	bin, err := testkit.TaskBinary(root)
	require.NoError(t, err)
	s := &started{cmd: exec.Command(bin, args...)}
	s.cmd.Dir = root
	s.cmd.Env = append(append(os.Environ(), "LAB_PROGRESS=plain"), env...)
	s.cmd.Stdout, s.cmd.Stderr = &s.stdout, &s.stderr
	require.NoError(t, s.cmd.Start())
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
	})
	return s
}

func (s *started) wait() outcome {
	err := s.cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return outcome{stdout: s.stdout.String(), stderr: s.stderr.String(), code: code}
}

// lockHolder is the lock's holder on the engine DOCKER_HOST names, as the
// docker CLI sees it: the pid in the name of the holder's card
// (multistage-lab-lock.PID.SINCE.TARGET.HOST), or "" when no run holds it.
func lockHolder(t *testing.T) string {
	out, err := exec.Command("docker", "container", "ls", "-a", "--filter", "label="+enginelock.Label, "--format", "{{.Names}}").Output()
	require.NoError(t, err)
	for _, name := range strings.Fields(string(out)) {
		if rest, ok := strings.CutPrefix(name, enginelock.Name+"."); ok {
			pid, _, _ := strings.Cut(rest, ".")
			return pid
		}
	}
	return ""
}

func waitForLockOf(t *testing.T, pid int) {
	t.Helper()
	require.Eventually(t, func() bool { return lockHolder(t) == fmt.Sprint(pid) }, 60*time.Second, 50*time.Millisecond, "run %d never took the engine's lock", pid)
}

// TestTwoRunsOnOneEngineTakeTurns: two `go tool mage` runs at once on one
// engine, each with a step no cache holds, the second started while the first holds
// the engine: both pass 10 of 10, and the second says it waited for the
// first.
func TestTwoRunsOnOneEngineTakeTurns(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	host, _ := os.Hostname()
	for _, builder := range []string{"buildkit", "classic"} {
		t.Run(builder, func(t *testing.T) {
			// A step no cache holds: the first run builds it, and the
			// second starts while it does.
			cold := labDockerfiles(t, afterBuild("RUN     echo "+randomSuffix(t)))
			env := []string{"LAB_BUILDER=" + builder, "LAB_DOCKERFILES=" + cold}
			first := startTask(t, env)
			waitForLockOf(t, first.cmd.Process.Pid)
			second := task(t, env, nil)
			firstOut := first.wait()
			require.Equal(t, 0, firstOut.code, firstOut.stdout+firstOut.stderr)
			require.Equal(t, 0, second.code, second.stdout+second.stderr)
			assert.Contains(t, firstOut.stdout, "10 of 10 assertions passed")
			assert.Contains(t, second.stdout, "10 of 10 assertions passed")
			assert.Contains(t, second.stdout, fmt.Sprintf("the engine is busy: all on %s (pid %d), since ", host, first.cmd.Process.Pid))
			assert.Regexp(t, `got the engine's lock after waiting \d+\.\ds`, second.stdout)
			assert.NotContains(t, firstOut.stdout, "the engine is busy")
			assert.NotContains(t, firstOut.stdout+firstOut.stderr, "warning")
			assert.Empty(t, lockHolder(t), "both runs gave the lock back")
		})
	}
}

// TestAKilledHolderIsTakenOver: a run killed with SIGKILL cannot give the
// lock back; the next run on the same host sees that its process is gone,
// takes the lock over at once, says so, and passes.
func TestAKilledHolderIsTakenOver(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	killed := startTask(t, nil, "build")
	pid := killed.cmd.Process.Pid
	waitForLockOf(t, pid)
	require.NoError(t, killed.cmd.Process.Kill())
	_ = killed.cmd.Wait()
	require.Equal(t, fmt.Sprint(pid), lockHolder(t), "a killed run leaves its lock")

	o := task(t, nil, nil)
	require.Equal(t, 0, o.code, o.stdout+o.stderr)
	assert.Contains(t, o.stdout, fmt.Sprintf("taking over a stale lock: build on "))
	assert.Contains(t, o.stdout, fmt.Sprintf("(pid %d), since ", pid))
	assert.Contains(t, o.stdout, fmt.Sprintf("and process %d is gone from this host", pid))
	assert.Contains(t, o.stdout, "10 of 10 assertions passed")
	assert.Empty(t, lockHolder(t))
}

// TestAWaitThatOutlastsLAB_LOCK_TIMEOUT: a run that another holds the
// engine from longer than LAB_LOCK_TIMEOUT exits 2 naming the holder, and
// changes nothing; Ctrl-C while waiting exits 130, also changing nothing.
func TestAWaitThatOutlastsLAB_LOCK_TIMEOUT(t *testing.T) {
	testkit.Alone(t)
	l, _ := realLab(t, settings.Settings{})
	ctx := t.Context()
	// Held by this test's process, which lives: no stale lock to take over.
	held, err := enginelock.Acquire(ctx, l.Client, enginelock.Options{Target: "a test"})
	require.NoError(t, err)
	defer held.Release()

	before := takeSnapshot(t)
	o := task(t, []string{"LAB_LOCK_TIMEOUT=2s"}, nil, "clean")
	assert.Equal(t, 2, o.code, o.stdout+o.stderr)
	assert.Contains(t, o.stderr, "the engine is busy: a test on ")
	assert.Contains(t, o.stderr, fmt.Sprintf("(pid %d)", os.Getpid()))
	assert.Contains(t, o.stderr, "longer than LAB_LOCK_TIMEOUT (2s)")
	assert.Equal(t, before, takeSnapshot(t))

	waiting := startTask(t, nil, "clean")
	require.Eventually(t, func() bool { return strings.Contains(waiting.stdout.String(), "the engine is busy") }, 30*time.Second, 50*time.Millisecond)
	require.NoError(t, waiting.cmd.Process.Signal(os.Interrupt))
	w := waiting.wait()
	assert.Equal(t, 130, w.code, w.stdout+w.stderr)
	assert.Equal(t, before, takeSnapshot(t))
	assert.Equal(t, fmt.Sprint(os.Getpid()), lockHolder(t), "the waiter left the holder's lock alone")
}

// TestCleanAllKeepsTheLock: clean:all, confirmed, removes every container
// and image but the lock it holds, and says it kept it.
func TestCleanAllKeepsTheLock(t *testing.T) {
	testkit.OwnEngine(t)
	e := startSecondEngine(t)
	host := "unix://" + e.sock
	o := task(t, []string{"DOCKER_HOST=" + host, "LAB_CONFIRM=clean-all"}, nil, "clean:all")
	require.Equal(t, 0, o.code, o.stdout+o.stderr)
	assert.Contains(t, o.stdout, "kept the lab's lock (container multistage-lab-lock and image multistage-lab-lock:v1): clean:all on ")
	c, err := client.NewClientWithOpts(client.WithHost(host), client.WithAPIVersionNegotiation())
	require.NoError(t, err)
	defer c.Close()
	_, ok, err := enginelock.Held(context.Background(), c)
	require.NoError(t, err)
	assert.False(t, ok, "the run gave its lock back at the end")
}

// TestAHeldEngineWaitsItsTurnInAFleet: with LAB_ENGINES naming an engine
// that another run holds, that engine's row waits, the other engine goes on
// and passes, and the held engine passes once the lock is given back.
func TestAHeldEngineWaitsItsTurnInAFleet(t *testing.T) {
	testkit.Alone(t)
	l, _ := realLab(t, settings.Settings{})
	second := secondEngineForFleet(t)
	held, err := enginelock.Acquire(t.Context(), l.Client, enginelock.Options{Target: "a student's run"})
	require.NoError(t, err)
	defer held.Release()

	machine := machineEngine()
	run := startTask(t, []string{"LAB_ENGINES=" + machine + "," + second})
	passedOn := func(engine string) bool {
		for _, line := range strings.Split(run.stdout.String(), "\n") {
			if strings.HasPrefix(line, engine+" ") && strings.Contains(line, "10 of 10 assertions passed") {
				return true
			}
		}
		return false
	}
	require.Eventually(t, func() bool { return passedOn(second) }, 5*time.Minute, 100*time.Millisecond, "the other engine did not go on: %s", run.stdout.String())
	assert.False(t, passedOn(machine), "the held engine waited")
	assert.Contains(t, run.stdout.String(), "the engine is busy: a student's run on ")
	held.Release()
	o := run.wait()
	require.Equal(t, 0, o.code, o.stdout+o.stderr)
	assert.True(t, passedOn(machine), o.stdout)
	assert.Regexp(t, `got the engine's lock after waiting \d+\.\ds`, o.stdout)
}

// createFirst is an engine client whose next ContainerCreate first runs
// before.
type createFirst struct {
	enginelock.Client
	before func()
}

func (c *createFirst) ContainerCreate(ctx context.Context, cfg *container.Config, hc *container.HostConfig, nc *network.NetworkingConfig, p *v1.Platform, name string) (container.CreateResponse, error) {
	if b := c.before; b != nil {
		c.before = nil
		b()
	}
	return c.Client.ContainerCreate(ctx, cfg, hc, nc, p, name)
}

// TestRunsThatFindNoLockTakeTurns: on an engine that has no lock yet, a
// run that finds none makes one while another run makes one and takes it:
// it sees the engine has a lock, removes its own and waits.
// Then, with no lock on the engine again, four runs take the lock and give
// it back over and over, all at once: never two holders at a time, and one
// free lock container at the end, as the docker CLI sees it.
func TestRunsThatFindNoLockTakeTurns(t *testing.T) {
	testkit.OwnEngine(t)
	e := startSecondEngine(t)
	host := "unix://" + e.sock
	c, err := client.NewClientWithOpts(client.WithHost(host), client.WithAPIVersionNegotiation())
	require.NoError(t, err)
	defer c.Close()
	locks := func() []string {
		out, err := exec.Command("docker", "--host", host, "container", "ls", "-a", "--filter", "label="+enginelock.Label+"=container", "--format", "{{.Names}}").Output()
		require.NoError(t, err)
		return strings.Fields(string(out))
	}
	opts := func(run int) enginelock.Options {
		// A host of its own: each holder is named apart.
		return enginelock.Options{Target: "turns", Host: fmt.Sprint("run-", run), Poll: 10 * time.Millisecond, Timeout: 2 * time.Minute}
	}

	first := make(chan *enginelock.Lock, 1)
	late := &createFirst{Client: c, before: func() {
		l, err := enginelock.Acquire(t.Context(), c, opts(1))
		assert.NoError(t, err)
		first <- l
	}}
	got := make(chan error, 1)
	var second *enginelock.Lock
	go func() {
		var err error
		second, err = enginelock.Acquire(t.Context(), late, opts(2))
		got <- err
	}()
	l := <-first
	require.NotNil(t, l)
	testkit.StillWaiting(t, got, time.Second, "the second run took the engine while the first held it")
	assert.Equal(t, []string{enginelock.Name}, locks(), "one lock, held: the second run's went")
	h, ok, err := enginelock.Held(t.Context(), c)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "run-1", h.Host)
	l.Release()
	require.NoError(t, <-got)
	h, ok, err = enginelock.Held(t.Context(), c)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "run-2", h.Host)
	second.Release()
	assert.Equal(t, []string{enginelock.Free}, locks(), "one lock container is left")

	// No lock on the engine again: four runs at once.
	for _, name := range locks() {
		require.NoError(t, c.ContainerRemove(t.Context(), name, container.RemoveOptions{Force: true}))
	}
	taken, most := testkit.TakeTurns(4, 8, 5*time.Millisecond, func(run int) (func(), bool) {
		l, err := enginelock.Acquire(t.Context(), c, opts(run))
		return func() { l.Release() }, assert.NoError(t, err)
	})
	assert.Equal(t, 32, taken)
	assert.Equal(t, 1, most, "never two holders at once")
	assert.Equal(t, []string{enginelock.Free}, locks(), "one lock container, given back")
}
