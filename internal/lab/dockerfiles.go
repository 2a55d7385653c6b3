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
// use these bytes, so a build never reads the same file twice, and each
// parse of them is kept for the next build that asks.
type dockerfileFile struct {
	data []byte
	info fs.FileInfo

	checked map[string]checkResult // by --target ("" for none) and build arguments

	sourcesParsed bool
	sources       []string
	sourcesErr    error
}

// checkResult is one check of a Dockerfile for a --target.
type checkResult struct {
	stages []dockerfile.Stage
	err    error
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

// stages parses a Dockerfile the lab has read, its FROMs resolved with
// args, and checks target, if set.
func (l *Lab) stages(path, target string, args map[string]string) ([]dockerfile.Stage, error) {
	f, err := l.readDockerfile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", dockerfile.ErrInvalid, err)
	}
	l.dfMu.Lock()
	defer l.dfMu.Unlock()
	key := fmt.Sprint(target, args) // fmt prints a map's keys sorted
	r, ok := f.checked[key]
	if !ok {
		r.stages, r.err = dockerfile.Read(l.displayPath(path), bytes.NewReader(f.data), dockerfile.Options{Target: target, Args: args})
		if f.checked == nil {
			f.checked = map[string]checkResult{}
		}
		f.checked[key] = r
	}
	return r.stages, r.err
}

// sources are the context paths a Dockerfile the lab has read copies from.
func (l *Lab) sources(path string) ([]string, error) {
	f, err := l.readDockerfile(path)
	if err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	l.dfMu.Lock()
	defer l.dfMu.Unlock()
	if !f.sourcesParsed {
		f.sourcesParsed = true
		f.sources, f.sourcesErr = dockerfile.Sources(bytes.NewReader(f.data))
		if f.sourcesErr != nil {
			f.sourcesErr = fmt.Errorf("%w: %s: %v", dockerfile.ErrInvalid, path, f.sourcesErr)
		}
	}
	return f.sources, f.sourcesErr
}
