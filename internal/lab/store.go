package lab

import (
	"context"
	"fmt"
	"slices"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/client"
)

// Store is the engine's image store: a graph driver (overlay2,
// fuse-overlayfs, ...), or the containerd image store that Docker Engine 29
// and Docker Desktop use on a fresh install. Image IDs and sizes mean
// different things on the two.
type Store struct {
	Containerd bool
	// Driver is the graph driver, or the containerd snapshotter.
	Driver string
}

// String names the store as the lab's output does.
func (s Store) String() string {
	if s.Containerd {
		return "containerd image store (" + s.Driver + " snapshotter)"
	}
	return "graph driver " + s.Driver
}

// SizeMeaning says what the engine's own size of an image (docker image
// ls's SIZE) counts on this store.
func (s Store) SizeMeaning() string {
	if s.Containerd {
		return "the compressed content plus the unpacked layers"
	}
	return "the unpacked layers"
}

// IDMeaning says what an image ID is the digest of on this store.
func (s Store) IDMeaning() string {
	if s.Containerd {
		return "the digest of the image's manifest"
	}
	return "the digest of the image's config"
}

// storeFromInfo reads the store off the engine's info: the containerd
// store reports its snapshotter as the driver, with driver-type
// io.containerd.snapshotter.v1.
func storeFromInfo(driver string, status [][2]string) Store {
	return Store{
		Driver:     driver,
		Containerd: slices.Contains(status, [2]string{"driver-type", "io.containerd.snapshotter.v1"}),
	}
}

// imageStore is the engine's image store.
func (l *Lab) imageStore(ctx context.Context) (Store, error) {
	in, err := l.engineInfo(ctx)
	if err != nil {
		return Store{}, err
	}
	return storeFromInfo(in.Driver, in.DriverStatus), nil
}

// Sizes are an image's sizes. The assertions compare Unpacked, which means
// the same on every store.
type Sizes struct {
	// Unpacked is the image's layers unpacked: its filesystem on disk.
	Unpacked int64
	// Content is the compressed content the containerd store keeps beside
	// the unpacked layers (0 on a graph driver, which keeps none).
	Content int64
	// Engine is the engine's own size of the image, what docker image ls
	// shows: Unpacked on a graph driver, Content + Unpacked on the
	// containerd store.
	Engine int64
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

// IDNote says what an ID is made of on this store, for an explanation of
// two IDs that differ.
func (s Store) IDNote() string {
	if s.Containerd {
		return "on the " + s.String() + " an image ID is " + s.IDMeaning() + ", which names the config and each compressed layer: whatever changes the config below changes the ID"
	}
	return "on a " + s.String() + " an image ID is " + s.IDMeaning() + ", which lists the layers and records the settings below: whatever changes them changes the ID"
}
