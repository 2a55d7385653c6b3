package testkit

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/magecompile"
)

// The target-level tests of every package run the lab as a user does: the
// Mage targets compiled once per test process into one binary, run in the
// project folder.
var (
	taskOnce sync.Once
	taskBin  string
	taskErr  error
)

// TaskBinary compiles the project's Mage targets (under root) once per test
// process and returns the binary's path.
func TaskBinary(root string) (string, error) {
	taskOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lab-task")
		if err != nil {
			taskErr = err
			return
		}
		taskBin = filepath.Join(dir, "lab")
		taskErr = magecompile.Compile(context.Background(), root, taskBin, nil)
	})
	return taskBin, taskErr
}

// Outcome is one run of the task binary.
type Outcome struct {
	Stdout, Stderr string
	Code           int
	Took           time.Duration
}

// Said is the last line of stderr, or of stdout when stderr is empty: what
// the user saw last.
func (o Outcome) Said() string {
	s := strings.TrimSpace(o.Stderr)
	if s == "" {
		s = strings.TrimSpace(o.Stdout)
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// InterruptAfter is the output a run waits for before it sends its
// interrupt, and how long it waits after seeing it.
const (
	InterruptAfter = "sleep 60"
	interruptDelay = 2 * time.Second
)

// RunTask runs the task binary in root with env added to the test's own
// environment. If interrupt is set, it is sent 2 s after stdout shows the
// InterruptAfter step running. A signal's death is reported as a shell
// does: 128 + the signal.
func RunTask(t testing.TB, root string, env []string, interrupt os.Signal, args ...string) Outcome {
	t.Helper()
	NeedEngine(t)
	bin, err := TaskBinary(root)
	require.NoError(t, err)
	cmd := exec.Command(bin, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	stdout := &watchBuffer{want: InterruptAfter, seen: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	start := time.Now()
	require.NoError(t, cmd.Start())
	if interrupt != nil {
		select {
		case <-stdout.seen:
			time.Sleep(interruptDelay)
			_ = cmd.Process.Signal(interrupt)
		case <-time.After(60 * time.Second):
			t.Error("the build never started")
		}
	}
	err = cmd.Wait()
	o := Outcome{Stdout: stdout.String(), Stderr: stderr.String(), Took: time.Since(start)}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		o.Code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			o.Code = 128 + int(ws.Signal())
		}
	} else {
		require.NoError(t, err)
	}
	return o
}

// watchBuffer is a goroutine-safe buffer that closes seen once want appears.
type watchBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func (w *watchBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
