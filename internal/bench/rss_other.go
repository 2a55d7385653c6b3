//go:build !linux

package bench

import "os"

// maxRSS is not measured here: the context benchmark reports it on Linux.
func maxRSS(*os.ProcessState) int64 { return 0 }
