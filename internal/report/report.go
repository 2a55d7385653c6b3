// Package report holds what verify found, as values for CI systems and a
// class: package output renders them as JSON, JUnit XML and Markdown.
package report

import (
	"time"
)

// Report is one verify run.
type Report struct {
	Tool        string     `json:"tool"`
	GeneratedAt time.Time  `json:"generated_at"`
	Seconds     float64    `json:"seconds"`
	Engine      Engine     `json:"engine"`
	Builder     string     `json:"builder"`
	Images      []Image    `json:"images"`
	Bases       []Base     `json:"bases"`
	Assertions  []Check    `json:"assertions"`
	Passed      int        `json:"passed"`
	Failed      int        `json:"failed"`
	Sizes       []Layers   `json:"sizes"`
	Explanation []string   `json:"explanation,omitempty"`
	Builds      []BuildRun `json:"builds,omitempty"`
	// Chart is the SVG file the Markdown report links for its size chart,
	// written beside it ("" for none: the text chart is always there).
	Chart string `json:"-"`
	// LabFile is the lab file whose checks these are, as the user names it
	// (dockerfiles/lab.yaml).
	LabFile string `json:"lab_file,omitempty"`
}

// Engine names the engine verify ran against.
type Engine struct {
	Version    string `json:"version"`
	APIVersion string `json:"api_version"`
	// ClientAPIVersion is the API version the lab's client negotiated.
	ClientAPIVersion string `json:"client_api_version,omitempty"`
	// ImageStore is "containerd image store (...)" or "graph driver ...".
	ImageStore string `json:"image_store,omitempty"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
}

// Image is one lab image.
type Image struct {
	Name    string `json:"name"`
	Tag     string `json:"tag"`
	Present bool   `json:"present"`
	ID      string `json:"id,omitempty"`
	// Size is the unpacked size; EngineSize the engine's own (docker image
	// ls's), which on the containerd store adds the compressed Content.
	Size       int64 `json:"size_bytes"`
	Content    int64 `json:"content_bytes,omitempty"`
	EngineSize int64 `json:"engine_size_bytes,omitempty"`
}

// Base is one base image.
type Base struct {
	Role string `json:"role"`
	Ref  string `json:"ref"`
	ID   string `json:"id,omitempty"`
	Size int64  `json:"size_bytes"`
	Kind string `json:"kind"` // "real", "stand-in" or "absent"
}

// Check is one assertion.
type Check struct {
	Name     string `json:"name"`
	Status   string `json:"status"` // "pass" or "fail"
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	// Line is the check's line in the lab file.
	Line int `json:"line,omitempty"`
}

// BuildRun is one build done in the same run, with its time.
type BuildRun struct {
	Tag     string  `json:"tag"`
	ID      string  `json:"id"`
	Seconds float64 `json:"seconds"`
}

// Layer is one entry of an image's history.
type Layer struct {
	Size        int64  `json:"size_bytes"`
	Instruction string `json:"instruction"`
	Stage       string `json:"stage"`
}

// Layers is an image's history, oldest first.
type Layers struct {
	Ref string `json:"ref"`
	// Size is the unpacked size, the layers' sum; Content the compressed
	// content the containerd image store keeps beside them (0 elsewhere).
	Size    int64   `json:"size_bytes"`
	Content int64   `json:"content_bytes,omitempty"`
	Layers  []Layer `json:"layers"`
	// Waste is what its layers waste, as dive counts it, where it was read
	// (the sizes step reads it for the lab's images).
	Waste *Waste `json:"waste,omitempty"`
}

// Waste is what an image's layers waste, as dive counts it: a file that a
// later layer overwrites or removes, every version of it.
type Waste struct {
	Efficiency  float64       `json:"efficiency"`
	WastedBytes uint64        `json:"wasted_bytes"`
	Layers      []WastedLayer `json:"layers"`
}

// WastedLayer is a layer that holds wasted bytes: its place among the
// image's layers (from 1, the bottom), the instruction that made it.
type WastedLayer struct {
	Layer       int    `json:"layer"`
	Instruction string `json:"instruction"`
	Wasted      uint64 `json:"wasted_bytes"`
}

// Approach is one way a comparison packaged the program, as built and
// measured.
type Approach struct {
	Name string
	Tags []string
	ID   string
	// Size is the unpacked size, compared on every image store; Content
	// and EngineSize as Image's.
	Size       int64
	Content    int64
	EngineSize int64
	Layers     int
	Took       time.Duration
	Output     string
	ExitErr    string
}

// ImageRow is one line of the image table: one tag of one image.
type ImageRow struct {
	Repository string
	Tag        string
	ID         string
	Created    time.Time
	Size       int64
}

// Format is a report's format (LAB_REPORT).
type Format string

// The formats.
const (
	JSON     Format = "json"
	JUnit    Format = "junit"
	Markdown Format = "markdown"
)

// Formats are the formats in the order LAB_REPORT lists them.
var Formats = []Format{JSON, JUnit, Markdown}

// Extension is the file extension for the format.
func (f Format) Extension() string {
	switch f {
	case JUnit:
		return "xml"
	case Markdown:
		return "md"
	}
	return string(f)
}
