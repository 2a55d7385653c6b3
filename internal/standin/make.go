package standin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/multistage-lab/multistage-lab/internal/clean"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
)

// Importer is the engine call a stand-in is made with.
type Importer interface {
	ImageImport(ctx context.Context, source image.ImportSource, ref string, options image.ImportOptions) (io.ReadCloser, error)
}

// ErrNone says no stand-in can take a base's place (only golang and alpine
// have one).
var ErrNone = errors.New("the lab has no stand-in for it")

// KindOf says which stand-in can take ref's place: "golang" or "alpine" by
// the repository's last name, or "" for none.
func KindOf(ref string) string {
	repo, _ := labfile.SplitTag(ref)
	switch path.Base(repo) {
	case "golang":
		return "golang"
	case "alpine":
		return "alpine"
	}
	return ""
}

// Make imports the stand-in for ref into the engine, its root filesystem
// written as it is sent, for the engine's architecture arch, with sh as
// its /bin/sh: labelled as a stand-in (clean.LabelStandin) and with what
// its /bin holds (clean.LabelStandinCommands).
func Make(ctx context.Context, c Importer, ref, arch string, sh Shell) error {
	var spec Spec
	var write func(io.Writer) error
	switch KindOf(ref) {
	case "alpine":
		spec = Alpine()
		write = func(w io.Writer) error { return WriteAlpine(w, sh) }
	case "golang":
		tc, err := FindToolchain(arch)
		if err != nil {
			return fmt.Errorf("%s: %w", ref, err)
		}
		spec = Golang(tc.Version)
		write = func(w io.Writer) error { return WriteGolang(w, sh, tc.GOROOT) }
	default:
		return fmt.Errorf("%s is absent and %w: pull or load it", ref, ErrNone)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw)) }()
	commands := "toolbox"
	if sh.Busybox {
		commands = "busybox"
	}
	changes := append(spec.Changes, fmt.Sprintf("LABEL %s=%s", clean.LabelStandin, spec.Kind), fmt.Sprintf("LABEL %s=%s", clean.LabelStandinCommands, commands))
	rc, err := c.ImageImport(ctx, image.ImportSource{Source: pr, SourceName: "-"}, ref, image.ImportOptions{Changes: changes})
	if err != nil {
		pr.CloseWithError(err)
		return fmt.Errorf("make stand-in %s: %w", ref, err)
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("make stand-in %s: %w", ref, err)
	}
	return nil
}
