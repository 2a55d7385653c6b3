package bench

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPairAlternates(t *testing.T) {
	r := Runner{Dir: t.TempDir()}
	var order []string
	prep := func() error { order = append(order, "prep"); return nil }
	ran := func(side string, n int, _ time.Duration) { order = append(order, side+string(rune('0'+n))) }
	o, c, err := r.Pair(context.Background(), Side{Name: "a", Args: []string{"true"}}, Side{Name: "b", Args: []string{"true"}}, 2, prep, ran)
	require.NoError(t, err)
	assert.Len(t, o, 2)
	assert.Len(t, c, 2)
	assert.Equal(t, []string{"prep", "a1", "prep", "b1", "prep", "b2", "prep", "a2"}, order, "prepare runs before every run, the sides alternate, the first turning each round")

	_, _, err = r.Pair(context.Background(), Side{Name: "bad", Args: []string{"sh", "-c", "echo first; echo why it failed; exit 3"}}, Side{Name: "b", Args: []string{"true"}}, 1, nil, nil)
	assert.ErrorContains(t, err, "bad: exit status 3")
	assert.Equal(t, "bad: exit status 3: why it failed", brief(err), "a cell's error keeps the first line and the output's last")
}

func TestEngineEnv(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///elsewhere.sock")
	url := (&machine{target: "tcp://10.0.0.2:2376"}).env()
	assert.Contains(t, url, "DOCKER_HOST=tcp://10.0.0.2:2376")
	assert.Contains(t, url, "DOCKER_CONTEXT=")
	named := (&machine{target: "student-1"}).env()
	assert.Contains(t, named, "DOCKER_HOST=", "a context's name wins over the environment's DOCKER_HOST")
	assert.Contains(t, named, "DOCKER_CONTEXT=student-1")
	for _, env := range [][]string{url, named, (&machine{}).env()} {
		assert.Contains(t, env, "LAB_ENGINES=", "each run is one engine's")
		assert.Contains(t, env, "LAB_PROGRESS=quiet")
	}
}

func TestBriefOfOneLine(t *testing.T) {
	assert.Equal(t, "no engine", brief(errors.New("no engine\n")))
	assert.Equal(t, "x: z", brief(errors.New(strings.Join([]string{"x", "y", "z", ""}, "\n"))))
}
