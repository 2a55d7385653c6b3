package targets

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/magefile/mage/mg"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/engine/enginetest"
	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/output"
)

// These tests run the targets in this process, on an Env of their own:
// buffers for the streams, a map for the variables, and the fake engine.

// testEnv is an Env in the project folder with these variables and the
// engine e (nil: a test that must not reach the engine fails if it does).
func testEnv(t *testing.T, vars map[string]string, e *enginetest.Seed) (Env, *bytes.Buffer) {
	t.Helper()
	vars["LAB_LEDGER_DIR"] = t.TempDir()
	vars["DOCKER_CONFIG"] = t.TempDir()
	var out, errs bytes.Buffer
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	vars["LAB_PROGRESS"] = "quiet"
	env := Env{
		Streams: output.Streams{In: strings.NewReader(""), Out: &out, Err: &errs},
		Getenv:  func(k string) string { return vars[k] },
		Dir:     dir,
		Args:    []string{"verify"},
		Connect: func(context.Context, string) (engine.Client, error) {
			if e == nil {
				t.Error("the engine was reached")
				return nil, engine.ErrUnreachable
			}
			return e.Client(), nil
		},
	}
	return env, &out
}

func TestABadSettingIsExit2BeforeTheEngine(t *testing.T) {
	t.Parallel()
	env, out := testEnv(t, map[string]string{"LAB_BUILDER": "kaniko"}, nil)
	err := Run(t.Context(), env, func(*lab.Lab, context.Context) error {
		t.Error("the step ran")
		return nil
	})
	require.Error(t, err)
	assert.Equal(t, 2, mg.ExitStatus(err))
	assert.Equal(t, `LAB_BUILDER="kaniko" is not valid: use one of buildkit, classic`, err.Error())
	assert.Empty(t, out.String())
}

// checkLine is the line of the lab file's check whose name starts with
// prefix.
func checkLine(t *testing.T, labFile, prefix string) int {
	f, err := os.Open(labFile)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), "name: "+prefix) {
			return n
		}
	}
	t.Fatalf("%s has no check %s", labFile, prefix)
	return 0
}

func TestAFailedCheckIsAnnotatedForGitHub(t *testing.T) {
	t.Parallel()
	e := enginetest.NewSeed()
	for _, target := range []string{"v1", "v2", "builder", "runtime"} {
		e.Images["multi-state:"+target] = enginetest.Built(target)
	}
	e.Stdout = "Hello\n" // the program prints something else: check 7 fails
	summary := filepath.Join(t.TempDir(), "step-summary.md")
	env, out := testEnv(t, map[string]string{"GITHUB_STEP_SUMMARY": summary}, e)
	env.Getenv = func(k string) string {
		return map[string]string{"GITHUB_STEP_SUMMARY": summary, "GITHUB_WORKSPACE": env.Dir, "LAB_PROGRESS": "quiet", "LAB_REPORT": "junit", "LAB_REPORT_FILE": filepath.Join(t.TempDir(), "r.xml")}[k]
	}

	err := RunVerifying(t.Context(), env, (*lab.Lab).Verify)
	require.Equal(t, 1, mg.ExitStatus(err), "%v\n%s", err, out)
	line := checkLine(t, filepath.Join(env.Dir, "dockerfiles", "lab.yaml"), "7.")
	assert.Contains(t, out.String(), fmt.Sprintf("::error title=7. a runtime container prints Hello World,file=dockerfiles/lab.yaml,line=%d::", line))
	assert.Equal(t, 1, strings.Count(out.String(), "::error"), "one check failed")
	assert.Contains(t, out.String(), "FAIL  7. a runtime container prints Hello World", "the terminal's view too")
	assert.Contains(t, out.String(), "report (junit): ", "and the report file")
	md, err := os.ReadFile(summary)
	require.NoError(t, err)
	assert.Contains(t, string(md), "9 of 10 assertions passed")
}

// TestAFleetRunsInProcess: LAB_ENGINES with three engines, each reached
// through the Env: one passes, one fails a check, one does not answer. The
// summary names each, the report holds all three, GitHub gets the failed
// check at its line with the engine's name, and the exit code is the worst
// engine's (2: one did not answer).
func TestAFleetRunsInProcess(t *testing.T) {
	t.Parallel()
	const good, failing, gone = "tcp://good.example:2375", "tcp://failing.example:2375", "tcp://gone.example:2375"
	engines := map[string]*enginetest.Seed{good: enginetest.NewSeed(), failing: enginetest.NewSeed()}
	for _, e := range engines {
		for _, target := range []string{"v1", "v2", "builder", "runtime"} {
			e.Images["multi-state:"+target] = enginetest.Built(target)
		}
	}
	engines[failing].Stdout = "Hello\n"
	dir := t.TempDir()
	summary, junit := filepath.Join(dir, "summary.md"), filepath.Join(dir, "fleet.xml")
	env, out := testEnv(t, map[string]string{}, nil)
	vars := map[string]string{
		"LAB_ENGINES": good + "," + failing + "," + gone, "LAB_PROGRESS": "plain",
		"LAB_REPORT": "junit", "LAB_REPORT_FILE": junit,
		"GITHUB_STEP_SUMMARY": summary, "GITHUB_WORKSPACE": env.Dir,
	}
	env.Getenv = func(k string) string { return vars[k] }
	env.Connect = func(_ context.Context, target string) (engine.Client, error) {
		if e, ok := engines[target]; ok {
			return e.Client(), nil
		}
		return nil, fmt.Errorf("%w at %s", engine.ErrUnreachable, target)
	}

	err := RunVerifying(t.Context(), env, (*lab.Lab).Verify)
	assert.Equal(t, 2, mg.ExitStatus(err), "%v\n%s", err, out)
	assert.Contains(t, err.Error(), "2 of 3 engines failed")
	text := out.String()
	assert.Contains(t, text, "==> on 3 engines")
	assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(good)+` .* 10 of 10 .* ok$`, text)
	assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(failing)+` .* 9 of 10 `, text)
	assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(gone)+` .*`, text)
	line := checkLine(t, filepath.Join(env.Dir, "dockerfiles", "lab.yaml"), "7.")
	assert.Contains(t, text, fmt.Sprintf("::error title=%s%%3A 7. a runtime container prints Hello World,file=dockerfiles/lab.yaml,line=%d::", strings.ReplaceAll(failing, ":", "%3A"), line))
	assert.Equal(t, 1, strings.Count(text, "::error"), "one failed check on one engine")
	xml, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(string(xml), "<testsuite "), "a testsuite per engine")
	md, err := os.ReadFile(summary)
	require.NoError(t, err)
	assert.Contains(t, string(md), failing)
}

// The steps that verify inside them (all, walkthrough) return what their
// verify found, and the run writes it as the report LAB_REPORT asks for.
func TestTheStepsThatVerifyWriteTheReport(t *testing.T) {
	t.Parallel()
	for name, step := range map[string]Verifying{
		"all": (*lab.Lab).All,
		"walkthrough": func(l *lab.Lab, ctx context.Context) (*lab.Verification, error) {
			return l.Walkthrough(ctx, strings.NewReader(""))
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := enginetest.NewSeed()
			path := filepath.Join(t.TempDir(), "r.json")
			env, out := testEnv(t, map[string]string{"LAB_REPORT": "json", "LAB_REPORT_FILE": path, "CI": "true"}, e)
			require.NoError(t, RunVerifying(t.Context(), env, step), out.String())
			data, err := os.ReadFile(path)
			require.NoError(t, err, out.String())
			var r struct {
				Assertions []struct{ Name, Status string } `json:"assertions"`
			}
			require.NoError(t, json.Unmarshal(data, &r))
			assert.Len(t, r.Assertions, 10)
			for _, a := range r.Assertions {
				assert.Equal(t, "pass", a.Status, a.Name)
			}
		})
	}
}
