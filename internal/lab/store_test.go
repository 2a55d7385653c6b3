package lab

import (
	"encoding/json"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The store and sizes as 20.10 (fuse-overlayfs) and 29.8 (containerd
// store) reported them for multi-state:runtime on 2026-11-29; the 29.8
// answer is its JSON (GET /images/multi-state:runtime/json?manifests=1).
func TestStoreAndSizesOnEachStore(t *testing.T) {
	graph := storeFromInfo("fuse-overlayfs", nil)
	assert.False(t, graph.Containerd)
	assert.Equal(t, Sizes{Unpacked: 4380025, Engine: 4380025}, sizesOf(graph, image.InspectResponse{Size: 4380025}))

	ctrd := storeFromInfo("overlayfs", [][2]string{{"driver-type", "io.containerd.snapshotter.v1"}})
	assert.True(t, ctrd.Containerd)
	assert.Equal(t, "containerd image store (overlayfs snapshotter)", ctrd.String())
	var in image.InspectResponse
	require.NoError(t, json.Unmarshal([]byte(`{"Size": 7007305, "Manifests": [
		{"Available": true, "Kind": "attestation", "Size": {"Content": 1, "Total": 1}},
		{"Available": true, "Kind": "image", "ImageData": {"Platform": {"architecture": "amd64", "os": "linux"}, "Size": {"Unpacked": 4509696}}, "Size": {"Content": 2497609, "Total": 7007305}}]}`), &in))
	s := sizesOf(ctrd, in)
	assert.Equal(t, Sizes{Unpacked: 4509696, Content: 2497609, Engine: 7007305}, s)
	assert.Equal(t, s.Engine, s.Unpacked+s.Content)
}
