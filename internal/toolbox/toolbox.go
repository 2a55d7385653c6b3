// Package toolbox is the multi-call program the offline stand-in base images
// get when the machine has no static busybox: a POSIX shell (mvdan.cc/sh's
// interpreter), u-root's core commands (wired in by
// mvdan.cc/sh/moreinterp/coreutils) and the everyday commands a Dockerfile's
// RUN lines and `docker run IMAGE CMD` expect. Like busybox it is one binary
// with a link per command in /bin, and it picks the command by the name it
// was started as.
//
// This package holds only the names, for the stand-ins' links, so the lab
// does not link the shell in; cmd/toolbox is the program.
package toolbox

import (
	"slices"
	"sort"
)

// Shells are the names that start the shell.
var Shells = []string{"sh", "ash"}

// Builtins are the interpreter's builtins that are also programs in /bin
// on a Linux system, so `docker run IMAGE echo hi` finds them.
var Builtins = []string{"echo", "printf", "true", "false", "pwd", "test", "["}

// Core are u-root's core commands, as coreutils.ExecHandler runs them.
var Core = []string{"base64", "cat", "chmod", "cp", "find", "gunzip", "gzcat", "gzip", "ls", "mkdir", "mktemp", "mv", "rm", "shasum", "tar", "touch", "xargs"}

// Own are the commands neither the interpreter nor u-root's core packages
// have; they are small enough to keep here.
var Own = []string{"env", "sleep"}

// Commands are every name the toolbox answers to, each a link in /bin.
func Commands() []string {
	all := slices.Concat(Shells, Builtins, Core, Own)
	sort.Strings(all)
	return all
}
