// Package buildcontext streams a build context to the engine as it reads
// it: never held in memory whole, honouring .dockerignore as docker does
// (github.com/moby/patternmatcher), and carrying only the files that the
// Dockerfile's COPY and ADD read.
package buildcontext

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Context is a folder to send, with the Dockerfile that builds it.
type Context struct {
	// Dir is the folder; empty sends no folder, only Files.
	Dir        string
	Dockerfile string
	// DockerfileData and DockerfileInfo, when set, are the Dockerfile as
	// the caller already read it; it is sent from them, not read again.
	DockerfileData []byte
	DockerfileInfo fs.FileInfo
	// Sources are the COPY and ADD sources of the Dockerfile; a file is sent
	// only if one of them names it, its folder, or a pattern matching it.
	Sources []string
	// Files are entries made in memory (name and content), sent after the
	// folder's, such as a binary copied out of a container.
	Files map[string][]byte
}

// needs reports whether a context path (slash-separated, relative) is read by
// one of the sources.
func needs(sources []string, rel string) bool {
	for _, s := range sources {
		s = path.Clean(strings.TrimPrefix(filepath.ToSlash(s), "/"))
		switch {
		case s == "." || s == "":
			return true
		case rel == s || strings.HasPrefix(rel, s+"/"):
			return true
		}
		if ok, _ := path.Match(s, rel); ok {
			return true
		}
		// A pattern that matches a folder takes the files below it.
		for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
			if ok, _ := path.Match(s, dir); ok {
				return true
			}
		}
	}
	return false
}

// ignorer reads the folder's .dockerignore, if it has one.
func ignorer(dir string) (*patternmatcher.PatternMatcher, error) {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf(".dockerignore: %w", err)
	}
	return patternmatcher.New(patterns)
}

// Walk calls fn for each file the context carries, in lexical order, with
// its path relative to the folder (slash-separated).
func (c Context) Walk(fn func(rel, full string, d fs.DirEntry) error) error {
	pm, err := ignorer(c.Dir)
	if err != nil {
		return err
	}
	return filepath.WalkDir(c.Dir, func(full string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(c.Dir, full)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if pm != nil {
			ignored, err := pm.MatchesOrParentMatches(rel)
			if err != nil {
				return err
			}
			if ignored {
				if d.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		if d.IsDir() || rel == "Dockerfile" || rel == ".dockerignore" || !needs(c.Sources, rel) {
			return nil
		}
		return fn(rel, full, d)
	})
}

// Write streams the context as a tar archive: the Dockerfile first, then the
// files, each copied through a small buffer.
func (c Context) Write(w io.Writer) error {
	tw := tar.NewWriter(w)
	if err := c.writeDockerfile(tw); err != nil {
		return err
	}
	if err := c.writeFolder(tw); err != nil {
		return fmt.Errorf("build context %s: %w", c.Dir, err)
	}
	for _, name := range slices.Sorted(maps.Keys(c.Files)) {
		if err := writeEntry(tw, name, 0o755, time.Unix(0, 0), c.Files[name]); err != nil {
			return err
		}
	}
	return tw.Close()
}

func (c Context) writeDockerfile(tw *tar.Writer) error {
	if c.DockerfileData == nil || c.DockerfileInfo == nil {
		return addFile(tw, "Dockerfile", c.Dockerfile, nil)
	}
	return writeEntry(tw, "Dockerfile", c.DockerfileInfo.Mode().Perm(), c.DockerfileInfo.ModTime(), c.DockerfileData)
}

// writeEntry writes a file held in memory.
func writeEntry(tw *tar.Writer, name string, mode fs.FileMode, modTime time.Time, data []byte) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(mode), Size: int64(len(data)), ModTime: modTime.Truncate(time.Second), Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

func (c Context) writeFolder(tw *tar.Writer) error {
	if c.Dir == "" {
		return nil
	}
	buf := make([]byte, 256<<10)
	return c.Walk(func(rel, full string, d fs.DirEntry) error {
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(full)
			if err != nil {
				return err
			}
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: rel, Linkname: target, Mode: 0o777, ModTime: info.ModTime().Truncate(time.Second), Format: tar.FormatPAX})
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		return addFile(tw, rel, full, buf)
	})
}

func addFile(tw *tar.Writer, name, full string, buf []byte) error {
	f, err := os.Open(full)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	mode := int64(st.Mode().Perm())
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: st.Size(), ModTime: st.ModTime().Truncate(time.Second), Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if buf == nil {
		buf = make([]byte, 32<<10)
	}
	_, err = io.CopyBuffer(tw, f, buf)
	return err
}
