package lab

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	e := os.Getenv("LAB_TEST_ENGINE_2")
	if e == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI names a second engine in LAB_TEST_ENGINE_2 (.ci/run starts one)")
		}
		t.Skip("LAB_TEST_ENGINE_2 names no second engine (scripts/engine29.sh start NAME containerd gives one)")
	}
	return e
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
// machine's engine and a second one: each holds the lab's images (the
// docker CLI says so), and the JUnit report has one passing testsuite of
// every assertion per engine. An engine that does not answer added to the
// list: exit 2, its own testsuite with an error, the two others still
// reported passing.
func TestLabOnSeveralEngines(t *testing.T) {
	_, _ = realLab(t, settings.Settings{})
	second := secondEngineForFleet(t)
	first := os.Getenv("DOCKER_HOST")
	if first == "" {
		first = "unix:///var/run/docker.sock"
	}
	path := filepath.Join(t.TempDir(), "r.xml")
	env := []string{"LAB_ENGINES=" + first + "," + second, "LAB_REPORT=junit", "LAB_REPORT_FILE=" + path}
	o := task(t, env, nil)
	require.Equal(t, 0, o.code, o.stdout+o.stderr)
	for _, e := range []string{first, second} {
		tags := sortedLines(docker(t, "-H", e, "image", "ls", "--format", "{{.Tag}}", Repository))
		assert.Equal(t, []string{"builder", "runtime", "v1", "v2"}, tags, "%s holds the lab's images", e)
	}
	// Every line of the engines' output is one engine's, whole.
	body, summary, ok := strings.Cut(o.stdout, "\nENGINE ")
	require.True(t, ok, o.stdout)
	for _, line := range strings.Split(strings.TrimSpace(body), "\n")[1:] {
		prefix, _, ok := strings.Cut(line, " | ")
		require.True(t, ok, "a line without its engine: %q", line)
		assert.Contains(t, []string{first, second}, strings.TrimSpace(prefix), line)
	}
	assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(first)+` +\S+ .*10 of 10 .* ok$`, summary)
	assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(second)+` +\S+ .*10 of 10 .* ok$`, summary)

	var doc junitDoc
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(data, &doc))
	require.Len(t, doc.Suites, 2)
	for i, e := range []string{first, second} {
		assert.Equal(t, e, doc.Suites[i].Name)
		assert.Equal(t, 10, doc.Suites[i].Tests, e)
		assert.Zero(t, doc.Suites[i].Failures+doc.Suites[i].Errors, e)
	}

	silent := "tcp://" + testkit.RefusedAddress(t)
	env[0] = "LAB_ENGINES=" + first + "," + second + "," + silent
	o = task(t, env, nil)
	assert.Equal(t, 2, o.code, o.stdout+o.stderr)
	assert.Contains(t, o.stderr, "1 of 3 engines failed; the worst: "+silent+": no Docker Engine answers at "+silent)
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
	_, _ = realLab(t, settings.Settings{})
	e := startSecondEngine(t)
	second := "unix://" + e.sock
	first := os.Getenv("DOCKER_HOST")
	if first == "" {
		first = "unix:///var/run/docker.sock"
	}
	// A cold step of 20 s on both engines: the second is stopped in it.
	slow := labDockerfiles(t, beforeBuild("RUN     sleep 20 && echo "+randomSuffix(t)))
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
