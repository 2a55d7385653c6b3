package structuretest

import (
	"context"
	"os"
	"regexp"

	"github.com/multistage-lab/multistage-lab/internal/engine"
)

// matches is CST's CompileAndRunRegex: a Go regular expression found
// anywhere in s; one that does not compile is false either way.
func matches(expr, s string, shouldMatch bool) bool {
	re, err := regexp.Compile(expr)
	if err != nil {
		return false
	}
	return shouldMatch == re.MatchString(s)
}

func commandTest(ctx context.Context, c engine.Client, ref string, global []EnvVar, t CommandTest) Result {
	if msgs := t.invalid(); len(msgs) > 0 {
		return Result{Name: t.Name, Errors: msgs}
	}
	r := Result{Name: "Command Test: " + t.Name, Pass: true}
	d := newDriver(c, ref)
	defer d.destroy()
	if err := d.setEnv(ctx, global); err != nil {
		return Result{Name: t.Name, Errors: []string{"error setting env vars: " + err.Error()}}
	}
	if err := d.setup(ctx, t.EnvVars, t.Setup); err != nil {
		return Result{Name: t.Name, Errors: []string{"error in setup: " + err.Error()}}
	}
	env := d.imageEnv(ctx)
	full := append([]string{t.Command}, t.Args...)
	for i, a := range full {
		full[i] = os.Expand(a, func(k string) string { return env[k] })
	}
	var raw []string
	for _, v := range t.EnvVars {
		raw = append(raw, v.Key+"="+v.Value)
	}
	stdout, stderr, code, err := d.exec(ctx, raw, full)
	if err != nil {
		r.fail("%s", err)
		return r
	}
	r.match(t.ExpectedError, stderr, "error", true)
	r.match(t.ExcludedError, stderr, "error", false)
	r.match(t.ExpectedOutput, stdout, "output", true)
	r.match(t.ExcludedOutput, stdout, "output", false)
	if t.ExitCode != code {
		r.fail("Test '%s' exited with incorrect error code. Expected: %d, Actual: %d", t.Name, t.ExitCode, code)
	}
	return r
}

// invalid is CST's Validate for a command test.
func (t CommandTest) invalid() []string {
	var msgs []string
	if t.Name == "" {
		msgs = append(msgs, "Please provide a valid name for every test")
	}
	if t.Command == "" {
		msgs = append(msgs, "Please provide a valid command to run for test "+t.Name)
	}
	for _, c := range t.Setup {
		if len(c) == 0 {
			msgs = append(msgs, "Error in setup command configuration encountered; please check formatting and remove all empty setup commands")
		}
	}
	for _, c := range t.Teardown {
		if len(c) == 0 {
			msgs = append(msgs, "Error in teardown command configuration encountered; please check formatting and remove all empty teardown commands")
		}
	}
	for _, v := range t.EnvVars {
		if v.Key == "" || v.Value == "" {
			msgs = append(msgs, "Please provide non-empty keys and values for all specified env vars")
		}
	}
	return msgs
}
