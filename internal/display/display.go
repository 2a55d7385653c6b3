// Package display formats what a person reads the way the docker CLI
// prints it: image IDs cut to 12 characters, sizes in decimal units.
package display

import (
	"strings"

	"github.com/docker/go-units"
)

// ShortID is an image ID as docker image ls prints it.
func ShortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// HumanSize is a size as docker image ls prints it (9.14MB, 841MB).
func HumanSize(n int64) string { return units.HumanSizeWithPrecision(float64(n), 3) }
