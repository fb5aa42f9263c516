package wire

// Limits on one call of the engine protocol (docs/engine-protocol.md), so a
// single call cannot freeze the engine's worker. The request table
// (requests.go) holds them; the wasm engine enforces them and the page
// reads them from web/ui/schema.js (generated).
const (
	// MaxAdvanceMS is the most virtual milliseconds one frame call advances.
	MaxAdvanceMS = 60_000
	// MaxStepsPerCall is the most events one step call runs.
	MaxStepsPerCall = 100_000
	// MaxMaintainSteps is the most checkpoint-building steps one frame
	// call runs.
	MaxMaintainSteps = 200_000
	// MaxMemberMessages is the most raft messages one member-step call takes.
	MaxMemberMessages = 4096
)
