// Command toolbox is the offline stand-ins' /bin/sh and everyday commands,
// one binary with a link per command; package toolbox names them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"
	"mvdan.cc/sh/moreinterp/coreutils"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/multistage-lab/multistage-lab/internal/toolbox"
)

func main() {
	os.Exit(Main(context.Background(), os.Args, IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Main runs the command args[0] names (by its base name, as a link calls
// it; `toolbox NAME ARGS` works too) and returns its exit code.
func Main(ctx context.Context, args []string, stdio IO) int {
	name := path.Base(args[0])
	if name == "toolbox" {
		if len(args) < 2 || args[1] == "--list" {
			fmt.Fprintln(stdio.Out, strings.Join(toolbox.Commands(), "\n"))
			return 0
		}
		args = args[1:]
		name = path.Base(args[0])
	}
	switch {
	case slices.Contains(toolbox.Shells, name):
		return exitCode(stdio, name, shell(ctx, args[1:], stdio))
	case slices.Contains(toolbox.Commands(), name):
		args[0] = name
		return exitCode(stdio, name, run(ctx, "\"$@\"", args, stdio, nil))
	}
	fmt.Fprintf(stdio.Err, "toolbox: %s: no such command (it has: %s)\n", name, strings.Join(toolbox.Commands(), " "))
	return 127
}

// exitCode turns the interpreter's result into a process's exit code.
func exitCode(stdio IO, name string, err error) int {
	if err == nil {
		return 0
	}
	if st, ok := errors.AsType[interp.ExitStatus](err); ok {
		return int(st)
	}
	if errors.Is(err, context.Canceled) {
		return 130
	}
	fmt.Fprintf(stdio.Err, "%s: %v\n", name, err)
	return 2
}

// newRunner is the interpreter every command runs in: its commands first,
// then u-root's core commands, then programs on PATH. env nil is the
// process's environment.
func newRunner(stdio IO, env []string, opts ...interp.RunnerOption) (*interp.Runner, error) {
	o := []interp.RunnerOption{
		interp.StdIO(stdio.In, stdio.Out, stdio.Err),
		interp.ExecHandlers(ownCommands, coreutils.ExecHandler),
	}
	if env != nil {
		o = append(o, interp.Env(expand.ListEnviron(env...)))
	}
	return interp.New(append(o, opts...)...)
}

// run runs script with args as its positional parameters.
func run(ctx context.Context, script string, args []string, stdio IO, env []string) error {
	prog, err := syntax.NewParser().Parse(strings.NewReader(script), "")
	if err != nil {
		return err
	}
	r, err := newRunner(stdio, env, interp.Params(append([]string{"--"}, args...)...))
	if err != nil {
		return err
	}
	return r.Run(ctx, prog)
}

// shell is sh as POSIX calls it: `sh [-eux...] [-o OPT] -c STRING [NAME
// [ARG...]]`, `sh [options] FILE [ARG...]` or `sh [options] [-s] [ARG...]`
// reading standard input (a prompt on a terminal).
func shell(ctx context.Context, args []string, stdio IO) error {
	var opts []string
	command, stdin := false, false
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-" {
			i++
			break
		}
		if len(a) < 2 || (a[0] != '-' && a[0] != '+') {
			break
		}
		if a[1:] == "o" {
			if i+1 >= len(args) {
				return fmt.Errorf("%s needs an option name", a)
			}
			opts = append(opts, a, args[i+1])
			i++
			continue
		}
		for _, c := range a[1:] {
			switch {
			case c == 'c' && a[0] == '-':
				command = true
			case c == 's' && a[0] == '-':
				stdin = true
			case c == 'i' || c == 'l':
				// interactive and login shells need nothing more here
			default:
				opts = append(opts, string(a[0])+string(c))
			}
		}
	}
	rest := args[i:]
	var src io.Reader
	name := ""
	switch {
	case command:
		if len(rest) == 0 {
			return errors.New("-c needs a command string")
		}
		src, name, rest = strings.NewReader(rest[0]), "sh", rest[1:]
		if len(rest) > 0 {
			name, rest = rest[0], rest[1:]
		}
	case !stdin && len(rest) > 0:
		f, err := os.Open(rest[0])
		if err != nil {
			return err
		}
		defer f.Close()
		src, name, rest = f, rest[0], rest[1:]
	default:
		src, name = stdio.In, "sh"
	}
	params := append(append(opts, "--"), rest...)
	if f, ok := src.(*os.File); ok && src == stdio.In && term.IsTerminal(int(f.Fd())) {
		r, err := newRunner(stdio, nil, interp.Interactive(true), interp.Params(params...))
		if err != nil {
			return err
		}
		return interactive(ctx, r, f, stdio.Out)
	}
	prog, err := syntax.NewParser().Parse(src, name)
	if err != nil {
		return err
	}
	r, err := newRunner(stdio, nil, interp.Params(params...))
	if err != nil {
		return err
	}
	return r.Run(ctx, prog)
}

// interactive reads and runs one statement at a time, with a prompt.
func interactive(ctx context.Context, r *interp.Runner, in io.Reader, out io.Writer) error {
	parser := syntax.NewParser()
	fmt.Fprint(out, "$ ")
	var last error
	for stmts, err := range parser.InteractiveSeq(in) {
		if err != nil {
			return err
		}
		if parser.Incomplete() {
			fmt.Fprint(out, "> ")
			continue
		}
		for _, stmt := range stmts {
			last = r.Run(ctx, stmt)
			if r.Exited() {
				return last
			}
		}
		fmt.Fprint(out, "$ ")
	}
	return last
}

// ownCommands runs the commands that are the toolbox's own, and hands every
// other on.
func ownCommands(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
	return func(ctx context.Context, args []string) error {
		hc := interp.HandlerCtx(ctx)
		stdio := IO{In: hc.Stdin, Out: hc.Stdout, Err: hc.Stderr}
		switch args[0] {
		case "sleep":
			return sleep(ctx, args[1:], stdio)
		case "env":
			return env(ctx, args[1:], hc.Env, stdio)
		}
		return next(ctx, args)
	}
}

// sleep waits for the sum of its arguments, each a number of seconds with
// an optional s, m, h or d, as coreutils' sleep does.
func sleep(ctx context.Context, args []string, stdio IO) error {
	if len(args) == 0 {
		fmt.Fprintln(stdio.Err, "sleep: missing operand")
		return interp.ExitStatus(1)
	}
	var total time.Duration
	for _, a := range args {
		d, err := parseSleep(a)
		if err != nil {
			fmt.Fprintf(stdio.Err, "sleep: invalid time interval %q\n", a)
			return interp.ExitStatus(1)
		}
		total += d
	}
	t := time.NewTimer(total)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func parseSleep(s string) (time.Duration, error) {
	unit := time.Second
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 's':
			s = s[:n-1]
		case 'm':
			unit, s = time.Minute, s[:n-1]
		case 'h':
			unit, s = time.Hour, s[:n-1]
		case 'd':
			unit, s = 24*time.Hour, s[:n-1]
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f != f {
		return 0, fmt.Errorf("invalid interval")
	}
	return time.Duration(f * float64(unit)), nil
}

// env is `env [-i] [-u NAME]... [NAME=VALUE]... [COMMAND [ARG]...]`: it
// prints the environment, or runs COMMAND in the changed one.
func env(ctx context.Context, args []string, from expand.Environ, stdio IO) error {
	vars := map[string]string{}
	var order []string
	set := func(name, value string) {
		if _, ok := vars[name]; !ok {
			order = append(order, name)
		}
		vars[name] = value
	}
	clear := false
	for name, vr := range from.Each {
		if vr.IsSet() && vr.Exported && vr.Kind == expand.String {
			set(name, vr.String())
		}
	}
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-i" || a == "-" || a == "--ignore-environment":
			clear = true
		case a == "-u" && i+1 < len(args):
			delete(vars, args[i+1])
			i++
		case a == "--":
			i++
			goto assignments
		case strings.HasPrefix(a, "-") && !strings.Contains(a, "="):
			fmt.Fprintf(stdio.Err, "env: unknown option %s\n", a)
			return interp.ExitStatus(125)
		default:
			goto assignments
		}
	}
assignments:
	if clear {
		vars, order = map[string]string{}, nil
	}
	for ; i < len(args); i++ {
		name, value, ok := strings.Cut(args[i], "=")
		if !ok || name == "" {
			break
		}
		set(name, value)
	}
	var list []string
	for _, name := range order {
		if v, ok := vars[name]; ok {
			list = append(list, name+"="+v)
		}
	}
	if i == len(args) {
		for _, kv := range list {
			fmt.Fprintln(stdio.Out, kv)
		}
		return nil
	}
	if list == nil {
		list = []string{}
	}
	return run(ctx, "\"$@\"", args[i:], stdio, list)
}
