package walkthrough

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/output"
)

// calls is a lab that records what the steps ask of it.
type calls struct {
	did  []string
	fail string
}

func (c *calls) call(what string) error {
	c.did = append(c.did, what)
	if what == c.fail {
		return errors.New(what + " failed")
	}
	return nil
}

func (c *calls) Clean(context.Context) error      { return c.call("clean") }
func (c *calls) ShowImages(context.Context) error { return c.call("images") }
func (c *calls) Verify(context.Context) error     { return c.call("verify") }
func (c *calls) RunProgram(context.Context) error { return c.call("run") }
func (c *calls) BuildNamed(_ context.Context, n string) error {
	return c.call("build " + n)
}

func seed(t *testing.T) *labfile.Lab {
	def, err := labfile.Load(filepath.Join("..", "..", "dockerfiles", labfile.Name), "lab.yaml")
	require.NoError(t, err)
	return def
}

func TestTheSeedsStepsInOrder(t *testing.T) {
	var out bytes.Buffer
	c := &calls{}
	var steps []event.WalkStep
	render := output.Text(&out)
	say := func(e event.Event) {
		if s, ok := e.(event.WalkStep); ok {
			steps = append(steps, s)
		}
		render(e)
	}
	require.NoError(t, Run(t.Context(), say, c, seed(t), Options{}))
	require.Len(t, steps, 7, "each step is a value")
	assert.Equal(t, "Make the working folder: the program and a Dockerfile with numbered stages", steps[2].Title)
	assert.Equal(t, []string{"clean", "build v1", "images", "build v2", "images", "build builder", "build runtime", "images", "verify", "run"}, c.did)
	text := regexp.MustCompile(`done in \d+\.\ds`).ReplaceAllString(out.String(), "done in 0.0s")
	assert.Contains(t, text, "\n=== Step 2 of 7: Remove the containers and images made before\n    (기존에 생성한 컨테이너와 이미지를 삭제)\n    $ docker container rm -f $(docker container ls -aq)\n")
	assert.Contains(t, text, "--- step 7 done in 0.0s\n")
	v1, err := os.ReadFile(filepath.Join("..", "..", "dockerfiles", "v1.Dockerfile"))
	require.NoError(t, err)
	assert.True(t, strings.Contains(text, string(v1)), "step 3 shows the Dockerfile")
}

func TestAFailedStepStopsTheWalkthroughAndSaysWhich(t *testing.T) {
	c := &calls{fail: "build v2"}
	err := Run(t.Context(), event.Discard, c, seed(t), Options{})
	assert.EqualError(t, err, "step 5 (Name the stages with AS for readability; every step comes from the cache): build v2 failed")
	assert.Equal(t, []string{"clean", "build v1", "images", "build v2"}, c.did)
}

func TestItWaitsForEnterBeforeEachStep(t *testing.T) {
	var out bytes.Buffer
	c := &calls{}
	// Two steps' worth of Enter: then the input ends and the rest runs straight through.
	require.NoError(t, Run(t.Context(), output.Text(&out), c, seed(t), Options{Wait: true, In: strings.NewReader("\n\n")}))
	assert.Equal(t, 3, strings.Count(out.String(), "-- press Enter"), "two answered, the third finds the end of the input")
	assert.Len(t, c.did, 10)
}
