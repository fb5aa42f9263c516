package native

import "errors"

// Errors returned by the native cluster besides the simulator's command
// errors (wire.ErrBadConfig, wire.ErrBadCommand, wire.ErrUnknownNode,
// wire.ErrImpossible) and core's (core.ErrNotLeader, core.ErrNoQuorum). They
// are wrapped with context; compare with errors.Is.
var (
	// ErrStopped is returned by every call on a cluster that has been
	// stopped, or replaced by Create while the call was running.
	ErrStopped = errors.New("native: the cluster is stopped")
	// ErrNodeDown is returned for a request that was at a node when the node
	// crashed. A write's outcome is then unknown: it may or may not be
	// applied later.
	ErrNodeDown = errors.New("native: the node went down before answering")
	// ErrLeadershipLost is returned for a write its leader accepted into its
	// log but lost its leadership before applying. The outcome is unknown:
	// the entry may still be committed by the next leader, or be overwritten.
	ErrLeadershipLost = errors.New("native: the leader lost its leadership before the request completed")
	// ErrFrameTooLarge is reported (and the connection closed) when a peer
	// announces a frame larger than MaxFrameBytes.
	ErrFrameTooLarge = errors.New("native: frame too large")
)
