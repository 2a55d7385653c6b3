package lab

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"

	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/report"
)

// Row is one line of the image table: one tag of one image.
type Row = report.ImageRow

// ImageRows lists the lab's images and its base images, one row per tag,
// newest first as `docker image ls` orders them.
func (l *Lab) ImageRows(ctx context.Context) ([]Row, error) {
	repos := l.Def.Repositories()
	f := filters.NewArgs()
	for _, r := range repos {
		f.Add("reference", r)
	}
	bases := l.BaseRefs()
	for _, ref := range bases {
		f.Add("reference", ref)
	}
	list, err := l.Client.ImageList(ctx, image.ListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	return rowsOf(list, func(ref string) bool {
		repo, _ := labfile.SplitTag(ref)
		return slices.Contains(repos, repo) || slices.Contains(bases, ref)
	}), nil
}

// rowsOf turns image summaries into table rows for the tags keep accepts.
func rowsOf(list []image.Summary, keep func(ref string) bool) []Row {
	var rows []Row
	for _, s := range list {
		for _, ref := range s.RepoTags {
			if !keep(ref) {
				continue
			}
			repo, tag := labfile.SplitTag(ref)
			rows = append(rows, Row{Repository: repo, Tag: tag, ID: s.ID, Created: time.Unix(s.Created, 0), Size: s.Size})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if !rows[i].Created.Equal(rows[j].Created) {
			return rows[i].Created.After(rows[j].Created)
		}
		if rows[i].Repository != rows[j].Repository {
			return rows[i].Repository < rows[j].Repository
		}
		return rows[i].Tag < rows[j].Tag
	})
	return rows
}

// ShowImages prints the image table and says which base images are real
// and which are stand-ins.
func (l *Lab) ShowImages(ctx context.Context) error {
	l.status("images")
	rows, err := l.ImageRows(ctx)
	if err != nil {
		return err
	}
	on, err := l.engineLine(ctx)
	if err != nil {
		return err
	}
	st, err := l.imageStore(ctx)
	if err != nil {
		return err
	}
	shown := event.Images{Rows: rows, Now: time.Now(), On: on, Meaning: st.SizeMeaning()}
	for _, ref := range l.BaseRefs() {
		b, ok, err := l.InspectBase(ctx, ref)
		if err != nil {
			return err
		}
		state := event.BaseState{Ref: ref, Absent: !ok}
		if ok {
			state.Kind = b.Kind()
		}
		shown.Bases = append(shown.Bases, state)
	}
	l.emit(shown)
	return nil
}
