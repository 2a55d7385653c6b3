package lab

import (
	"context"

	"github.com/multistage-lab/multistage-lab/internal/clean"
	"github.com/multistage-lab/multistage-lab/internal/settings"
)

// What clean removes is chosen by package clean, from what it reads of the
// engine; these names keep the lab's side short.
type (
	Plan         = clean.Plan
	ContainerRef = clean.ContainerRef
	Engine       = clean.Engine
)

// ErrNotConfirmed says clean:all ran without the confirmation.
var ErrNotConfirmed = clean.ErrNotConfirmed

// cleaner is package clean's remover on this lab's engine, events and
// record.
func (l *Lab) cleaner() *clean.Cleaner {
	return &clean.Cleaner{Client: l.Client, Say: l.Events, Ledger: l.ledger, Retired: &l.retired}
}

// Clean removes the lab's containers and images and says what it removed
// and what it kept.
func (l *Lab) Clean(ctx context.Context) error {
	l.status("clean")
	e := Engine{Repositories: l.Def.Repositories(), Lab: l.labValue()}
	if l.Cmp != nil {
		e.CompareRepositories = l.Cmp.Repositories()
	}
	return l.cleaner().Clean(ctx, e)
}

// CleanAll is the seed's first step: every container and every image on the
// engine. Without LAB_CONFIRM=clean-all it only lists what it would remove.
func (l *Lab) CleanAll(ctx context.Context) error {
	confirmed := l.Settings.Confirm == settings.ConfirmCleanAll
	err := l.cleaner().All(ctx, confirmed)
	if confirmed {
		l.bases = nil
	}
	return err
}
