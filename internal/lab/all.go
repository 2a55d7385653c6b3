package lab

import "context"

// All is the whole lab: clean, build, verify, run, then the image table.
// A failed assertion still shows the run and the table before it is
// returned, so the user sees what went wrong.
func (l *Lab) All(ctx context.Context) (*Verification, error) {
	if err := l.Clean(ctx); err != nil {
		return nil, err
	}
	if _, err := l.BuildAll(ctx); err != nil {
		return nil, err
	}
	found, verr := l.Verify(ctx)
	if ctx.Err() != nil {
		return found, ctx.Err()
	}
	if err := l.RunRuntime(ctx); err != nil {
		return found, err
	}
	if err := l.ShowImages(ctx); err != nil {
		return found, err
	}
	return found, verr
}
