package progress

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	controlapi "github.com/moby/buildkit/api/services/control"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// trace encodes a StatusResponse as the engine sends it: protobuf bytes,
// base64 in the aux field of a JSON message.
func trace(t *testing.T, resp *controlapi.StatusResponse) string {
	t.Helper()
	dt, err := proto.Marshal(resp)
	require.NoError(t, err)
	aux, err := json.Marshal(dt)
	require.NoError(t, err)
	return `{"id":"moby.buildkit.trace","aux":` + string(aux) + "}\n"
}

func buildkitStream(t *testing.T, fail bool) string {
	return buildkitStreamOf(t, fail, "sha256:aaa")
}

// buildkitStreamOf is buildkitStream with its step's digest.
func buildkitStreamOf(t *testing.T, fail bool, digest string) string {
	start := timestamppb.New(time.Unix(1_700_000_000, 0))
	end := timestamppb.New(time.Unix(1_700_000_002, 0))
	v := &controlapi.Vertex{Digest: digest, Name: "[builder 5/5] RUN go build -o helloworld", Started: start}
	s := trace(t, &controlapi.StatusResponse{Vertexes: []*controlapi.Vertex{v}})
	s += trace(t, &controlapi.StatusResponse{Logs: []*controlapi.VertexLog{{Vertex: digest, Stream: 2, Msg: []byte("./helloworld.go:6:2: undefined: fmt.Printn\n"), Timestamp: start}}})
	done := &controlapi.Vertex{Digest: digest, Name: v.Name, Started: start, Completed: end}
	if fail {
		done.Error = "process \"/bin/sh -c go build -o helloworld\" did not complete successfully: exit code: 1"
		s += trace(t, &controlapi.StatusResponse{Vertexes: []*controlapi.Vertex{done}})
		s += `{"errorDetail":{"message":"` + strings.ReplaceAll(done.Error, `"`, `\"`) + `"},"error":"` + strings.ReplaceAll(done.Error, `"`, `\"`) + "\"}\n"
		return s
	}
	s += trace(t, &controlapi.StatusResponse{Vertexes: []*controlapi.Vertex{done}})
	s += `{"id":"moby.image.id","aux":{"ID":"sha256:0123456789abcdef"}}` + "\n"
	return s
}

func TestBuildKitStreamPlain(t *testing.T) {
	var out strings.Builder
	id, err := Read(t.Context(), strings.NewReader(buildkitStream(t, false)), true, Plain, &out)
	require.NoError(t, err)
	assert.Equal(t, "sha256:0123456789abcdef", id)
	assert.Contains(t, out.String(), "#1 [builder 5/5] RUN go build -o helloworld\n")
	assert.Contains(t, out.String(), "#1 DONE 2.0s\n")
}

func TestBuildKitFailureNamesTheStepAndItsOutput(t *testing.T) {
	for _, mode := range []Mode{Plain, Quiet} {
		t.Run(string(mode), func(t *testing.T) {
			var out strings.Builder
			_, err := Read(t.Context(), strings.NewReader(buildkitStream(t, true)), true, mode, &out)
			var be *BuildError
			require.ErrorAs(t, err, &be)
			assert.Equal(t, `process "/bin/sh -c go build -o helloworld" did not complete successfully: exit code: 1`, be.Message)
			// Even a quiet build shows the failing step and what it printed.
			assert.Contains(t, out.String(), "[builder 5/5] RUN go build -o helloworld")
			assert.Contains(t, out.String(), "undefined: fmt.Printn")
		})
	}
}

func TestQuietSuccessPrintsNothing(t *testing.T) {
	var out strings.Builder
	_, err := Read(t.Context(), strings.NewReader(buildkitStream(t, false)), true, Quiet, &out)
	require.NoError(t, err)
	assert.Empty(t, out.String())
}

const classicOK = `{"stream":"Step 1/2 : FROM alpine\n"}
{"stream":" ---\u003e bc9cccfdde42\n"}
{"stream":"Step 2/2 : WORKDIR /myapp\n"}
{"aux":{"ID":"sha256:243615781499aaaa"}}
{"stream":"Successfully built 243615781499\n"}
`

func TestClassicStream(t *testing.T) {
	var out strings.Builder
	id, err := Read(t.Context(), strings.NewReader(classicOK), false, Plain, &out)
	require.NoError(t, err)
	assert.Equal(t, "sha256:243615781499aaaa", id)
	assert.Equal(t, "Step 1/2 : FROM alpine\n ---> bc9cccfdde42\nStep 2/2 : WORKDIR /myapp\nSuccessfully built 243615781499\n", out.String())
}

func TestClassicFailure(t *testing.T) {
	stream := `{"stream":"Step 5/10 : RUN go build -o helloworld\n"}
{"stream":"./helloworld.go:6:2: undefined: fmt.Printn\n"}
{"errorDetail":{"code":1,"message":"The command '/bin/sh -c go build -o helloworld' returned a non-zero code: 1"},"error":"The command '/bin/sh -c go build -o helloworld' returned a non-zero code: 1"}
`
	var out strings.Builder
	_, err := Read(t.Context(), strings.NewReader(stream), false, Quiet, &out)
	var be *BuildError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "The command '/bin/sh -c go build -o helloworld' returned a non-zero code: 1", be.Message)
	assert.Contains(t, out.String(), "Step 5/10 : RUN go build -o helloworld\n./helloworld.go:6:2: undefined: fmt.Printn\n")
}

func TestStreamWithoutImageID(t *testing.T) {
	_, err := Read(t.Context(), strings.NewReader(`{"stream":"x\n"}`), false, Plain, &strings.Builder{})
	assert.Equal(t, ErrCutShort, err)
	_, err = Read(t.Context(), strings.NewReader(""), true, Plain, &strings.Builder{})
	assert.Equal(t, ErrCutShort, err)
	// Cut in the middle of a message.
	full := buildkitStream(t, false)
	_, err = Read(t.Context(), strings.NewReader(full[:len(full)/2]), true, Plain, &strings.Builder{})
	assert.ErrorIs(t, err, ErrCutShort)
	assert.ErrorContains(t, err, "unexpected EOF")
}

func TestTTYModeNeedsATerminal(t *testing.T) {
	_, err := Read(t.Context(), strings.NewReader(classicOK), true, TTY, &strings.Builder{})
	assert.ErrorContains(t, err, "LAB_PROGRESS=plain")
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	b := &tailBuffer{max: 5}
	_, _ = b.Write([]byte("abc"))
	_, _ = b.Write([]byte("defg"))
	assert.Equal(t, "cdefg", b.String())
}

func TestWatchStepsCallsOnceOnTheLastStage(t *testing.T) {
	stream := strings.Join([]string{
		`{"stream":"Step 1/10 : FROM    golang"}`,
		`{"stream":"\n"}`,
		`{"stream":" ---\u003e 601b3de73ac9\n"}`,
		`{"stream":"Step 5/10 : RUN     go build -o helloworld"}`,
		`{"stream":"\n"}`,
		`{"stream":"FROM inside a step's output is no step\n"}`,
		`{"stream":"Step 6/10 : from alpine"}`,
		`{"stream":"\n"}`,
		`{"stream":"Step 7/10 : WORKDIR /myapp"}`,
		`{"stream":"Step 8/10 : FROM scratch"}`,
		`{"aux":{"ID":"sha256:abc"}}`,
		``,
	}, "\r\n")
	for _, stages := range []int{1, 2, 3, 4} {
		var calls []int
		var read bytes.Buffer
		w := WatchSteps(iotest.OneByteReader(strings.NewReader(stream)), stages, func() { calls = append(calls, read.Len()) })
		buf := make([]byte, 1)
		for {
			n, err := w.Read(buf)
			read.Write(buf[:n])
			if err != nil {
				break
			}
		}
		assert.Equal(t, stream, read.String(), "the stream passes through unchanged")
		switch stages {
		case 1:
			require.Len(t, calls, 1)
			assert.True(t, strings.HasSuffix(stream[:calls[0]], "FROM    golang\"}\r"), "called at the end of the first FROM line")
		case 2:
			require.Len(t, calls, 1)
			assert.True(t, strings.HasSuffix(stream[:calls[0]], "from alpine\"}\r"), "called at the second FROM, spelled in lower case")
		case 3:
			require.Len(t, calls, 1)
			assert.True(t, strings.HasSuffix(stream[:calls[0]], "FROM scratch\"}\r"))
		case 4:
			assert.Empty(t, calls, "a fourth stage never came")
		}
	}
}

func TestWatchCommitsNamesWhatTheBuildCommitted(t *testing.T) {
	long := strings.Repeat("x", 40<<10)
	stream := strings.Join([]string{
		`{"stream":"Step 1/10 : FROM    golang"}`,
		`{"stream":"\n"}`,
		`{"stream":" ---\u003e 601b3de73ac9\n"}`,
		`{"stream":"Step 2/10 : WORKDIR /myapp\n"}`,
		`{"stream":" ---\u003e Using cache\n"}`,
		`{"stream":" ---\u003e 111111111111\n"}`,
		`{"stream":"Step 3/10 : COPY helloworld.go .\n"}`,
		`{"stream":" ---\u003e 222222222222\n"}`,
		`{"stream":"Step 4/10 : RUN go build -o helloworld\n"}`,
		`{"stream":" ---\u003e Running in 9f9f9f9f9f9f\n"}`,
		`{"stream":"` + long + `\n"}`,
		`{"stream":" ---\u003e 444444444444 is not a line of the builder's\n"}`,
		`{"stream":"Removing intermediate container 9f9f9f9f9f9f\n"}`,
		`{"stream":" ---\u003e 333333333333\n"}`,
		`{"stream":"Step 5/10 : from alpine\n ---\u003e 555555555555\nStep 6/10 : ENTRYPOINT [\"./helloworld\"]\n"}`,
		`{"stream":" ---\u003e Running in 8e8e8e8e8e8e\n"}`,
		`{"stream":"Removing intermediate container 8e8e8e8e8e8e\n"}`,
		`{"stream":" ---\u003e 666666666666\n"}`,
		`{"aux":{"ID":"sha256:666666666666aaaa"}}`,
		`{"stream":"Successfully built 666666666666\n"}`,
		``,
	}, "\r\n")
	var got []string
	w := WatchCommits(iotest.OneByteReader(strings.NewReader(stream)), func(id string) { got = append(got, id) })
	var read bytes.Buffer
	_, err := read.ReadFrom(w)
	require.NoError(t, err)
	assert.Equal(t, stream, read.String(), "the stream passes through unchanged")
	assert.Equal(t, []string{"222222222222", "333333333333", "666666666666"}, got,
		"the steps it ran itself, not the cached WORKDIR, not the FROMs")
}

// Builds that run together share one display, each step under its build's
// name, as docker buildx bake shows its targets.
func TestSharedDisplayPrefixesEachBuild(t *testing.T) {
	var out strings.Builder
	s, err := NewShared(t.Context(), &out, Plain)
	require.NoError(t, err)
	other := buildkitStream(t, false) // the same step: still each build's own
	ids := make([]string, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, b := range []struct{ name, stream string }{{"v2", buildkitStream(t, false)}, {"builder", other}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = s.Read(t.Context(), strings.NewReader(b.stream), b.name)
		}()
	}
	wg.Wait()
	require.NoError(t, s.Close())
	for i := range ids {
		require.NoError(t, errs[i])
		assert.Equal(t, "sha256:0123456789abcdef", ids[i])
	}
	assert.Contains(t, out.String(), "[v2] [builder 5/5] RUN go build -o helloworld\n")
	assert.Contains(t, out.String(), "[builder] [builder 5/5] RUN go build -o helloworld\n")
	assert.Equal(t, 2, strings.Count(out.String(), " DONE 2.0s\n"), "one display: both builds' steps are in it")
}
