package checks

import (
	"slices"
	"strings"
)

// ImageFacts is what the engine says of one image, in the lab's own terms so
// that no assertion touches Docker's types.
type ImageFacts struct {
	Ref     string
	Present bool
	ID      string
	// Size is the unpacked size, the one the assertions compare on every
	// image store (see Sizes).
	Size       int64
	Sizes      Sizes
	Entrypoint []string
	Cmd        []string
	WorkingDir string
	User       string
	// ExposedPorts are as docker keys them ("8080/tcp"), sorted; Volumes
	// the volume paths, sorted.
	ExposedPorts []string
	Volumes      []string
	Layers       []string
	Labels       map[string]string
	Created      string
	Env          []string
	History      []HistoryEntry
}

// HistoryEntry is one step of an image's history, oldest first.
type HistoryEntry struct {
	CreatedBy string
	Size      int64
	Comment   string
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

// WasteFacts are what an image's layers waste, as dive counts it (package
// waste): its efficiency, the wasted bytes, and those over the bytes its
// layers above the first add.
type WasteFacts struct {
	Efficiency        float64
	WastedBytes       uint64
	UserSizeBytes     uint64
	UserWastedPercent float64
	// Err is why the layers could not be read, "" if they were.
	Err string
}

// Base is a base image on the engine as the lab found or made it.
type Base struct {
	Ref     string
	ID      string
	Standin bool
	// Commands is what a stand-in's /bin holds, "busybox" or "toolbox";
	// empty for a stand-in an earlier lab made with a shell alone.
	Commands string
	// Size is the unpacked size (see Sizes).
	Size   int64
	Sizes  Sizes
	Layers []string
}

// ScratchID stands for the ID of scratch, the empty base, which is no
// image on the engine.
const ScratchID = "scratch"

// Kind says "stand-in" or "real", or "empty" for scratch.
func (b Base) Kind() string {
	if b.ID == ScratchID {
		return "empty"
	}
	if b.Standin {
		return "stand-in"
	}
	return "real"
}

// PathInfo is what the lab learns of one path in an image's filesystem.
type PathInfo struct {
	Path    string
	Present bool
	Size    int64
	// Read says the path was read from the image's archive (Needs.Read):
	// its permission bits, owner, group and, for a file, its content.
	Read     bool
	Mode     int64
	UID, GID int
	Content  []byte
}

// RunResult is what a container of an image printed and how it ended.
type RunResult struct {
	Stdout   string
	Stderr   string
	ExitCode int64
}

// RunOutcome is a run as the checks see it: what it printed, or why it
// could not run.
type RunOutcome struct {
	RunResult
	Err string
}

// Inventory is everything the checks look at, gathered from the engine
// once.
type Inventory struct {
	// Images holds the lab file's images by name.
	Images map[string]ImageFacts
	// Bases holds the base images by the lab file's roles.
	Bases map[string]Base
	// Paths holds, by image name, the paths the checks look up in it.
	Paths map[string]map[string]PathInfo
	// Runs holds, by image name (RunSpec.Key for a run with arguments or
	// environment), what a container of it printed.
	Runs map[string]RunOutcome
	// Waste holds, by image name, what its layers waste.
	Waste map[string]WasteFacts
	// Store is the engine's image store, which says what an ID is.
	Store Store
	// Approaches holds, by name, what each approach of a comparison built
	// and printed.
	Approaches map[string]ApproachFacts
}

// ApproachFacts is what one approach of a comparison built (its image's
// unpacked size) and what a container of it printed, or why it failed.
type ApproachFacts struct {
	Size    int64
	Output  string
	ExitErr string
}

// Store is the engine's image store: a graph driver (overlay2,
// fuse-overlayfs, ...), or the containerd image store that Docker Engine 29
// and Docker Desktop use on a fresh install. Image IDs and sizes mean
// different things on the two.
type Store struct {
	Containerd bool
	// Driver is the graph driver, or the containerd snapshotter.
	Driver string
}

// StoreOf reads the store off the engine's info (its Driver and
// DriverStatus): the containerd store reports its snapshotter as the
// driver, with driver-type io.containerd.snapshotter.v1.
func StoreOf(driver string, status [][2]string) Store {
	return Store{Driver: driver, Containerd: slices.Contains(status, [2]string{"driver-type", "io.containerd.snapshotter.v1"})}
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

// IDNote says what an ID is made of on this store, for an explanation of
// two IDs that differ.
func (s Store) IDNote() string {
	if s.Containerd {
		return "on the " + s.String() + " an image ID is " + s.IDMeaning() + ", which names the config and each compressed layer: whatever changes the config below changes the ID"
	}
	return "on a " + s.String() + " an image ID is " + s.IDMeaning() + ", which lists the layers and records the settings below: whatever changes them changes the ID"
}

// Instruction shortens a history entry to the Dockerfile line it came from.
func (h HistoryEntry) Instruction() string {
	s := strings.TrimSpace(h.CreatedBy)
	s = strings.TrimPrefix(s, "/bin/sh -c #(nop) ")
	s = strings.TrimSpace(strings.TrimSuffix(s, "# buildkit"))
	s = strings.TrimPrefix(s, "RUN ")
	if strings.HasPrefix(s, "/bin/sh -c ") {
		s = "RUN " + strings.TrimPrefix(s, "/bin/sh -c ")
	}
	if s == "" {
		s = h.Comment
	}
	return s
}
