package lab

import (
	"archive/tar"
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// TestAStandinGivesWayWhenTheMirrorServesTheImage: an engine whose registry
// mirror (a docker-registry in the engine's network namespace) is down gets
// a stand-in alpine:latest and keeps it run after run; once the mirror
// serves library/alpine, the next run pulls the real image, which takes the
// tag, and removes the stand-in, saying so.
func TestAStandinGivesWayWhenTheMirrorServesTheImage(t *testing.T) {
	testkit.OwnEngine(t)
	testkit.NeedTool(t, "docker-registry", testkit.InstallTestTools)
	// The engine's own network namespace: port 5000 there is free.
	const mirror = "127.0.0.1:5000"
	e := startSecondEngineWith(t, `{"registry-mirrors": ["http://`+mirror+`"]}`)
	ctx := t.Context()
	c, err := client.NewClientWithOpts(client.WithHost("unix://"+e.sock), client.WithAPIVersionNegotiation())
	require.NoError(t, err)
	defer c.Close()
	root, err := findTestRoot()
	require.NoError(t, err)
	ensure := func() (Base, string) {
		var out strings.Builder
		l := newText(c, settings.Settings{Base: settings.BaseAuto, Progress: "quiet"}, root, &out)
		b, err := l.ensureBase(ctx, "alpine:latest")
		require.NoError(t, err, out.String())
		l.Close()
		return b, out.String()
	}
	on := func(args ...string) string { return docker(t, append([]string{"-H", "unix://" + e.sock}, args...)...) }

	// The mirror is down: a stand-in, then the same stand-in, silently.
	first, said := ensure()
	require.True(t, first.Standin, said)
	assert.Contains(t, said, "making an offline stand-in")
	again, said := ensure()
	assert.Equal(t, first.ID, again.ID)
	assert.Empty(t, said, "offline, a stand-in is reused without a word")

	// The mirror comes up and serves library/alpine:latest.
	reg := &testRegistry{t: t, addr: mirror, storage: t.TempDir(), netns: e.netns}
	reg.start("")
	real := pushToMirror(t, c, reg.addr+"/library/alpine:latest")

	b, said := ensure()
	assert.False(t, b.Standin, said)
	assert.Equal(t, real, b.ID)
	assert.Contains(t, said, "alpine:latest: a registry has the real image now; pulled it ("+strings.TrimPrefix(real, "sha256:")[:12]+") and removed the stand-in "+strings.TrimPrefix(first.ID, "sha256:")[:12])
	// The docker CLI sees the real image under the tag and no stand-in.
	assert.Equal(t, real, on("image", "inspect", "--format", "{{.ID}}", "alpine:latest"))
	assert.Equal(t, "from the mirror", on("run", "--rm", "--entrypoint", "/bin/sh", "alpine:latest", "-c", "cat /etc/alpine-release"))
	err = exec.Command("docker", "-H", "unix://"+e.sock, "image", "inspect", first.ID).Run()
	assert.Error(t, err, "the stand-in is gone")

	// The mirror down again: the real image stays, and nothing is said.
	reg.stop()
	b, said = ensure()
	assert.Equal(t, real, b.ID)
	assert.Empty(t, said)
}

// pushToMirror makes a small image with a shell (the second engine's
// stand-in's /bin) and a file saying where it came from, and pushes it as
// ref, which is then removed from the engine again.
func pushToMirror(t *testing.T, c *client.Client, ref string) string {
	ctx := t.Context()
	standin, err := c.ImageInspect(ctx, "alpine:latest")
	require.NoError(t, err)
	// A real alpine's content is the stand-in's layer plus a file: the
	// layer is taken from the engine with a container export.
	ctr, err := c.ContainerCreate(ctx, &container.Config{Image: standin.ID}, nil, nil, nil, "")
	require.NoError(t, err)
	defer func() { _ = c.ContainerRemove(ctx, ctr.ID, container.RemoveOptions{}) }()
	rc, err := c.ContainerExport(ctx, ctr.ID)
	require.NoError(t, err)
	var rootfs bytes.Buffer
	tw := tar.NewWriter(&rootfs)
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		require.NoError(t, tw.WriteHeader(h))
		_, err = io.Copy(tw, tr)
		require.NoError(t, err)
	}
	rc.Close()
	body := []byte("from the mirror\n")
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "etc/alpine-release", Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}))
	_, err = tw.Write(body)
	require.NoError(t, err)
	require.NoError(t, tw.Close())

	in, err := c.ImageImport(ctx, image.ImportSource{Source: &rootfs, SourceName: "-"}, ref, image.ImportOptions{Changes: []string{`CMD ["/bin/sh"]`}})
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, in)
	require.NoError(t, err)
	in.Close()
	pushed, err := c.ImageInspect(ctx, ref)
	require.NoError(t, err)
	out, err := c.ImagePush(ctx, ref, image.PushOptions{RegistryAuth: "e30="})
	require.NoError(t, err)
	msgs, err := io.ReadAll(out)
	require.NoError(t, err)
	out.Close()
	require.NotContains(t, string(msgs), `"error"`, string(msgs))
	_, err = c.ImageRemove(ctx, ref, image.RemoveOptions{})
	require.NoError(t, err)
	return pushed.ID
}
