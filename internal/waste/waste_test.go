package waste

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type entry struct {
	name string
	size int
	dir  bool
}

func layerTar(t *testing.T, entries []entry) []byte {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(e.size), Typeflag: tar.TypeReg}
		if e.dir {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		require.NoError(t, w.WriteHeader(h))
		_, err := w.Write(bytes.Repeat([]byte{'x'}, int(h.Size)))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return b.Bytes()
}

// saved is an image as docker save writes it: each layer a file of the
// archive (compressed if gz) and manifest.json listing them in order.
func saved(t *testing.T, names []string, layers [][]byte, gz bool) []byte {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	put := func(name string, data []byte) {
		require.NoError(t, w.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}))
		_, err := w.Write(data)
		require.NoError(t, err)
	}
	put("blobs/sha256/config", []byte(`{"architecture":"amd64","rootfs":{"type":"layers"},"history":[{"created_by":"ADD base /"},{"created_by":"ENV A=1","empty_layer":true},{"created_by":"COPY big /"},{"created_by":"RUN rm /big"}]}`))
	for i, l := range layers {
		if gz {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			_, err := zw.Write(l)
			require.NoError(t, err)
			require.NoError(t, zw.Close())
			l = z.Bytes()
		}
		put(names[i], l)
	}
	m, err := json.Marshal([]map[string]any{{"Config": "blobs/sha256/config", "Layers": names}})
	require.NoError(t, err)
	put("manifest.json", m)
	require.NoError(t, w.Close())
	return b.Bytes()
}

// threeLayers: a base; a layer that adds a big file, a small one and a
// folder of two; a layer that removes the big file and the folder and
// writes the small one again.
func threeLayers(t *testing.T) [][]byte {
	return [][]byte{
		layerTar(t, []entry{{"bin/", 0, true}, {"bin/sh", 100, false}, {"etc/", 0, true}, {"etc/x", 50, false}}),
		layerTar(t, []entry{{"big", 1000, false}, {"a.txt", 10, false}, {"d/", 0, true}, {"d/f1", 30, false}, {"d/f2", 40, false}}),
		layerTar(t, []entry{{".wh.big", 0, false}, {"a.txt", 20, false}, {".wh.d", 0, false}}),
	}
}

// TestWasteAsDiveCountsIt works dive's rules out by hand on three layers:
// a removed file's size is wasted (its versions: the file and the
// removal, 0), a file written twice wastes both versions, a removed
// folder weighs what it held (but is one version of its path, as dive's
// leaves are: not wasted); efficiency is each path's smallest version
// over all versions.
func TestWasteAsDiveCountsIt(t *testing.T) {
	for _, layout := range []struct {
		name  string
		names []string
		gz    bool
	}{
		{"graph driver (legacy layout)", []string{"l0/layer.tar", "l1/layer.tar", "l2/layer.tar"}, false},
		{"containerd store (OCI layout, gzip blobs)", []string{"blobs/sha256/aaa", "blobs/sha256/bbb", "blobs/sha256/ccc"}, true},
	} {
		t.Run(layout.name, func(t *testing.T) {
			a, err := Analyze(bytes.NewReader(saved(t, layout.names, threeLayers(t), layout.gz)))
			require.NoError(t, err)
			// paths: /bin/sh 100, /etc/x 50, /big 1000+0, /a.txt 10+20,
			// /d/f1 30, /d/f2 40, /d (its removal) 70
			assert.InDelta(t, 300.0/1320.0, a.Efficiency, 1e-12)
			assert.Equal(t, uint64(1030), a.WastedBytes)
			assert.Equal(t, uint64(150+1080+20), a.SizeBytes)
			assert.Equal(t, uint64(1100), a.UserSizeBytes)
			assert.InDelta(t, 1030.0/1100.0, a.UserWastedPercent, 1e-12)
			assert.Equal(t, []Layer{{Size: 150, Command: "ADD base /"}, {Size: 1080, Wasted: 1010, Command: "COPY big /"}, {Size: 20, Wasted: 20, Command: "RUN rm /big"}}, a.Layers, "each layer with the history entry that made it, empty ones skipped")
			assert.Equal(t, []Path{{Path: "/big", Versions: 2, CumulativeSize: 1000}, {Path: "/a.txt", Versions: 2, CumulativeSize: 30}}, a.Paths)
		})
	}
}

func TestNoWasteIsEfficiencyOne(t *testing.T) {
	a, err := Analyze(bytes.NewReader(saved(t, []string{"l0/layer.tar", "l1/layer.tar"}, [][]byte{
		layerTar(t, []entry{{"bin/sh", 100, false}}),
		layerTar(t, []entry{{"app", 10, false}}),
	}, false)))
	require.NoError(t, err)
	assert.Equal(t, 1.0, a.Efficiency)
	assert.Zero(t, a.WastedBytes)
	assert.Empty(t, a.Paths)
}

func TestNotASavedImage(t *testing.T) {
	_, err := Analyze(bytes.NewReader(layerTar(t, []entry{{"x", 1, false}})))
	assert.ErrorIs(t, err, ErrNoManifest)
}
