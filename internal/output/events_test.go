package output

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/report"
	"github.com/multistage-lab/multistage-lab/internal/verify"
)

// everyEvent is one of each event, as a step emits it.
var everyEvent = []event.Event{
	event.Status{Text: "building v1"},
	event.Step{Text: "docker run --rm multi-state:runtime"},
	event.Said{Text: "waiting for the lab's lock on unix:///var/run/docker.sock: held by go tool mage build (pid 4242)"},
	event.Warning{Text: "the record is read-only"},
	event.PlainTCP{Host: "tcp://10.0.0.2:2375"},
	event.BuildStarted{Command: "docker image build --target builder", Tags: []string{"multi-state:builder"}, Dockerfile: "dockerfiles/v2.Dockerfile", Builder: "classic"},
	event.BuildDone{Tag: "multi-state:builder", ID: "sha256:c98918a29ae3bbbb", Took: 1234 * time.Millisecond},
	event.Previous{Tag: "multi-state:v1", ID: "sha256:a1a1a1a1a1a1a1a1", Fate: event.RemovedByEngine},
	event.Previous{Tag: "multi-state:v1", ID: "sha256:a1a1a1a1a1a1a1a1", Fate: event.LeftDangling},
	event.Previous{Tag: "multi-state:v1", ID: "sha256:a1a1a1a1a1a1a1a1", Fate: event.Kept, Err: errors.New("conflict: image is being used")},
	event.Previous{Tag: "multi-state:v1", ID: "sha256:a1a1a1a1a1a1a1a1", Fate: event.Removed},
	event.NotRecorded{Err: errors.New("open ledger: read-only file system"), IDs: []string{"sha256:b2b2"}},
	event.BaseHere{Ref: "golang:latest", Kind: "an offline stand-in", ID: "sha256:d3d3d3d3d3d3d3d3"},
	event.BaseState{Ref: "alpine:latest", Kind: "real"},
	event.BaseState{Ref: "alpine:latest", Absent: true},
	event.PullFailed{Ref: "alpine:latest", Err: errors.New("dial tcp: lookup registry-1.docker.io: no such host\nmore")},
	event.StandinMade{Ref: "alpine:latest", ID: "sha256:e4e4e4e4e4e4e4e4", Size: 1_982_368, Took: 2500 * time.Millisecond, Shell: "its /bin/sh is the lab's toolbox"},
	event.StandinKept{Ref: "alpine:latest", ID: "sha256:e4e4e4e4e4e4e4e4", Err: errors.New("toomanyrequests")},
	event.RealPulled{Ref: "alpine:latest", ID: "sha256:f5f5f5f5f5f5f5f5", OldID: "sha256:e4e4e4e4e4e4e4e4"},
	event.RealPulled{Ref: "alpine:latest", ID: "sha256:f5f5f5f5f5f5f5f5", OldID: "sha256:e4e4e4e4e4e4e4e4", RemoveErr: errors.New("conflict: in use by container 1234")},
	event.StandinRemade{Ref: "alpine:latest", ID: "sha256:e4e4e4e4e4e4e4e4"},
	event.OldStandinKept{Ref: "alpine:latest", ID: "sha256:e4e4e4e4e4e4e4e4", Err: errors.New("conflict: in use")},
	event.StandinAbsent{Ref: "golang:latest"},
	event.RealKept{Ref: "golang:latest"},
	event.StandinRemoved{Ref: "golang:latest", ID: "sha256:d3d3d3d3d3d3d3d3"},
	event.NothingToClean{Repositories: []string{"multi-state"}},
	event.ContainerRemoved{ID: "0123456789abcdef", Name: "lab-run-1", Image: "multi-state:runtime", State: "exited"},
	event.ContainerRemoved{ID: "0123456789abcdef", Image: "alpine:latest"},
	event.KeptImage{Why: "sha256:0a0a0a0a0a0a (untagged; the lab did not build it)"},
	event.Untagged{Ref: "multi-state:v1"},
	event.Deleted{ID: "sha256:c578a88baed6aaaa"},
	event.LockKept{Container: "multistage-lab-lock", Image: "multistage-lab-lock:1", Holder: "go tool mage build (pid 4242)"},
	event.WouldRemove{Containers: []event.ContainerRemoved{{ID: "0123456789abcdef", Image: "alpine:latest", State: "running"}},
		Images: []event.ImageLine{{ID: "sha256:c578a88baed6aaaa", Tags: []string{"multi-state:v1", "multi-state:v2"}}, {ID: "sha256:0a0a0a0a0a0a0a0a"}}},
	event.ContainerLeft{ID: "0123456789abcdef", Err: errors.New("engine gone")},
	event.Verified{On: "Docker Engine 20.10.24 (API 1.41, overlay2)", Bases: []string{"golang:latest an offline stand-in", "alpine:latest real"},
		Checks: []verify.Check{{Name: "1. the four tags exist", Pass: true, Expected: "all", Actual: "all present"}, {Name: "2. v1, v2 and runtime share one ID", Expected: "one ID", Actual: "two IDs"}},
		Why:    []string{"v1 and v2 differ in their last layer"}},
	event.Ran{Stdout: "Hello, World!\n", Stderr: "a warning\n"},
	event.Images{Rows: []report.ImageRow{{Repository: "multi-state", Tag: "runtime", ID: "sha256:c578a88baed6aaaa", Created: now.Add(-5 * time.Second), Size: 4_380_025}},
		Now: now, On: "Docker Engine 20.10.24", Meaning: "the unpacked size", Bases: []event.BaseState{{Ref: "alpine:latest", Kind: "real"}, {Ref: "golang:latest", Absent: true}}},
	event.Sizes{Layers: []report.Layers{{Ref: "multi-state:runtime", Size: 4_380_025, Layers: []report.Layer{{Size: 4_380_025, Stage: "runtime stage", Instruction: "COPY /go/helloworld ."}}}}},
	event.Compared{Approaches: []report.Approach{{Name: "single stage", Tags: []string{"helloworld:v1"}, ID: "sha256:9755bcd29ee38a51", Size: 261_993_651, Layers: 5, Took: 7100 * time.Millisecond}},
		Checks: []verify.Check{{Name: "the builder pattern is smaller", Pass: true, Expected: "smaller", Actual: "4.38MB < 262MB"}}},
	event.Rebuilt{Binary: "/helloworld", Size: 2_398_000, Before: "0123456789abcdef0123", After: "0123456789abcdef0123", Identical: true, IDBefore: "sha256:c578a88baed6aaaa", IDAfter: "sha256:c578a88baed6aaaa"},
	event.Rebuilt{Binary: "/helloworld", Size: 2_398_000, Before: "0123456789abcdef0123", After: "fedcba9876543210fedc", IDBefore: "sha256:c578a88baed6aaaa", IDAfter: "sha256:d689b99cfe07bbbb", Why: []string{"the binary differs"}},
	event.WalkStep{N: 2, Of: 7, Title: "Remove the containers and images made before", Korean: "기존에 생성한 컨테이너와 이미지를 삭제", CLI: []string{"docker container rm -f $(docker container ls -aq)"}},
	event.WalkPrompt{},
	event.FileShown{Path: "dockerfiles/v1.Dockerfile", Data: []byte("FROM golang\n")},
	event.WalkCommand{Text: "docker image ls"},
	event.WalkStepDone{N: 2, Took: 1500 * time.Millisecond},
	event.BenchRun{Engine: "29.8.0 at unix:///run/e29.sock", Builder: "classic", Case: "warm", Side: "docker CLI", N: 3, Took: 358 * time.Millisecond},
	event.ContextRun{N: 2, Lab: 1160 * time.Millisecond, Tar: 940 * time.Millisecond, Peak: 21 << 20},
}

// TestEveryEventHasItsText renders one of each event: the terminal's words
// for all of them are in one golden file.
func TestEveryEventHasItsText(t *testing.T) {
	var out bytes.Buffer
	say := Text(&out)
	for _, e := range everyEvent {
		out.WriteString("# " + reflect.TypeOf(e).Name() + "\n")
		say(e)
		out.WriteString("\n")
	}
	golden(t, "events.txt", out.Bytes())
	var plain bytes.Buffer
	Text(&plain)(event.Status{Text: "building v1"})
	assert.Empty(t, plain.String(), "a status is the board's, not the terminal's")
}

// TestEveryEventIsRendered holds everyEvent to package event: each type
// that is an event has a sample above, and none falls through to the
// renderer's catch-all.
func TestEveryEventIsRendered(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join("..", "event", "event.go"), nil, 0)
	require.NoError(t, err)
	var declared []string
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "event" && fn.Recv != nil {
			declared = append(declared, fn.Recv.List[0].Type.(*ast.Ident).Name)
		}
	}
	var sampled []string
	for _, e := range everyEvent {
		if n := reflect.TypeOf(e).Name(); !slices.Contains(sampled, n) {
			sampled = append(sampled, n)
		}
	}
	slices.Sort(declared)
	slices.Sort(sampled)
	assert.Equal(t, declared, sampled, "every event type has a sample in everyEvent")
	for _, e := range everyEvent {
		var out bytes.Buffer
		WriteEvent(&out, e)
		assert.False(t, strings.HasPrefix(out.String(), "{"), "%T has no text of its own: %s", e, out.String())
	}
}
