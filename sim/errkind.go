package sim

import "errors"

// Error kinds of the engine and bridge protocols (docs/engine-protocol.md,
// docs/bridge-protocol.md) that tell a client whether to retry. This file
// is where every kind is named.
const (
	// KindUnavailable is the kind of ErrUnavailable: not applied, safe to
	// retry.
	KindUnavailable = "unavailable"
	// KindOutcomeUnknown is the kind of ErrOutcomeUnknown: a write that may
	// or may not be applied.
	KindOutcomeUnknown = "unknown-outcome"
)

// ErrorKind names the engine protocol's error kind of err
// (docs/engine-protocol.md): "bad-session", "bad-config", "bad-command",
// "unknown-node", "unknown-message", "impossible", "halted",
// "unknown-outcome" (KindOutcomeUnknown) or "unavailable" (KindUnavailable)
// for errors that wrap this package's sentinels, and "internal" for
// anything else. An error that wraps both ErrOutcomeUnknown and
// ErrUnavailable is unknown-outcome: the write may have been applied. A
// session that fails for a deeper reason (its configuration is invalid) is
// still a bad session: that is what the caller was given. Malformed calls
// ("bad-request") are the transport's to recognise; they never reach here.
func ErrorKind(err error) string {
	switch {
	case errors.Is(err, ErrBadSession):
		return "bad-session"
	case errors.Is(err, ErrBadConfig):
		return "bad-config"
	case errors.Is(err, ErrBadCommand):
		return "bad-command"
	case errors.Is(err, ErrUnknownNode):
		return "unknown-node"
	case errors.Is(err, ErrUnknownMessage):
		return "unknown-message"
	case errors.Is(err, ErrImpossible):
		return "impossible"
	case errors.Is(err, ErrHalted):
		return "halted"
	case errors.Is(err, ErrOutcomeUnknown):
		return KindOutcomeUnknown
	case errors.Is(err, ErrUnavailable):
		return KindUnavailable
	}
	return "internal"
}
