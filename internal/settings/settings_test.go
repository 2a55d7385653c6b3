package settings

import (
	"testing"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/progress"
	"github.com/multistage-lab/multistage-lab/internal/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	s, err := FromEnv(env(nil))
	require.NoError(t, err)
	assert.Equal(t, Settings{Builder: BuildKit, Progress: progress.Auto, Base: BaseAuto, EnginesParallel: DefaultEnginesParallel, LockTimeout: DefaultLockTimeout, BenchWarm: DefaultBenchWarm, BenchCold: DefaultBenchCold}, s)
}

func TestValidValues(t *testing.T) {
	s, err := FromEnv(env(map[string]string{
		"LAB_BUILDER":      "Classic",
		"LAB_PROGRESS":     " quiet ",
		"LAB_BASE":         "standin",
		"LAB_BUSYBOX":      "/opt/busybox",
		"LAB_CONFIRM":      "clean-all",
		"LAB_LOCK_TIMEOUT": "90s",
	}))
	require.NoError(t, err)
	assert.Equal(t, Settings{Builder: Classic, Progress: progress.Quiet, Base: BaseStandin, Busybox: "/opt/busybox", Confirm: "clean-all", EnginesParallel: DefaultEnginesParallel, LockTimeout: 90 * time.Second, BenchWarm: DefaultBenchWarm, BenchCold: DefaultBenchCold}, s)
	s, err = FromEnv(env(map[string]string{"LAB_LOCK_TIMEOUT": "600"}))
	require.NoError(t, err)
	assert.Equal(t, 10*time.Minute, s.LockTimeout, "a plain number is seconds")
}

func TestBadValuesNameTheValidOnes(t *testing.T) {
	cases := []struct {
		name, value, message string
	}{
		{"LAB_BUILDER", "kaniko", `LAB_BUILDER="kaniko" is not valid: use one of buildkit, classic`},
		{"LAB_PROGRESS", "fancy", `LAB_PROGRESS="fancy" is not valid: use one of auto, tty, plain, quiet`},
		{"LAB_BASE", "remote", `LAB_BASE="remote" is not valid: use one of auto, pull, standin`},
		{"LAB_REPORT", "xml", `LAB_REPORT="xml" is not valid: use one of json, junit, markdown`},
		{"LAB_LOCK_TIMEOUT", "soon", `LAB_LOCK_TIMEOUT="soon" is not valid: use one of a duration such as 90s or 5m, or a number of seconds`},
		{"LAB_LOCK_TIMEOUT", "-5m", `LAB_LOCK_TIMEOUT="-5m" is not valid: use one of a duration such as 90s or 5m, or a number of seconds`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromEnv(env(map[string]string{c.name: c.value}))
			var se *Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, c.name, se.Name)
			assert.EqualError(t, err, c.message)
		})
	}
}

// FuzzFromEnv: any values give either settings from the valid sets or an
// *Error that lists them, never a panic.
func FuzzFromEnv(f *testing.F) {
	f.Add("classic", "quiet", "standin")
	f.Add("kaniko", "", "")
	f.Fuzz(func(t *testing.T, builder, mode, base string) {
		s, err := FromEnv(env(map[string]string{"LAB_BUILDER": builder, "LAB_PROGRESS": mode, "LAB_BASE": base}))
		if err != nil {
			var se *Error
			require.ErrorAs(t, err, &se)
			require.NotEmpty(t, se.Valid)
			require.NotContains(t, se.Valid, se.Value)
			return
		}
		require.Contains(t, []Builder{BuildKit, Classic}, s.Builder)
		require.Contains(t, progress.Modes, s.Progress)
		require.Contains(t, []BaseMode{BaseAuto, BasePull, BaseStandin}, s.Base)
	})
}

func TestReportIsAFormat(t *testing.T) {
	s, err := FromEnv(env(map[string]string{"LAB_REPORT": " JUnit "}))
	require.NoError(t, err)
	assert.Equal(t, report.JUnit, s.Report)
	assert.Equal(t, "xml", s.Report.Extension())
	_, err = FromEnv(env(map[string]string{"LAB_REPORT": "yaml"}))
	assert.EqualError(t, err, `LAB_REPORT="yaml" is not valid: use one of json, junit, markdown`)
}

func TestEngines(t *testing.T) {
	s, err := FromEnv(env(map[string]string{"LAB_ENGINES": " unix:///var/run/docker.sock, student-1 ,ssh://me@host"}))
	require.NoError(t, err)
	assert.Equal(t, []string{"unix:///var/run/docker.sock", "student-1", "ssh://me@host"}, s.Engines)
	assert.Equal(t, 4, s.EnginesParallel)
	_, err = FromEnv(env(map[string]string{"LAB_ENGINES": "a,,b"}))
	assert.EqualError(t, err, `LAB_ENGINES="a,,b" is not valid: use one of engine URLs or docker context names, separated by commas, none empty`)
	_, err = FromEnv(env(map[string]string{"LAB_ENGINES": "a,b,a"}))
	assert.ErrorContains(t, err, "each engine once (a is listed twice)")
	s, err = FromEnv(env(map[string]string{"LAB_ENGINES_PARALLEL": "2"}))
	require.NoError(t, err)
	assert.Equal(t, 2, s.EnginesParallel)
	_, err = FromEnv(env(map[string]string{"LAB_ENGINES_PARALLEL": "0"}))
	assert.ErrorContains(t, err, `LAB_ENGINES_PARALLEL="0" is not valid`)
}

func TestBenchRuns(t *testing.T) {
	s, err := FromEnv(env(nil))
	require.NoError(t, err)
	assert.Equal(t, [2]int{9, 5}, [2]int{s.BenchWarm, s.BenchCold})
	s, err = FromEnv(env(map[string]string{"LAB_BENCH_RUNS": " 3, 1 "}))
	require.NoError(t, err)
	assert.Equal(t, [2]int{3, 1}, [2]int{s.BenchWarm, s.BenchCold})
	for _, bad := range []string{"3", "3,0", "a,1", "3,1,2"} {
		_, err = FromEnv(env(map[string]string{"LAB_BENCH_RUNS": bad}))
		assert.ErrorContains(t, err, `LAB_BENCH_RUNS="`+bad+`" is not valid: use one of two whole numbers`, bad)
	}
}
