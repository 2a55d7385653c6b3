// Package enginetest is a fake engine for the unit tests of every package
// that talks to the engine through engine.Client.
package enginetest

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

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

	"github.com/multistage-lab/multistage-lab/internal/engine"
)

// Fake stands in for the engine in unit tests of every package, as docker/cli's
// Fake does: one func field per call, and a call whose field is unset
// answers with zero values. Where a zero value would hang or crash the
// caller (a nil stream, a nil channel), it answers as an engine with nothing
// to say would: an empty body, a container that exits 0. Info names a fixed
// engine, and the API version is one every feature needs.
type Fake struct {
	Version                 string
	PingFunc                func() (types.Ping, error)
	ServerVersionFunc       func() (types.Version, error)
	InfoFunc                func() (system.Info, error)
	DialHijackFunc          func(url string) (net.Conn, error)
	ImageBuildFunc          func(ctx context.Context, context io.Reader, opts build.ImageBuildOptions) (build.ImageBuildResponse, error)
	ImageListFunc           func(image.ListOptions) ([]image.Summary, error)
	ImageSaveFunc           func(refs []string) (io.ReadCloser, error)
	ImageInspectFunc        func(ref string) (image.InspectResponse, error)
	ImageHistoryFunc        func(ref string) ([]image.HistoryResponseItem, error)
	ImageRemoveFunc         func(ref string, opts image.RemoveOptions) ([]image.DeleteResponse, error)
	ImageImportFunc         func(ref string, r io.Reader, opts image.ImportOptions) (io.ReadCloser, error)
	ImagePullFunc           func(ref string) (io.ReadCloser, error)
	DistributionInspectFunc func(ref string) (registry.DistributionInspect, error)
	ContainerListFunc       func(container.ListOptions) ([]container.Summary, error)
	ContainerInspectFunc    func(id string) (container.InspectResponse, error)
	ContainerCreateFunc     func(cfg *container.Config) (container.CreateResponse, error)
	ContainerStartFunc      func(id string) error
	ContainerWaitFunc       func(id string) (container.WaitResponse, error)
	ContainerLogsFunc       func(id string) (io.ReadCloser, error)
	ContainerStatPathFunc   func(id, path string) (container.PathStat, error)
	ContainerRenameFunc     func(id, name string) error
	CopyFromContainerFunc   func(id, path string) (io.ReadCloser, container.PathStat, error)
	ContainerRemoveFunc     func(id string, opts container.RemoveOptions) error
	ContainerCommitFunc     func(id string) (container.CommitResponse, error)
	CopyToContainerFunc     func(id, path string, content io.Reader) error
}

var _ engine.Client = (*Fake)(nil)

func (f *Fake) ClientVersion() string {
	if f.Version == "" {
		return "1.51"
	}
	return f.Version
}

func (f *Fake) Ping(context.Context) (types.Ping, error) {
	if f.PingFunc == nil {
		return types.Ping{}, nil
	}
	return f.PingFunc()
}

func (f *Fake) ServerVersion(context.Context) (types.Version, error) {
	if f.ServerVersionFunc == nil {
		return types.Version{}, nil
	}
	return f.ServerVersionFunc()
}

func (f *Fake) Info(context.Context) (system.Info, error) {
	if f.InfoFunc == nil {
		return system.Info{ID: "fake-engine"}, nil
	}
	return f.InfoFunc()
}

func (f *Fake) DialHijack(_ context.Context, url, _ string, _ map[string][]string) (net.Conn, error) {
	if f.DialHijackFunc == nil {
		return nil, errors.New("the fake engine has no session endpoint")
	}
	return f.DialHijackFunc(url)
}

func (f *Fake) ImageBuild(ctx context.Context, r io.Reader, o build.ImageBuildOptions) (build.ImageBuildResponse, error) {
	if f.ImageBuildFunc == nil {
		_, _ = io.Copy(io.Discard, r)
		return build.ImageBuildResponse{Body: body("")}, nil
	}
	return f.ImageBuildFunc(ctx, r, o)
}

func (f *Fake) ImageList(_ context.Context, o image.ListOptions) ([]image.Summary, error) {
	if f.ImageListFunc == nil {
		return nil, nil
	}
	return f.ImageListFunc(o)
}

func (f *Fake) ImageSave(_ context.Context, refs []string, _ ...client.ImageSaveOption) (io.ReadCloser, error) {
	if f.ImageSaveFunc == nil {
		return body(""), nil
	}
	return f.ImageSaveFunc(refs)
}

func (f *Fake) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (image.InspectResponse, error) {
	if f.ImageInspectFunc == nil {
		return image.InspectResponse{}, nil
	}
	return f.ImageInspectFunc(ref)
}

func (f *Fake) ImageHistory(_ context.Context, ref string, _ ...client.ImageHistoryOption) ([]image.HistoryResponseItem, error) {
	if f.ImageHistoryFunc == nil {
		return nil, nil
	}
	return f.ImageHistoryFunc(ref)
}

func (f *Fake) ImageRemove(_ context.Context, ref string, o image.RemoveOptions) ([]image.DeleteResponse, error) {
	if f.ImageRemoveFunc == nil {
		return nil, nil
	}
	return f.ImageRemoveFunc(ref, o)
}

func (f *Fake) ImageImport(_ context.Context, src image.ImportSource, ref string, o image.ImportOptions) (io.ReadCloser, error) {
	if f.ImageImportFunc == nil {
		return body(""), nil
	}
	return f.ImageImportFunc(ref, src.Source, o)
}

func (f *Fake) ImagePull(_ context.Context, ref string, _ image.PullOptions) (io.ReadCloser, error) {
	if f.ImagePullFunc == nil {
		return body(""), nil
	}
	return f.ImagePullFunc(ref)
}

// DistributionInspect answers as an engine that reaches no registry, unless
// the test says otherwise.
func (f *Fake) DistributionInspect(_ context.Context, ref, _ string) (registry.DistributionInspect, error) {
	if f.DistributionInspectFunc == nil {
		return registry.DistributionInspect{}, errdefs.Unavailable(errors.New("no registry reachable"))
	}
	return f.DistributionInspectFunc(ref)
}

func (f *Fake) CopyToContainer(_ context.Context, id, path string, content io.Reader, _ container.CopyToContainerOptions) error {
	if f.CopyToContainerFunc == nil {
		return nil
	}
	return f.CopyToContainerFunc(id, path, content)
}

func (f *Fake) ContainerList(_ context.Context, o container.ListOptions) ([]container.Summary, error) {
	if f.ContainerListFunc == nil {
		return nil, nil
	}
	return f.ContainerListFunc(o)
}

func (f *Fake) ContainerInspect(_ context.Context, id string) (container.InspectResponse, error) {
	if f.ContainerInspectFunc == nil {
		return container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{ID: id}}, nil
	}
	return f.ContainerInspectFunc(id)
}

func (f *Fake) ContainerCreate(_ context.Context, cfg *container.Config, _ *container.HostConfig, _ *network.NetworkingConfig, _ *ocispec.Platform, _ string) (container.CreateResponse, error) {
	if f.ContainerCreateFunc == nil {
		return container.CreateResponse{}, nil
	}
	return f.ContainerCreateFunc(cfg)
}

func (f *Fake) ContainerStart(_ context.Context, id string, _ container.StartOptions) error {
	if f.ContainerStartFunc == nil {
		return nil
	}
	return f.ContainerStartFunc(id)
}

func (f *Fake) ContainerWait(_ context.Context, id string, _ container.WaitCondition) (<-chan container.WaitResponse, <-chan error) {
	waitC, errC := make(chan container.WaitResponse, 1), make(chan error, 1)
	if f.ContainerWaitFunc == nil {
		waitC <- container.WaitResponse{}
		return waitC, errC
	}
	w, err := f.ContainerWaitFunc(id)
	if err != nil {
		errC <- err
	} else {
		waitC <- w
	}
	return waitC, errC
}

func (f *Fake) ContainerLogs(_ context.Context, id string, _ container.LogsOptions) (io.ReadCloser, error) {
	if f.ContainerLogsFunc == nil {
		return body(""), nil
	}
	return f.ContainerLogsFunc(id)
}

func (f *Fake) ContainerStatPath(_ context.Context, id, path string) (container.PathStat, error) {
	if f.ContainerStatPathFunc == nil {
		return container.PathStat{}, nil
	}
	return f.ContainerStatPathFunc(id, path)
}

func (f *Fake) CopyFromContainer(_ context.Context, id, path string) (io.ReadCloser, container.PathStat, error) {
	if f.CopyFromContainerFunc == nil {
		return body(""), container.PathStat{}, nil
	}
	return f.CopyFromContainerFunc(id, path)
}

func (f *Fake) ContainerRemove(_ context.Context, id string, o container.RemoveOptions) error {
	if f.ContainerRemoveFunc == nil {
		return nil
	}
	return f.ContainerRemoveFunc(id, o)
}

func (f *Fake) ContainerRename(_ context.Context, id, name string) error {
	if f.ContainerRenameFunc == nil {
		return nil
	}
	return f.ContainerRenameFunc(id, name)
}

// body is a stream that says s.
func body(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

func (f *Fake) ContainerCommit(_ context.Context, id string, _ container.CommitOptions) (container.CommitResponse, error) {
	if f.ContainerCommitFunc == nil {
		return container.CommitResponse{ID: "sha256:committed-" + id}, nil
	}
	return f.ContainerCommitFunc(id)
}
