package output

import (
	"os"

	"golang.org/x/sys/windows"
)

// redraws reports whether f, a console, can take the escapes that redraw
// the board, turning on its virtual terminal processing (Windows 10 and
// later; PowerShell leaves it off for the programs it runs).
func redraws(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}
