package verify

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/multistage-lab/multistage-lab/internal/checks"
)

func facts() checks.ImageFacts {
	return checks.ImageFacts{
		Ref: "multi-state:v1", Present: true, ID: "sha256:aaa", Layers: []string{"sha256:l1", "sha256:l2"},
		Created: "2026-11-27T10:00:00Z", Labels: map[string]string{"io.multistage-lab.lab": "multi-state"},
		Entrypoint: []string{"./helloworld"}, WorkingDir: "/myapp", Env: []string{"PATH=/bin"},
		History: []checks.HistoryEntry{{CreatedBy: "WORKDIR /myapp", Comment: "buildkit.dockerfile.v0"}, {CreatedBy: "COPY /myapp/helloworld . # buildkit", Size: 2_400_000}},
	}
}

func TestExplainSameIDSaysNothing(t *testing.T) {
	assert.Empty(t, Explain(facts(), facts()))
}

func TestExplainConfigDifferences(t *testing.T) {
	b := facts()
	b.Ref, b.ID = "multi-state:v2", "sha256:bbb"
	b.Created = "2026-11-27T10:05:00Z"
	b.Labels = map[string]string{"io.multistage-lab.lab": "multi-state", "built": "10:05"}
	b.History = append([]checks.HistoryEntry{}, b.History...)
	b.History[1] = checks.HistoryEntry{CreatedBy: "/bin/sh -c #(nop) COPY file:abc in . "}
	assert.Equal(t, []string{
		"multi-state:v1 and multi-state:v2 have the same 2 layers: the files are identical, the difference is in the image config",
		"created 2026-11-27T10:00:00Z vs 2026-11-27T10:05:00Z: the config records when the last step ran, so a step that did not come from the cache makes a new ID",
		`label built: "" vs "10:05"`,
		`history step 2: "COPY /myapp/helloworld ." vs "COPY file:abc in ."`,
	}, Explain(facts(), b))
}

func TestExplainLayerDifferences(t *testing.T) {
	b := facts()
	b.Ref, b.ID = "multi-state:runtime", "sha256:ccc"
	b.Layers = []string{"sha256:l1", "sha256:other123456789", "sha256:l3"}
	b.Entrypoint = []string{"/bin/sh"}
	b.WorkingDir = "/"
	b.Env = nil
	assert.Equal(t, []string{
		"the files differ from layer 2 on (multi-state:v1 has 2 layers, multi-state:runtime has 3): l2 vs other1234567",
		`entrypoint ["./helloworld"] vs ["/bin/sh"]`,
		"working directory /myapp vs /",
		"environment PATH=/bin vs ",
	}, Explain(facts(), b))
}

func TestDetectBuilder(t *testing.T) {
	assert.Equal(t, "buildkit", DetectBuilder(facts()))
	assert.Equal(t, "classic", DetectBuilder(checks.ImageFacts{History: []checks.HistoryEntry{{CreatedBy: "/bin/sh -c #(nop) WORKDIR /myapp"}}}))
	assert.Equal(t, "unknown", DetectBuilder(checks.ImageFacts{History: []checks.HistoryEntry{{Comment: "Imported from -"}}}))
}

func TestInstruction(t *testing.T) {
	for in, want := range map[string]string{
		"/bin/sh -c #(nop) WORKDIR /myapp":    "WORKDIR /myapp",
		"/bin/sh -c go build -o helloworld":   "RUN go build -o helloworld",
		"RUN /bin/sh -c go build # buildkit":  "RUN go build",
		"COPY /myapp/helloworld . # buildkit": "COPY /myapp/helloworld .",
	} {
		assert.Equal(t, want, checks.HistoryEntry{CreatedBy: in}.Instruction(), in)
	}
	assert.Equal(t, "Imported from -", checks.HistoryEntry{Comment: "Imported from -"}.Instruction())
}
