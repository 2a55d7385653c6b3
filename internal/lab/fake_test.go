package lab

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/engine"
)

// fakeClient stands in for the engine in unit tests: one func field per call
// a test cares about; the embedded nil interface panics on any other call,
// so a test also proves which calls a step makes.
type fakeClient struct {
	engine.Client
	imageList       func(image.ListOptions) ([]image.Summary, error)
	imageInspect    func(ref string) (image.InspectResponse, error)
	imageRemove     func(ref string, opts image.RemoveOptions) ([]image.DeleteResponse, error)
	imagePull       func(ref string) (io.ReadCloser, error)
	imageImport     func(ref string, r io.Reader, opts image.ImportOptions) (io.ReadCloser, error)
	containerList   func(container.ListOptions) ([]container.Summary, error)
	containerRemove func(id string, opts container.RemoveOptions) error
	serverVersion   func() (types.Version, error)
	info            func() (system.Info, error)
	containerInfo   func(id string) (container.InspectResponse, error)
}

// Info answers with a fixed engine ID unless the test says otherwise.
func (f *fakeClient) Info(context.Context) (system.Info, error) {
	if f.info == nil {
		return system.Info{ID: "fake-engine"}, nil
	}
	return f.info()
}

func (f *fakeClient) ContainerInspect(_ context.Context, id string) (container.InspectResponse, error) {
	return f.containerInfo(id)
}

func (f *fakeClient) ImageList(_ context.Context, o image.ListOptions) ([]image.Summary, error) {
	return f.imageList(o)
}

func (f *fakeClient) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (image.InspectResponse, error) {
	return f.imageInspect(ref)
}

func (f *fakeClient) ImageRemove(_ context.Context, ref string, o image.RemoveOptions) ([]image.DeleteResponse, error) {
	return f.imageRemove(ref, o)
}

func (f *fakeClient) ImagePull(_ context.Context, ref string, _ image.PullOptions) (io.ReadCloser, error) {
	return f.imagePull(ref)
}

func (f *fakeClient) ImageImport(_ context.Context, src image.ImportSource, ref string, o image.ImportOptions) (io.ReadCloser, error) {
	return f.imageImport(ref, src.Source, o)
}

func (f *fakeClient) ContainerList(_ context.Context, o container.ListOptions) ([]container.Summary, error) {
	return f.containerList(o)
}

func (f *fakeClient) ContainerRemove(_ context.Context, id string, o container.RemoveOptions) error {
	return f.containerRemove(id, o)
}

func (f *fakeClient) ServerVersion(context.Context) (types.Version, error) {
	return f.serverVersion()
}

// notFound is the engine's answer for an absent object.
func notFound(what string) error { return errdefs.NotFound(errString("No such image: " + what)) }

type errString string

func (e errString) Error() string { return string(e) }

func body(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// projectRoot is the project folder, whose lab file unit tests run.
func projectRoot(t *testing.T) string {
	t.Helper()
	root, err := findTestRoot()
	require.NoError(t, err)
	return root
}
