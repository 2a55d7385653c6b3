package lab

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"

	"github.com/multistage-lab/multistage-lab/internal/dockerfile"
)

// dockerfileFile is a Dockerfile as the lab read it, once per run: the
// checks, the base images, the context's sources and the context itself all
// use these bytes, so a build never reads the same file twice.
type dockerfileFile struct {
	data []byte
	info fs.FileInfo
}

// readDockerfile returns the Dockerfile at path, read on first use.
func (l *Lab) readDockerfile(path string) (*dockerfileFile, error) {
	l.dfMu.Lock()
	defer l.dfMu.Unlock()
	if f, ok := l.dockerfiles[path]; ok {
		return f, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(fh); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f := &dockerfileFile{data: buf.Bytes(), info: info}
	if l.dockerfiles == nil {
		l.dockerfiles = map[string]*dockerfileFile{}
	}
	l.dockerfiles[path] = f
	return f, nil
}

// stages parses a Dockerfile the lab has read and checks target, if set.
func (l *Lab) stages(path, target string) ([]dockerfile.Stage, error) {
	f, err := l.readDockerfile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", dockerfile.ErrInvalid, err)
	}
	return dockerfile.Check(l.displayPath(path), bytes.NewReader(f.data), target)
}
