package enginelock

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/jsonmessage"
)

// state is the lock as the engine has it: its container, free or held,
// and the holder's card.
type state struct {
	free, held *container.Summary
	// making is the lock while a run makes it.
	making *container.Summary
	// cards are the holder cards named for a holder, newest first.
	cards []Holder
}

// holder is who holds the lock: the newest card, or the labels of a lock
// an earlier lab made; a run that has just taken it and not yet named its
// card is known by the lock's container only.
func (s state) holder() Holder {
	var h Holder
	if s.held.Labels[LabelPID] != "" {
		h.Host, h.Target = s.held.Labels[LabelHost], s.held.Labels[LabelTarget]
		h.PID, _ = strconv.Atoi(s.held.Labels[LabelPID])
		h.Since, _ = time.Parse(time.RFC3339, s.held.Labels[LabelSince])
	} else if len(s.cards) > 0 && !slices.Contains(s.held.Names, "/"+Making) {
		h = s.cards[0]
		h.card = h.ContainerID
	}
	h.ContainerID = s.held.ID
	return h
}

// readState lists the lock's containers and cards.
func readState(ctx context.Context, c Client) (state, error) {
	list, err := c.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", Label))})
	if err != nil {
		return state{}, fmt.Errorf("read the engine's lock: %w", err)
	}
	var s state
	for i := range list {
		k := &list[i]
		switch {
		case k.Labels[Label] == "card":
			for _, n := range k.Names {
				if h, ok := parseHeld(n); ok {
					h.ContainerID = k.ID
					s.cards = append(s.cards, h)
				}
			}
		case k.Labels[Label] != "container":
		case slices.Contains(k.Names, "/"+Free):
			s.free = k
		case slices.Contains(k.Names, "/"+Making):
			s.making = k
		case s.held == nil:
			s.held = k
		}
	}
	slices.SortFunc(s.cards, func(a, b Holder) int { return b.Since.Compare(a.Since) })
	return s, nil
}

// giveBack names the holder's card nobody's (card: its name; removed if
// the engine has a card named for nobody already), then renames the
// lock's container (id: its ID) free, or removes it if a free one is there
// already. It runs on its own short deadline, so it works after Ctrl-C
// cancelled the run. A lock another run took over (its container removed)
// is left to that run.
func giveBack(c Client, id, card string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if card != "" {
		if err := c.ContainerRename(ctx, card, Nobody); err != nil && !errdefs.IsNotFound(err) {
			remove(c, card)
		}
	}
	if id == "" {
		return
	}
	if err := c.ContainerRename(ctx, id, Free); err != nil && !errdefs.IsNotFound(err) {
		remove(c, id)
	}
}

// remove removes a lock container, on its own short deadline.
func remove(c Client, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = c.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
}

// nameCard names the holder's card for this holder: the card named for
// nobody, or, when there is none (a holder that died left it named for
// itself, or none was made yet), the newest card, or a new one. Only the
// lock's holder names the card, so this is never a race; a card that
// cannot be named leaves the holder unnamed ("a run that is just
// starting"), and the lock held all the same.
func nameCard(ctx context.Context, c Client, card string) {
	err := c.ContainerRename(ctx, Nobody, card)
	if err == nil || !errdefs.IsNotFound(err) {
		return
	}
	st, err := readState(ctx, c)
	if err != nil {
		return
	}
	if len(st.cards) > 0 {
		_ = c.ContainerRename(ctx, st.cards[0].ContainerID, card)
		return
	}
	_ = create(ctx, c, card, "card")
}

// create makes a never-started container of the lock's image, kind
// ("container" or "card") in its label.
func create(ctx context.Context, c Client, name, kind string) error {
	_, err := c.ContainerCreate(ctx, &container.Config{Image: Image, Cmd: []string{"/lock"}, Labels: map[string]string{Label: kind}},
		&container.HostConfig{NetworkMode: "none"}, nil, nil, name)
	return err
}

// makeFree makes the free lock, and the lock's image first if the engine
// has none. Two runs that found no lock would make two, and a run could
// take one while another run holds the other; so the lock is made under a
// name of its own, Making, which one run at a time can have, and named
// free only if the engine then has no other lock (otherwise it goes). One
// another run is making or made just now is as good.
func makeFree(ctx context.Context, c Client) error {
	for tried := false; ; tried = true {
		err := create(ctx, c, Making, "container")
		switch {
		case err == nil:
			st, err := readState(ctx, c)
			other := err == nil && (st.free != nil || st.held != nil)
			if err == nil && !other {
				err = c.ContainerRename(ctx, Making, Free)
			}
			if err != nil || other {
				remove(c, Making)
			}
			if err != nil && !errdefs.IsConflict(err) {
				return fmt.Errorf("make the engine's lock (a container named %s): %w", Free, err)
			}
			return nil
		case errdefs.IsConflict(err):
			return nil
		case errdefs.IsNotFound(err) && !tried:
			if err := ensureImage(ctx, c); err != nil {
				return err
			}
		default:
			return fmt.Errorf("make the engine's lock (a container named %s): %w", Free, err)
		}
	}
}

// ensureImage makes the lock's image, a file and a label, if the engine
// has none: a container needs an image, and the lab cannot count on any.
func ensureImage(ctx context.Context, c Client) error {
	if _, err := c.ImageInspect(ctx, Image); err == nil {
		return nil
	} else if !errdefs.IsNotFound(err) {
		return fmt.Errorf("inspect %s: %w", Image, err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := []byte("the multistage-lab's lock on this engine; see its README\n")
	_ = tw.WriteHeader(&tar.Header{Name: "lock", Mode: 0o644, Size: int64(len(body)), ModTime: time.Unix(946684800, 0), Typeflag: tar.TypeReg})
	_, _ = tw.Write(body)
	_ = tw.Close()
	rc, err := c.ImageImport(ctx, image.ImportSource{Source: &buf, SourceName: "-"}, Image, image.ImportOptions{Changes: []string{"LABEL " + Label + "=image", `CMD ["/lock"]`}})
	if err != nil {
		return fmt.Errorf("make %s: %w", Image, err)
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("make %s: %w", Image, err)
	}
	return nil
}
