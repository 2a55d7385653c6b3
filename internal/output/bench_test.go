package output

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/multistage-lab/multistage-lab/internal/report"
)

func TestBenchTable(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	b := report.Bench{CPUs: 2, Memory: "24684096 kB", Date: "2026-12-01", Compile: 45100 * time.Millisecond, Buildx: "buildx v0.38.2 (built by the bench)",
		Cells: []report.BenchCell{
			{Engine: "unix:///var/run/docker.sock", Version: "20.10.24+dfsg1", Store: "graph driver fuse-overlayfs", Builder: "classic",
				Warm: report.BenchRow{Ours: ms(136, 130, 150), CLI: ms(273, 260, 290), Target: 0.6}, Cold: report.BenchRow{Ours: ms(25694, 25000), CLI: ms(25129, 25300), Target: 1}},
			{Engine: "unix:///var/run/docker.sock", Version: "20.10.24+dfsg1", Store: "graph driver fuse-overlayfs", Builder: "buildkit",
				Warm: report.BenchRow{Ours: ms(200, 190, 210), CLI: ms(600, 580, 640), Target: 0.4}, Cold: report.BenchRow{Ours: ms(9000, 9100), CLI: ms(9500, 9700), Target: 1}},
			{Engine: "unix:///run/e29.sock", Version: "29.8.0", Store: "containerd image store (overlayfs snapshotter)", Builder: "classic",
				Warm: report.BenchRow{Ours: ms(315), CLI: ms(358), Target: 0.6}, Cold: report.BenchRow{Ours: ms(13069), CLI: ms(14376), Target: 1}},
			{Engine: "ssh://class@gone", Err: "engine unreachable: connection refused"},
		}}
	var out bytes.Buffer
	WriteBench(&out, b)
	golden(t, "bench.txt", out.Bytes())
}

func TestContextBenchFigures(t *testing.T) {
	s := func(v ...float64) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x*float64(time.Second)))
		}
		return out
	}
	c := report.ContextBench{Files: 64, Bytes: 1 << 30,
		Stream: report.BenchRow{Ours: s(1.02, 0.98, 1.10), CLI: s(0.81, 0.80, 0.85), Target: 1.5},
		Peak:   21 << 20, PeakLimit: 64 << 20, Build: 12400 * time.Millisecond, BuildPeak: 38 << 20}
	var out bytes.Buffer
	WriteContextBench(&out, c)
	// Over its targets: each figure says MISSED.
	c.Stream.Ours, c.BuildPeak = s(1.9, 2.0, 2.1), 70<<20
	WriteContextBench(&out, c)
	golden(t, "context-bench.txt", out.Bytes())
	assert.Equal(t, []string{"streaming ratio 2.47", "peak memory 70 MiB"}, c.Missed())
}
