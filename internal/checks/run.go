package checks

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Run: a container of the image, with arguments (in its command's place,
// as `docker run IMAGE ARGS...`) and environment variables if given: its
// exit code, and what it prints on standard output and standard error,
// each as text (exact) or a Go regular expression found in it.
//
//	run: {image: runtime, stdout: "Hello World\n", exit: 0}
//	run: {image: app, args: [--version], env: {LANG: C}, stdout-matches: "^app v\\d", stderr: ""}
type Run struct {
	Image         string            `yaml:"image"`
	Args          []string          `yaml:"args"`
	Env           map[string]string `yaml:"env"`
	Stdout        *string           `yaml:"stdout"`
	StdoutMatches string            `yaml:"stdout-matches"`
	Stderr        *string           `yaml:"stderr"`
	StderrMatches string            `yaml:"stderr-matches"`
	Exit          int               `yaml:"exit"`
}

func (r Run) Images() ([]string, bool) { return []string{r.Image}, false }

func (r Run) Invalid() string {
	for _, re := range []string{r.StdoutMatches, r.StderrMatches} {
		if _, err := regexp.Compile(re); err != nil {
			return fmt.Sprintf("run: %v", err)
		}
	}
	return ""
}

func (r Run) spec() RunSpec {
	s := RunSpec{Image: r.Image, Args: r.Args}
	for _, k := range slices.Sorted(maps.Keys(r.Env)) {
		s.Env = append(s.Env, k+"="+r.Env[k])
	}
	return s
}

func (r Run) Need(n *Needs) { n.Exec(r.spec()) }

func (r Run) Evaluate(l Lab, inv Inventory) Verdict {
	var want []string
	if r.Stdout != nil {
		want = append(want, fmt.Sprintf("stdout %q", *r.Stdout))
	}
	if r.StdoutMatches != "" {
		want = append(want, fmt.Sprintf("stdout matching %q", r.StdoutMatches))
	}
	if r.Stderr != nil {
		want = append(want, fmt.Sprintf("stderr %q", *r.Stderr))
	}
	if r.StderrMatches != "" {
		want = append(want, fmt.Sprintf("stderr matching %q", r.StderrMatches))
	}
	want = append(want, fmt.Sprintf("exit %d", r.Exit))
	expected := strings.Join(want, ", ")
	if len(r.Args) > 0 || len(r.Env) > 0 {
		expected = fmt.Sprintf("with args %q, env %q: %s", r.Args, r.spec().Env, expected)
	}
	if _, err := image(l, inv, r.Image); err != nil {
		return missing(expected, err)
	}
	got, ok := inv.Runs[r.spec().Key()]
	if !ok {
		return Verdict{Expected: expected, Actual: "not run"}
	}
	if got.Err != "" {
		return Verdict{Expected: expected, Actual: got.Err}
	}
	pass := got.ExitCode == int64(r.Exit)
	actual := []string{fmt.Sprintf("stdout %q", got.Stdout)}
	if r.Stderr != nil || r.StderrMatches != "" {
		actual = append(actual, fmt.Sprintf("stderr %q", got.Stderr))
	}
	actual = append(actual, fmt.Sprintf("exit %d", got.ExitCode))
	if r.Stdout != nil {
		pass = pass && got.Stdout == *r.Stdout
	}
	if r.StdoutMatches != "" {
		pass = pass && regexp.MustCompile(r.StdoutMatches).MatchString(got.Stdout)
	}
	if r.Stderr != nil {
		pass = pass && got.Stderr == *r.Stderr
	}
	if r.StderrMatches != "" {
		pass = pass && regexp.MustCompile(r.StderrMatches).MatchString(got.Stderr)
	}
	return Verdict{Expected: expected, Actual: strings.Join(actual, ", "), Pass: pass}
}
