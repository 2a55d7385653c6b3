package lab

import "github.com/multistage-lab/multistage-lab/internal/verify"

// The facts the lab gathers are verify's types: verify judges them without
// the engine.
type (
	ImageFacts   = verify.ImageFacts
	HistoryEntry = verify.HistoryEntry
	Inventory    = verify.Inventory
	Base         = verify.Base
	Sizes        = verify.Sizes
	Store        = verify.Store
	PathInfo     = verify.PathInfo
	RunResult    = verify.RunResult
	Check        = verify.Check
)
