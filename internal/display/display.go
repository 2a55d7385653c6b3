// Package display formats what a person reads the way the docker CLI
// prints it: image IDs cut to 12 characters, sizes in decimal units.
package display

import (
	"path/filepath"
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

// Within is path relative to base when path is inside base, as messages
// name a file of the project (ok is false, and rel empty, otherwise).
func Within(base, path string) (rel string, ok bool) {
	rel, err := filepath.Rel(base, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}
