// Package verify judges a lab file's checks on what the lab learned from
// the engine: Evaluate runs them on an Inventory without touching the
// engine, so every check is tested on plain values. The kinds of check, and
// the facts they read, are package checks'.
package verify

import "github.com/multistage-lab/multistage-lab/internal/checks"

// The facts the checks read, by the names the lab uses for them.
type (
	ImageFacts   = checks.ImageFacts
	HistoryEntry = checks.HistoryEntry
	Sizes        = checks.Sizes
	Base         = checks.Base
	PathInfo     = checks.PathInfo
	RunResult    = checks.RunResult
	RunOutcome   = checks.RunOutcome
	Inventory    = checks.Inventory
	Store        = checks.Store
)
