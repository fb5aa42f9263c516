package sim

import "errors"

// ErrorKind names the engine protocol's error kind of err
// (docs/engine-protocol.md): "bad-session", "bad-config", "bad-command",
// "unknown-node", "unknown-message", "impossible" or "halted" for errors
// that wrap this package's sentinels, and "internal" for anything else. A
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
	}
	return "internal"
}
