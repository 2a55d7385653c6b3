package checks

import "fmt"

// Run: what a container of the image prints on standard output, and its
// exit code.
//
//	run: {image: runtime, stdout: "Hello World\n", exit: 0}
type Run struct {
	Image  string `yaml:"image"`
	Stdout string `yaml:"stdout"`
	Exit   int    `yaml:"exit"`
}

func (r Run) Images() ([]string, bool) { return []string{r.Image}, false }
func (Run) Invalid() string            { return "" }
func (r Run) Need(n *Needs)            { n.Run(r.Image) }

func (r Run) Evaluate(l Lab, inv Inventory) Verdict {
	expected := fmt.Sprintf("stdout %q, exit %d", r.Stdout, r.Exit)
	if _, err := image(l, inv, r.Image); err != nil {
		return missing(expected, err)
	}
	got, ok := inv.Runs[r.Image]
	if !ok {
		return Verdict{Expected: expected, Actual: "not run"}
	}
	if got.Err != "" {
		return Verdict{Expected: expected, Actual: got.Err}
	}
	return Verdict{
		Expected: expected,
		Actual:   fmt.Sprintf("stdout %q, exit %d", got.Stdout, got.ExitCode),
		Pass:     got.Stdout == r.Stdout && got.ExitCode == int64(r.Exit),
	}
}
