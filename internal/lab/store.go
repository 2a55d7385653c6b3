package lab

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/client"

	"github.com/multistage-lab/multistage-lab/internal/checks"
)

// storeFromInfo reads the store off the engine's info.
func storeFromInfo(driver string, status [][2]string) Store {
	return checks.StoreOf(driver, status)
}

// imageStore is the engine's image store.
func (l *Lab) imageStore(ctx context.Context) (Store, error) {
	in, err := l.engineInfo(ctx)
	if err != nil {
		return Store{}, err
	}
	return storeFromInfo(in.Driver, in.DriverStatus), nil
}

// inspectImage inspects ref with its sizes: on the containerd store the
// engine's Size counts the compressed content too, so the unpacked size is
// read from the image's manifest (API 1.48 and newer).
func (l *Lab) inspectImage(ctx context.Context, ref string) (image.InspectResponse, Sizes, error) {
	st, err := l.imageStore(ctx)
	if err != nil {
		return image.InspectResponse{}, Sizes{}, err
	}
	var opts []client.ImageInspectOption
	if st.Containerd && versions.GreaterThanOrEqualTo(l.Client.ClientVersion(), "1.48") {
		opts = append(opts, client.ImageInspectWithManifests(true))
	}
	in, err := l.Client.ImageInspect(ctx, ref, opts...)
	if err != nil {
		return in, Sizes{}, err
	}
	return in, sizesOf(st, in), nil
}

// sizesOf reads an inspected image's sizes on its store.
func sizesOf(st Store, in image.InspectResponse) Sizes {
	s := Sizes{Unpacked: in.Size, Engine: in.Size}
	if !st.Containerd {
		return s
	}
	for _, m := range in.Manifests {
		if m.Kind == image.ManifestKindImage && m.Available && m.ImageData != nil {
			s.Unpacked, s.Content = m.ImageData.Size.Unpacked, m.Size.Content
			break
		}
	}
	return s
}

// engineLine names the engine as the lab's output does: version, the API
// version the lab speaks with it, and the image store.
func (l *Lab) engineLine(ctx context.Context) (string, error) {
	v, err := l.engineVersion(ctx)
	if err != nil {
		return "", err
	}
	st, err := l.imageStore(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Docker Engine %s (API %s, %s)", v.Version, l.Client.ClientVersion(), st), nil
}
