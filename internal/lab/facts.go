package lab

import (
	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/verify"
)

// The facts the lab gathers are package checks' types: the checks judge
// them without the engine.
type (
	ImageFacts   = checks.ImageFacts
	HistoryEntry = checks.HistoryEntry
	Inventory    = checks.Inventory
	Base         = checks.Base
	Sizes        = checks.Sizes
	Store        = checks.Store
	PathInfo     = checks.PathInfo
	RunResult    = checks.RunResult
	Check        = verify.Check
)
