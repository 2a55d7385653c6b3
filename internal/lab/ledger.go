package lab

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/system"

	"github.com/multistage-lab/multistage-lab/internal/ledger"
)

// engineInfo is the engine's info, asked once.
func (l *Lab) engineInfo(ctx context.Context) (system.Info, error) {
	l.infoMu.Lock()
	defer l.infoMu.Unlock()
	if l.info == nil {
		in, err := l.Client.Info(ctx)
		if err != nil {
			return system.Info{}, fmt.Errorf("engine info: %w", err)
		}
		l.info = &in
	}
	return *l.info, nil
}

// ledger is the lab's record of what its classic builds committed on this
// engine.
func (l *Lab) ledger(ctx context.Context) (*ledger.Ledger, string, error) {
	in, err := l.engineInfo(ctx)
	if err != nil {
		return nil, "", err
	}
	lab := l.labValue()
	if lab == LabValue {
		lab = "" // the seed's lab keeps its record's file (see ledger.Open)
	}
	lg, err := ledger.OpenEnv(l.getenv, in.ID, lab)
	return lg, in.ID, err
}
