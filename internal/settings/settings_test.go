package settings

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	s, err := FromEnv(env(nil))
	require.NoError(t, err)
	assert.Equal(t, Settings{Builder: BuildKit, Progress: ProgressAuto, Base: BaseAuto}, s)
}

func TestValidValues(t *testing.T) {
	s, err := FromEnv(env(map[string]string{
		"LAB_BUILDER":  "Classic",
		"LAB_PROGRESS": " quiet ",
		"LAB_BASE":     "standin",
		"LAB_BUSYBOX":  "/opt/busybox",
		"LAB_CONFIRM":  "clean-all",
	}))
	require.NoError(t, err)
	assert.Equal(t, Settings{Builder: Classic, Progress: ProgressQuiet, Base: BaseStandin, Busybox: "/opt/busybox", Confirm: "clean-all"}, s)
}

func TestBadValuesNameTheValidOnes(t *testing.T) {
	cases := []struct {
		name, value, message string
	}{
		{"LAB_BUILDER", "kaniko", `LAB_BUILDER="kaniko" is not valid: use one of buildkit, classic`},
		{"LAB_PROGRESS", "fancy", `LAB_PROGRESS="fancy" is not valid: use one of auto, tty, plain, quiet`},
		{"LAB_BASE", "remote", `LAB_BASE="remote" is not valid: use one of auto, pull, standin`},
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
