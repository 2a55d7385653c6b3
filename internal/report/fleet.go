package report

import (
	"time"
)

// Fleet is one run of the lab on several engines (LAB_ENGINES): each
// engine's verify report, or why there is none.
type Fleet struct {
	Tool        string        `json:"tool"`
	GeneratedAt time.Time     `json:"generated_at"`
	Engines     []EngineEntry `json:"engines"`
}

// EngineEntry is one engine of a fleet run.
type EngineEntry struct {
	// Name is the engine as LAB_ENGINES gives it.
	Name string `json:"name"`
	// Error is why the engine has no report (it did not answer, a build
	// failed, the run was interrupted); "" when it has one.
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds"`
	Report  *Report `json:"report,omitempty"`
}
