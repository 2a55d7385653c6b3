//go:build !windows

package output

import "os"

// redraws reports whether f, a terminal, can take the escapes that redraw
// the board: every terminal outside Windows can.
func redraws(*os.File) bool { return true }
