// Package output is where the lab meets the person and the CI system that
// run it, and the one package that turns the lab's results into words: the
// process's standard streams (the only package besides the build progress
// display that touches them); the terminal's text of every step's events
// (package event) and of verify's verdicts, the image table, the sizes and
// the comparison; a run on several engines' prefixed lines, live board and
// summary; the report files (JSON, JUnit XML, Markdown and the SVG chart);
// and the views a CI reads beside them (GitHub Actions' step summary and
// annotations). Each view has golden-file tests.
//
// Everything else returns values or emits events, so a repository that
// imports the lab's targets, or a test, decides where the words go.
package output

import (
	"fmt"
	"io"
	"os"

	"github.com/multistage-lab/multistage-lab/internal/verify"
)

// Streams are where a run reads and writes: the process's own for a
// person or a CI job, buffers in a test.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// Std are the process's standard streams.
func Std() Streams {
	return Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}
}

// WriteChecks prints each check as PASS or FAIL with expected and actual,
// then the count.
func WriteChecks(w io.Writer, checks []verify.Check) {
	for _, c := range checks {
		status := "PASS"
		if !c.Pass {
			status = "FAIL"
		}
		fmt.Fprintf(w, "%s  %s\n      expected: %s\n      actual:   %s\n", status, c.Name, c.Expected, c.Actual)
	}
	fmt.Fprintf(w, "%d of %d assertions passed\n", len(checks)-verify.Failed(checks), len(checks))
}
