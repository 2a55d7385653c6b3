// Package ledger is the record the lab keeps, per engine, of the images its
// classic builds committed. The classic builder's images carry no label of
// the lab's (a label would cost a commit the seed's builds never make), so
// without this record the lab could not tell its own images from ones a
// person built by hand with the same Dockerfile; it removes only what the
// record names. A lost record errs on the safe side: the lab then keeps
// images it made, and never removes one it did not.
package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gofrs/flock"
)

// Ledger is the record for one engine, kept in a file.
type Ledger struct {
	path string
}

// record is the file's content: image IDs as the engine's stream names
// them (12 hex digits, or a full digest), in the order they were committed.
type record struct {
	Engine string   `json:"engine"`
	Images []string `json:"images"`
}

// Dir is where the records are kept: LAB_LEDGER_DIR if set, else the
// user's cache folder.
func Dir() (string, error) { return DirEnv(os.Getenv) }

// DirEnv is Dir with LAB_LEDGER_DIR read through getenv.
func DirEnv(getenv func(string) string) (string, error) {
	if d := getenv("LAB_LEDGER_DIR"); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("the lab's record of its builds: %w", err)
	}
	return filepath.Join(base, "multistage-lab", "builds"), nil
}

// Open returns the record of one lab (its lab file's first repository) on
// the engine with this ID (the ID the engine gives in its info, stable for
// its data root): two labs on one engine keep records of their own. The
// seed's lab (lab "") keeps the file it had before labs had records of
// their own, so what it recorded then is still its.
func Open(engineID, lab string) (*Ledger, error) { return OpenEnv(os.Getenv, engineID, lab) }

// OpenEnv is Open with LAB_LEDGER_DIR read through getenv.
func OpenEnv(getenv func(string) string, engineID, lab string) (*Ledger, error) {
	dir, err := DirEnv(getenv)
	if err != nil {
		return nil, err
	}
	key := engineID
	if lab != "" {
		key += "\n" + lab
	}
	sum := sha256.Sum256([]byte(key))
	return &Ledger{path: filepath.Join(dir, hex.EncodeToString(sum[:8])+".json")}, nil
}

// Path is the record's file.
func (l *Ledger) Path() string { return l.path }

// short is the form IDs are compared in: 12 hex digits.
func short(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// IDs returns the recorded images, oldest first.
func (l *Ledger) IDs() ([]string, error) {
	var ids []string
	err := l.locked(false, func(r *record) { ids = slices.Clone(r.Images) })
	return ids, err
}

// Has reports whether id is recorded, given the recorded IDs.
func Has(ids []string, id string) bool {
	s := short(id)
	return s != "" && slices.ContainsFunc(ids, func(x string) bool { return short(x) == s })
}

// Add records ids, once each.
func (l *Ledger) Add(engineID string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	return l.locked(true, func(r *record) {
		r.Engine = engineID
		for _, id := range ids {
			if !Has(r.Images, id) {
				r.Images = append(r.Images, short(id))
			}
		}
	})
}

// Forget drops ids from the record: images removed, or gone.
func (l *Ledger) Forget(ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	return l.locked(true, func(r *record) {
		r.Images = slices.DeleteFunc(r.Images, func(x string) bool { return Has(ids, x) })
	})
}

// locked reads the record under a file lock (the lab's builds run side by
// side, and so may two lab runs), passes it to f, and writes it back if
// write is set.
func (l *Ledger) locked(write bool, f func(*record)) error {
	if err := os.MkdirAll(filepath.Dir(l.path), 0o755); err != nil {
		return fmt.Errorf("the lab's record of its builds: %w", err)
	}
	lock := flock.New(l.path + ".lock")
	if err := lock.Lock(); err != nil {
		return fmt.Errorf("the lab's record of its builds: lock: %w", err)
	}
	defer func() { _ = lock.Unlock() }()
	var r record
	data, err := os.ReadFile(l.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("the lab's record of its builds: %w", err)
	default:
		if err := json.Unmarshal(data, &r); err != nil {
			// A damaged record is read as empty: the lab then keeps
			// what it made rather than guess.
			r = record{}
		}
	}
	f(&r)
	if !write {
		return nil
	}
	out, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := l.path + ".tmp"
	if err := os.WriteFile(tmp, append(out, '\n'), 0o644); err != nil {
		return fmt.Errorf("the lab's record of its builds: %w", err)
	}
	if err := os.Rename(tmp, l.path); err != nil {
		return fmt.Errorf("the lab's record of its builds: %w", err)
	}
	return nil
}
