//go:build !unix

package magecompile

import "os"

// No file lock here: on such a system, run the tests one package at a time
// (go test -p 1 ./...).
func lockFile(*os.File) error   { return nil }
func unlockFile(*os.File) error { return nil }
