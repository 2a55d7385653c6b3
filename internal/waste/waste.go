// Package waste measures what an image's layers carry for nothing, as dive
// (github.com/wagoodman/dive, v0.13.1) measures it for its CI rules, from
// the image as `docker save` writes it: a file that a later layer
// overwrites or removes counts, every copy of it, as wasted. Reading the
// saved image rather than the engine's storage, it gives the same figures
// on a graph driver and on the containerd image store, where dive 0.13.1
// itself cannot read the layers (its issue 718).
//
// The algorithm is dive's, rule for rule (filetree.Efficiency and
// image.Analyze): each layer is a tree of its tar's entries; every leaf of
// every layer is visited, by path; a path seen once is efficient, a path
// seen in two or more layers is an inefficiency whose cumulative size (the
// sizes of all its versions; a whiteout of a directory weighs what the
// layers below held under it) is wasted; efficiency is the sum of each
// path's smallest version over the sum of all versions.
package waste

import (
	"archive/tar"
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Analysis is an image's waste, in dive's terms.
type Analysis struct {
	// Efficiency is dive's efficiency score, 1 for no waste.
	Efficiency float64
	// WastedBytes are the cumulative sizes of every path that more than
	// one layer holds (dive's wastedBytes, "inefficientBytes" in its JSON).
	WastedBytes uint64
	// SizeBytes is every layer's size, UserSizeBytes every layer's but the
	// first (what dive takes as the base); UserWastedPercent is
	// WastedBytes over UserSizeBytes, a fraction as dive gives it.
	SizeBytes, UserSizeBytes uint64
	UserWastedPercent        float64
	// Layers are the image's layers, bottom first.
	Layers []Layer
	// Paths are the inefficient paths, the largest first.
	Paths []Path
}

// Layer is one layer: its size as dive counts it (the sizes of its tar's
// entries), the bytes of its files that count as wasted, and the
// instruction that made it (the image's history, as dive pairs them).
type Layer struct {
	Size    uint64
	Wasted  uint64
	Command string
}

// Path is one path more than one layer holds.
type Path struct {
	Path string
	// Versions is how many layers hold it (a removal is one).
	Versions       int
	CumulativeSize int64
}

const (
	whiteoutPrefix       = ".wh."
	doubleWhiteoutPrefix = ".wh..wh.."
)

// fileInfo is what a layer's tar says of one entry.
type fileInfo struct {
	size  int64
	isDir bool
}

// node is one path of a layer's tree, as dive's filetree.FileNode.
type node struct {
	name     string
	info     fileInfo
	parent   *node
	children map[string]*node
}

func newNode(parent *node, name string) *node {
	return &node{name: name, parent: parent, children: map[string]*node{}}
}

// tree is one layer's files, as dive's filetree.FileTree.
type tree struct {
	root     *node
	fileSize uint64
}

func newTree() *tree { return &tree{root: newNode(nil, "")} }

// add adds a path with its info, making the folders above it without
// info, as dive's AddPath: a path under an opaque-whiteout marker is not
// added.
func (t *tree) add(p string, info fileInfo) {
	p = path.Clean(p)
	names := strings.Split(strings.Trim(p, "/"), "/")
	n := t.root
	for i, name := range names {
		if name == "" {
			continue
		}
		if c := n.children[name]; c != nil {
			n = c
		} else {
			if strings.HasPrefix(name, doubleWhiteoutPrefix) {
				return
			}
			c := newNode(n, name)
			n.children[name] = c
			n = c
		}
		if i == len(names)-1 {
			n.info = info
		}
	}
}

func (t *tree) get(p string) *node {
	n := t.root
	for _, name := range strings.Split(strings.Trim(p, "/"), "/") {
		if name == "" {
			continue
		}
		if n = n.children[name]; n == nil {
			return nil
		}
	}
	return n
}

func (t *tree) copy() *tree {
	c := newTree()
	c.fileSize = t.fileSize
	var cp func(dst, src *node)
	cp = func(dst, src *node) {
		for name, s := range src.children {
			d := newNode(dst, name)
			d.info = s.info
			dst.children[name] = d
			cp(d, s)
		}
	}
	cp(c.root, t.root)
	return c
}

// visit visits n's descendants children first, by name, then n (never the
// root), while each returns nil, as dive's VisitDepthChildFirst.
func (n *node) visit(fn func(*node) error, leavesOnly bool) error {
	names := make([]string, 0, len(n.children))
	for name := range n.children {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := n.children[name].visit(fn, leavesOnly); err != nil {
			return err
		}
	}
	if n.parent == nil || (leavesOnly && len(n.children) > 0) {
		return nil
	}
	return fn(n)
}

func (n *node) whiteout() bool { return strings.HasPrefix(n.name, whiteoutPrefix) }

// path is n's path, a whiteout's without its prefix.
func (n *node) path() string {
	var parts []string
	for c := n; c.parent != nil; c = c.parent {
		name := c.name
		if c == n {
			name = strings.TrimPrefix(name, whiteoutPrefix)
		}
		parts = append([]string{name}, parts...)
	}
	return strings.ReplaceAll("/"+strings.Join(parts, "/"), "//", "/")
}

// stack puts upper on t: its whiteouts remove, its other paths add.
func (t *tree) stack(upper *tree) {
	_ = upper.root.visit(func(n *node) error {
		if n.whiteout() {
			if m := t.get(n.path()); m != nil {
				delete(m.parent.children, m.name)
			}
		} else {
			t.add(n.path(), n.info)
		}
		return nil
	}, false)
}

// stackRange is trees[0] with trees[0..stop] stacked on it, as dive's
// StackTreeRange(trees, 0, stop).
func stackRange(trees []*tree, stop int) *tree {
	t := trees[0].copy()
	for i := 0; i <= stop; i++ {
		t.stack(trees[i])
	}
	return t
}

type pathData struct {
	versions       int
	cumulative     int64
	minimum        int64
	layerSizes     map[int]int64
	firstSeenOrder int
}

// analyze is dive's Efficiency and Analyze on the layers' trees.
func analyze(trees []*tree) Analysis {
	paths := map[string]*pathData{}
	var order []string
	for i, t := range trees {
		var below *tree // the layers under this one, stacked once it needs them
		_ = t.root.visit(func(n *node) error {
			p := n.path()
			d := paths[p]
			if d == nil {
				d = &pathData{minimum: -1, layerSizes: map[int]int64{}}
				paths[p] = d
				order = append(order, p)
			}
			var size int64
			if n.whiteout() {
				if below == nil {
					below = stackRange(trees, i-1)
				}
				prev := below.get(n.path())
				if prev == nil {
					// dive stops this layer's visit at a whiteout of a
					// path the layers below do not hold
					return errors.New("path does not exist: " + p)
				}
				if prev.info.isDir {
					_ = prev.visit(func(c *node) error { size += c.info.size; return nil }, false)
				}
			} else {
				size = n.info.size
			}
			d.cumulative += size
			if d.minimum < 0 || size < d.minimum {
				d.minimum = size
			}
			d.layerSizes[i] += size
			d.versions++
			return nil
		}, true)
	}
	a := Analysis{Efficiency: 1, Layers: make([]Layer, len(trees))}
	var minimum, discovered int64
	for _, p := range order {
		d := paths[p]
		minimum += d.minimum
		discovered += d.cumulative
		if d.versions < 2 {
			continue
		}
		a.WastedBytes += uint64(d.cumulative)
		a.Paths = append(a.Paths, Path{Path: p, Versions: d.versions, CumulativeSize: d.cumulative})
		for i, s := range d.layerSizes {
			a.Layers[i].Wasted += uint64(s)
		}
	}
	if discovered > 0 {
		a.Efficiency = float64(minimum) / float64(discovered)
	}
	slices.SortStableFunc(a.Paths, func(x, y Path) int {
		if c := cmp.Compare(y.CumulativeSize, x.CumulativeSize); c != 0 {
			return c
		}
		return strings.Compare(x.Path, y.Path)
	})
	for i, t := range trees {
		a.Layers[i].Size = t.fileSize
		a.SizeBytes += t.fileSize
		if i > 0 {
			a.UserSizeBytes += t.fileSize
		}
	}
	a.UserWastedPercent = float64(a.WastedBytes) / float64(a.UserSizeBytes)
	return a
}

// layerTree reads one layer's tar into a tree, as dive's processLayerTar.
func layerTree(r io.Reader) (*tree, error) {
	t := newTree()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		name := path.Clean(h.Name)
		if name == "." {
			continue
		}
		info := fileInfo{size: h.FileInfo().Size(), isDir: h.FileInfo().IsDir()}
		t.fileSize += uint64(info.size)
		t.add(name, info)
	}
}

// ErrNoManifest says a stream is not an image as docker save writes it.
var ErrNoManifest = errors.New("not a saved image: no manifest.json")

// Analyze reads an image as `docker save` (the Engine API's image save)
// writes it, the legacy layout of a graph driver or the OCI layout of the
// containerd store, its layers plain or compressed, and measures its waste.
func Analyze(saved io.Reader) (Analysis, error) {
	trees := map[string]*tree{}
	docs := map[string][]byte{}
	var manifest []byte
	tr := tar.NewReader(saved)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Analysis{}, fmt.Errorf("read the saved image: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		switch name := h.Name; {
		case name == "manifest.json":
			if manifest, err = io.ReadAll(tr); err != nil {
				return Analysis{}, err
			}
		case strings.HasSuffix(name, ".tar"), strings.HasPrefix(name, "blobs/"), strings.HasSuffix(name, ".json"):
			t, doc, err := blobTree(tr)
			if doc != nil {
				docs[name] = doc // a config, an index or a manifest
			}
			if err == nil && doc == nil {
				trees[name] = t
			}
		}
	}
	if manifest == nil {
		return Analysis{}, ErrNoManifest
	}
	var entries []struct {
		Config string
		Layers []string
	}
	if err := json.Unmarshal(manifest, &entries); err != nil || len(entries) == 0 {
		return Analysis{}, fmt.Errorf("%w (%v)", ErrNoManifest, err)
	}
	var layers []*tree
	for _, name := range entries[0].Layers {
		t, ok := trees[name]
		if !ok {
			return Analysis{}, fmt.Errorf("the saved image's layer %s is not in it", name)
		}
		layers = append(layers, t)
	}
	if len(layers) == 0 {
		return Analysis{}, errors.New("the saved image has no layers")
	}
	a := analyze(layers)
	var config struct {
		History []struct {
			CreatedBy  string `json:"created_by"`
			EmptyLayer bool   `json:"empty_layer"`
		} `json:"history"`
	}
	if err := json.Unmarshal(docs[entries[0].Config], &config); err == nil {
		// each layer takes the next history entry that made one, as dive
		// pairs them
		h := 0
		for i := range a.Layers {
			for h < len(config.History) && config.History[h].EmptyLayer {
				h++
			}
			if h < len(config.History) {
				a.Layers[i].Command = config.History[h].CreatedBy
				h++
			}
		}
	}
	return a, nil
}

// blobTree reads a blob as a layer, streaming: gzip, zstd or a plain tar;
// a JSON document (a config, an index, a manifest) is returned as doc.
func blobTree(r io.Reader) (t *tree, doc []byte, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, err
		}
		t, err = layerTree(gz)
		return t, nil, err
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		z, err := zstd.NewReader(br)
		if err != nil {
			return nil, nil, err
		}
		defer z.Close()
		t, err = layerTree(z)
		return t, nil, err
	case len(head) > 0 && (head[0] == '{' || head[0] == '['):
		doc, err := io.ReadAll(br)
		return nil, doc, err
	}
	t, err = layerTree(br)
	return t, nil, err
}
