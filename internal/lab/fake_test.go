package lab

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/engine"
)

// fakeClient stands in for the engine in unit tests, as docker/cli's
// fakeClient does: one func field per call, and a call whose field is unset
// answers with zero values. Where a zero value would hang or crash the
// caller (a nil stream, a nil channel), it answers as an engine with nothing
// to say would: an empty body, a container that exits 0. Info names a fixed
// engine, and the API version is one every feature needs.
type fakeClient struct {
	clientVersion     string
	ping              func() (types.Ping, error)
	serverVersion     func() (types.Version, error)
	info              func() (system.Info, error)
	dialHijack        func(url string) (net.Conn, error)
	imageBuild        func(ctx context.Context, context io.Reader, opts build.ImageBuildOptions) (build.ImageBuildResponse, error)
	imageList         func(image.ListOptions) ([]image.Summary, error)
	imageInspect      func(ref string) (image.InspectResponse, error)
	imageHistory      func(ref string) ([]image.HistoryResponseItem, error)
	imageRemove       func(ref string, opts image.RemoveOptions) ([]image.DeleteResponse, error)
	imageImport       func(ref string, r io.Reader, opts image.ImportOptions) (io.ReadCloser, error)
	imagePull         func(ref string) (io.ReadCloser, error)
	distribution      func(ref string) (registry.DistributionInspect, error)
	containerList     func(container.ListOptions) ([]container.Summary, error)
	containerInfo     func(id string) (container.InspectResponse, error)
	containerCreate   func(cfg *container.Config) (container.CreateResponse, error)
	containerStart    func(id string) error
	containerWait     func(id string) (container.WaitResponse, error)
	containerLogs     func(id string) (io.ReadCloser, error)
	containerStatPath func(id, path string) (container.PathStat, error)
	copyFromContainer func(id, path string) (io.ReadCloser, container.PathStat, error)
	containerRemove   func(id string, opts container.RemoveOptions) error
	copyToContainer   func(id, path string, content io.Reader) error
}

var _ engine.Client = (*fakeClient)(nil)

func (f *fakeClient) ClientVersion() string {
	if f.clientVersion == "" {
		return "1.51"
	}
	return f.clientVersion
}

func (f *fakeClient) Ping(context.Context) (types.Ping, error) {
	if f.ping == nil {
		return types.Ping{}, nil
	}
	return f.ping()
}

func (f *fakeClient) ServerVersion(context.Context) (types.Version, error) {
	if f.serverVersion == nil {
		return types.Version{}, nil
	}
	return f.serverVersion()
}

func (f *fakeClient) Info(context.Context) (system.Info, error) {
	if f.info == nil {
		return system.Info{ID: "fake-engine"}, nil
	}
	return f.info()
}

func (f *fakeClient) DialHijack(_ context.Context, url, _ string, _ map[string][]string) (net.Conn, error) {
	if f.dialHijack == nil {
		return nil, errString("the fake engine has no session endpoint")
	}
	return f.dialHijack(url)
}

func (f *fakeClient) ImageBuild(ctx context.Context, r io.Reader, o build.ImageBuildOptions) (build.ImageBuildResponse, error) {
	if f.imageBuild == nil {
		_, _ = io.Copy(io.Discard, r)
		return build.ImageBuildResponse{Body: body("")}, nil
	}
	return f.imageBuild(ctx, r, o)
}

func (f *fakeClient) ImageList(_ context.Context, o image.ListOptions) ([]image.Summary, error) {
	if f.imageList == nil {
		return nil, nil
	}
	return f.imageList(o)
}

func (f *fakeClient) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (image.InspectResponse, error) {
	if f.imageInspect == nil {
		return image.InspectResponse{}, nil
	}
	return f.imageInspect(ref)
}

func (f *fakeClient) ImageHistory(_ context.Context, ref string, _ ...client.ImageHistoryOption) ([]image.HistoryResponseItem, error) {
	if f.imageHistory == nil {
		return nil, nil
	}
	return f.imageHistory(ref)
}

func (f *fakeClient) ImageRemove(_ context.Context, ref string, o image.RemoveOptions) ([]image.DeleteResponse, error) {
	if f.imageRemove == nil {
		return nil, nil
	}
	return f.imageRemove(ref, o)
}

func (f *fakeClient) ImageImport(_ context.Context, src image.ImportSource, ref string, o image.ImportOptions) (io.ReadCloser, error) {
	if f.imageImport == nil {
		return body(""), nil
	}
	return f.imageImport(ref, src.Source, o)
}

func (f *fakeClient) ImagePull(_ context.Context, ref string, _ image.PullOptions) (io.ReadCloser, error) {
	if f.imagePull == nil {
		return body(""), nil
	}
	return f.imagePull(ref)
}

// DistributionInspect answers as an engine that reaches no registry, unless
// the test says otherwise.
func (f *fakeClient) DistributionInspect(_ context.Context, ref, _ string) (registry.DistributionInspect, error) {
	if f.distribution == nil {
		return registry.DistributionInspect{}, errdefs.Unavailable(errors.New("no registry reachable"))
	}
	return f.distribution(ref)
}

func (f *fakeClient) CopyToContainer(_ context.Context, id, path string, content io.Reader, _ container.CopyToContainerOptions) error {
	if f.copyToContainer == nil {
		return nil
	}
	return f.copyToContainer(id, path, content)
}

func (f *fakeClient) ContainerList(_ context.Context, o container.ListOptions) ([]container.Summary, error) {
	if f.containerList == nil {
		return nil, nil
	}
	return f.containerList(o)
}

func (f *fakeClient) ContainerInspect(_ context.Context, id string) (container.InspectResponse, error) {
	if f.containerInfo == nil {
		return container.InspectResponse{}, nil
	}
	return f.containerInfo(id)
}

func (f *fakeClient) ContainerCreate(_ context.Context, cfg *container.Config, _ *container.HostConfig, _ *network.NetworkingConfig, _ *ocispec.Platform, _ string) (container.CreateResponse, error) {
	if f.containerCreate == nil {
		return container.CreateResponse{}, nil
	}
	return f.containerCreate(cfg)
}

func (f *fakeClient) ContainerStart(_ context.Context, id string, _ container.StartOptions) error {
	if f.containerStart == nil {
		return nil
	}
	return f.containerStart(id)
}

func (f *fakeClient) ContainerWait(_ context.Context, id string, _ container.WaitCondition) (<-chan container.WaitResponse, <-chan error) {
	waitC, errC := make(chan container.WaitResponse, 1), make(chan error, 1)
	if f.containerWait == nil {
		waitC <- container.WaitResponse{}
		return waitC, errC
	}
	w, err := f.containerWait(id)
	if err != nil {
		errC <- err
	} else {
		waitC <- w
	}
	return waitC, errC
}

func (f *fakeClient) ContainerLogs(_ context.Context, id string, _ container.LogsOptions) (io.ReadCloser, error) {
	if f.containerLogs == nil {
		return body(""), nil
	}
	return f.containerLogs(id)
}

func (f *fakeClient) ContainerStatPath(_ context.Context, id, path string) (container.PathStat, error) {
	if f.containerStatPath == nil {
		return container.PathStat{}, nil
	}
	return f.containerStatPath(id, path)
}

func (f *fakeClient) CopyFromContainer(_ context.Context, id, path string) (io.ReadCloser, container.PathStat, error) {
	if f.copyFromContainer == nil {
		return body(""), container.PathStat{}, nil
	}
	return f.copyFromContainer(id, path)
}

func (f *fakeClient) ContainerRemove(_ context.Context, id string, o container.RemoveOptions) error {
	if f.containerRemove == nil {
		return nil
	}
	return f.containerRemove(id, o)
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
