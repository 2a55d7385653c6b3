package enginetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/stdcopy"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Seed is a small engine in memory behind Fake that answers as an engine
// on which the seed's lab runs: it holds golang and alpine, a build tags
// its image (Built: the builder stage or the small runtime image), inspect
// knows the bases, what was built and what was imported (the lock's
// image), and a container of the program prints Stdout and exits with
// Exit.
type Seed struct {
	mu     sync.Mutex
	Images map[string]image.InspectResponse
	// Order are the tags in the order their builds were sent; MaxDuo the
	// most builds in flight at once; Removed the references removed.
	Order    []string
	inFlight int
	MaxDuo   int
	Stdout   string
	Exit     int64
	Removed  []string
}

// BinarySize is the size of the program in a Seed's runtime image.
const BinarySize = 2_397_568

// NewSeed is a Seed with the bases and no lab image.
func NewSeed() *Seed {
	e := &Seed{Images: map[string]image.InspectResponse{}, Stdout: "Hello World\n"}
	e.Images["golang:latest"] = image.InspectResponse{ID: "sha256:golang", Size: 226_746_694, RootFS: image.RootFS{Layers: []string{"g1"}}}
	e.Images["alpine:latest"] = image.InspectResponse{ID: "sha256:alpine", Size: 1_982_368, RootFS: image.RootFS{Layers: []string{"a1"}}}
	return e
}

// Built is the image a build of target makes: builder is the golang tree
// and the program; anything else is alpine and the binary, one image.
func Built(target string) image.InspectResponse {
	if target == "builder" {
		return image.InspectResponse{ID: "sha256:builder", Size: 261_993_651, RootFS: image.RootFS{Layers: []string{"g1", "b1"}},
			Config: &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{WorkingDir: "/myapp"}}}
	}
	return image.InspectResponse{ID: "sha256:runtime", Size: 4_380_025, RootFS: image.RootFS{Layers: []string{"a1", "r1"}},
		Config: &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{WorkingDir: "/myapp", Entrypoint: []string{"./helloworld"}}}}
}

// Client is the engine client that answers from e.
func (e *Seed) Client() *Fake {
	return &Fake{
		ImageBuildFunc: func(ctx context.Context, r io.Reader, o build.ImageBuildOptions) (build.ImageBuildResponse, error) {
			e.mu.Lock()
			e.Order = append(e.Order, o.Tags[0])
			e.inFlight++
			e.MaxDuo = max(e.MaxDuo, e.inFlight)
			e.mu.Unlock()
			_, _ = io.Copy(io.Discard, r)
			time.Sleep(30 * time.Millisecond)
			in := Built(o.Target)
			e.mu.Lock()
			e.inFlight--
			for _, t := range o.Tags {
				e.Images[t] = in
			}
			e.mu.Unlock()
			return build.ImageBuildResponse{Body: body(fmt.Sprintf(`{"id":"moby.image.id","aux":{"ID":%q}}`+"\n", in.ID))}, nil
		},
		ImageInspectFunc: func(ref string) (image.InspectResponse, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			if in, ok := e.Images[ref]; ok {
				return in, nil
			}
			return image.InspectResponse{}, NotFound(ref)
		},
		ContainerCreateFunc: func(cfg *container.Config) (container.CreateResponse, error) {
			e.mu.Lock()
			_, ok := e.Images[cfg.Image]
			e.mu.Unlock()
			if !ok {
				return container.CreateResponse{}, NotFound(cfg.Image)
			}
			sum := sha256.Sum256([]byte(cfg.Image))
			return container.CreateResponse{ID: hex.EncodeToString(sum[:])}, nil
		},
		ContainerStatPathFunc: func(_, path string) (container.PathStat, error) {
			if path == "/myapp/helloworld" {
				return container.PathStat{Name: "helloworld", Size: BinarySize}, nil
			}
			return container.PathStat{}, NotFound(path)
		},
		ContainerWaitFunc: func(string) (container.WaitResponse, error) {
			return container.WaitResponse{StatusCode: e.Exit}, nil
		},
		ContainerLogsFunc: func(string) (io.ReadCloser, error) {
			var b strings.Builder
			w := stdcopy.NewStdWriter(&b, stdcopy.Stdout)
			_, _ = w.Write([]byte(e.Stdout))
			return body(b.String()), nil
		},
		ImageImportFunc: func(ref string, r io.Reader, _ image.ImportOptions) (io.ReadCloser, error) {
			h := sha256.New()
			_, _ = io.Copy(h, r)
			e.mu.Lock()
			e.Images[ref] = image.InspectResponse{ID: "sha256:" + hex.EncodeToString(h.Sum(nil))}
			e.mu.Unlock()
			return body(""), nil
		},
		ImageRemoveFunc: func(ref string, _ image.RemoveOptions) ([]image.DeleteResponse, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.Removed = append(e.Removed, ref)
			return []image.DeleteResponse{{Untagged: ref}}, nil
		},
	}
}

// NotFound is the engine's answer for an absent object.
func NotFound(what string) error { return errdefs.NotFound(fmt.Errorf("No such image: %s", what)) }
