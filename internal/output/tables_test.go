package output

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/report"
)

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func TestImageTable(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, WriteImageTable(&out, []report.ImageRow{
		{Repository: "multi-state", Tag: "runtime", ID: "sha256:c578a88baed6aaaa", Created: now.Add(-5 * time.Second), Size: 4_380_025},
		{Repository: "multi-state", Tag: "builder", ID: "sha256:c98918a29ae3bbbb", Created: now.Add(-65 * time.Minute), Size: 261_993_651},
		{Repository: "alpine", Tag: "latest", ID: "sha256:f0abec36aba4cccc", Created: now.Add(-30 * 24 * time.Hour), Size: 1_982_368},
	}, now))
	golden(t, "images.txt", out.Bytes())
}

func TestComparison(t *testing.T) {
	var out bytes.Buffer
	WriteComparison(&out, []report.Approach{
		{Name: "single stage", Tags: []string{"helloworld:v1"}, ID: "sha256:9755bcd29ee38a51", Size: 261_993_651, Layers: 5, Took: 7100 * time.Millisecond},
		{Name: "builder pattern", Tags: []string{"helloworld:v2"}, ID: "sha256:1111bcd29ee38a51", Size: 4_380_025, Layers: 2, Took: 9 * time.Second},
		{Name: "static on scratch", Tags: []string{"helloworld:scratch"}, ID: "sha256:2222bcd29ee38a51", Size: 1_589_410, Layers: 1, Took: 1200 * time.Millisecond},
	})
	golden(t, "comparison.txt", out.Bytes())
}

func TestSizes(t *testing.T) {
	var out bytes.Buffer
	WriteSizes(&out, []report.Layers{
		{Ref: "multi-state:builder", Size: 261_993_651, Layers: []report.Layer{
			{Size: 226_746_694, Stage: "base golang:latest", Instruction: "Imported from -"},
			{Size: 35_246_957, Stage: "builder stage", Instruction: "RUN go build -o helloworld"},
		}, Waste: &report.Waste{Efficiency: 0.9712, WastedBytes: 7_000_000, Layers: []report.WastedLayer{
			{Layer: 2, Instruction: "COPY big.bin /big.bin", Wasted: 6_999_000},
			{Layer: 4, Instruction: "COPY small.txt /etc/small.txt", Wasted: 1000},
		}}},
		{Ref: "multi-state:runtime", Size: 4_380_025, Content: 2_100_000, Layers: []report.Layer{
			{Size: 1_982_368, Stage: "base alpine:latest", Instruction: "Imported from -"},
			{Size: 2_397_568, Stage: "runtime stage", Instruction: "COPY /myapp/helloworld ."},
			{Size: 89, Stage: "runtime stage", Instruction: "WORKDIR /myapp"},
		}},
	})
	golden(t, "sizes.txt", out.Bytes())
}
