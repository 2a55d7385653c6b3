package labfile

import "github.com/multistage-lab/multistage-lab/internal/checks"

// Check is one assertion: a name the output and reports show, and exactly
// one kind of package checks, with its parameters.
type Check struct {
	Name string
	// Key is the kind's key in the file (exist, same-id, ...); Kind the
	// kind with its parameters.
	Key  string
	Kind checks.Kind

	Line int
	// keys are the kind keys the entry sets: validation refuses none, or
	// more than one.
	keys []string
}

// The lab file answers what a check asks of it (checks.Lab).
var _ checks.Lab = (*Lab)(nil)

// ImageNames are every image's name, in build order.
func (l *Lab) ImageNames() []string {
	names := make([]string, len(l.Images))
	for i, im := range l.Images {
		names[i] = im.Name
	}
	return names
}

// TagOf is the named image's tag, or the name if the file has no such
// image.
func (l *Lab) TagOf(name string) string {
	if im, ok := l.ImageNamed(name); ok {
		return im.Tag
	}
	return name
}

// BaseRoleOf is the role of the base the named image is built on, "" if
// bases lists none.
func (l *Lab) BaseRoleOf(name string) string {
	b, _ := l.BaseOf(name)
	return b.Role
}
