package wire

import "errors"

// ErrorKind is the kind of a failed call, as the engine protocol
// (docs/engine-protocol.md) and the bridge protocol
// (docs/bridge-protocol.md) name it: it tells a client what went wrong and
// whether to retry. This file is where every kind is named.
type ErrorKind string

// The error kinds.
const (
	// KindBadRequest is a malformed call: not JSON, an unknown operation,
	// an unknown field, a value of the wrong type or out of range. It is
	// the kind of a *RequestError (the engine's request table,
	// requests.go); the bridge recognises its own.
	KindBadRequest ErrorKind = "bad-request"
	// KindBadSession is the kind of ErrBadSession.
	KindBadSession ErrorKind = "bad-session"
	// KindBadConfig is the kind of ErrBadConfig.
	KindBadConfig ErrorKind = "bad-config"
	// KindBadCommand is the kind of ErrBadCommand.
	KindBadCommand ErrorKind = "bad-command"
	// KindUnknownNode is the kind of ErrUnknownNode.
	KindUnknownNode ErrorKind = "unknown-node"
	// KindUnknownMessage is the kind of ErrUnknownMessage.
	KindUnknownMessage ErrorKind = "unknown-message"
	// KindImpossible is the kind of ErrImpossible.
	KindImpossible ErrorKind = "impossible"
	// KindHalted is the kind of ErrHalted.
	KindHalted ErrorKind = "halted"
	// KindUnavailable is the kind of ErrUnavailable: not applied, safe to
	// retry.
	KindUnavailable ErrorKind = "unavailable"
	// KindOutcomeUnknown is the kind of ErrOutcomeUnknown: a write that may
	// or may not be applied.
	KindOutcomeUnknown ErrorKind = "unknown-outcome"
	// KindCancelled is a call the wasm engine's caller cancelled.
	KindCancelled ErrorKind = "cancelled"
	// KindForbidden is a bridge request that names a host the server does
	// not serve, comes from another origin, or is a CORS preflight.
	KindForbidden ErrorKind = "forbidden"
	// KindUnauthorized is a bridge request without the server's access
	// token, or with a wrong one.
	KindUnauthorized ErrorKind = "unauthorized"
	// KindInternal is a bug: an error that wraps none of the sentinels, a
	// recovered panic, a reply that cannot be encoded.
	KindInternal ErrorKind = "internal"
)

// KindOf names the error kind of err: KindBadSession, KindBadConfig,
// KindBadCommand, KindUnknownNode, KindUnknownMessage, KindImpossible,
// KindHalted, KindOutcomeUnknown or KindUnavailable for errors that wrap
// this package's sentinels, and KindInternal for anything else. An error
// that wraps both ErrOutcomeUnknown and ErrUnavailable is unknown-outcome:
// the write may have been applied. A session that fails for a deeper
// reason (its configuration is invalid) is still a bad session: that is
// what the caller was given. A *RequestError is KindBadRequest; the
// bridge's malformed calls are its own to recognise.
func KindOf(err error) ErrorKind {
	var re *RequestError
	switch {
	case errors.As(err, &re):
		return KindBadRequest
	case errors.Is(err, ErrBadSession):
		return KindBadSession
	case errors.Is(err, ErrBadConfig):
		return KindBadConfig
	case errors.Is(err, ErrBadCommand):
		return KindBadCommand
	case errors.Is(err, ErrUnknownNode):
		return KindUnknownNode
	case errors.Is(err, ErrUnknownMessage):
		return KindUnknownMessage
	case errors.Is(err, ErrImpossible):
		return KindImpossible
	case errors.Is(err, ErrHalted):
		return KindHalted
	case errors.Is(err, ErrOutcomeUnknown):
		return KindOutcomeUnknown
	case errors.Is(err, ErrUnavailable):
		return KindUnavailable
	}
	return KindInternal
}

// KindBadScript is a datadriven script the interop module (package
// interop, web/interop.wasm) refuses: not text, too large, a line that
// does not parse, or a directive etcd's InteractionEnv refuses or panics
// on. The answer names the line at fault. (It comes after KindOf, which
// never returns it, so that adding it moved nothing the page's engine is
// built from.)
const KindBadScript ErrorKind = "bad-script"
