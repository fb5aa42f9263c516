package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.etcd.io/raft/v3"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// ErrUnavailable marks a request the cluster cannot serve right now and
// that had no effect: no leader, no quorum, no answer in time, a cluster
// stopped. The bridge answers kind "unavailable" (wire.KindUnavailable) and
// HTTP 503 with Retry-After for it, for wire.ErrUnavailable,
// core.ErrNotLeader, core.ErrNoQuorum, raft.ErrProposalDropped, an expired
// or cancelled context, and for any Engine error that wraps none of wire's
// sentinels. A write whose outcome is unknown (wire.ErrOutcomeUnknown) is
// never unavailable: it answers kind "unknown-outcome" and HTTP 504.
var ErrUnavailable = errors.New("bridge: the cluster cannot serve the request now")

// requestError is a malformed request.
type requestError struct{ msg string }

func (e *requestError) Error() string { return e.msg }

// badRequest returns a requestError with a "bridge: " prefix.
func badRequest(format string, args ...any) error {
	return &requestError{msg: "bridge: " + fmt.Sprintf(format, args...)}
}

// kindOf maps an error to its protocol kind: bad-request for malformed
// requests, unknown-outcome for a write that may or may not be applied,
// unavailable for a cluster that cannot serve now, else the
// engine protocol's kinds (wire.KindOf).
func kindOf(err error) wire.ErrorKind {
	var re *requestError
	switch {
	case errors.As(err, &re):
		return wire.KindBadRequest
	case errors.Is(err, wire.ErrOutcomeUnknown):
		return wire.KindOutcomeUnknown
	case unavailable(err):
		return wire.KindUnavailable
	}
	return wire.KindOf(err)
}

// unavailable reports whether err means the cluster cannot serve now.
func unavailable(err error) bool {
	for _, target := range []error{ErrUnavailable, wire.ErrUnavailable, core.ErrNotLeader, core.ErrNoQuorum, raft.ErrProposalDropped, context.DeadlineExceeded, context.Canceled} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// notNowError is an Engine error that names no kind: the cluster failed
// to serve a well-formed call (it stopped, a node crashed mid-request, ...).
type notNowError struct{ err error }

func (e *notNowError) Error() string        { return e.err.Error() }
func (e *notNowError) Unwrap() error        { return e.err }
func (e *notNowError) Is(target error) bool { return target == ErrUnavailable }

// engineErr classifies an error returned by the Engine: one that names no
// kind of the protocol is unavailable rather than internal (internal is
// for the bridge's own bugs and recovered panics).
func engineErr(err error) error {
	if err != nil && kindOf(err) == wire.KindInternal {
		return &notNowError{err: err}
	}
	return err
}

// statusOf is the HTTP status of a failure of the given kind.
func statusOf(kind wire.ErrorKind) int {
	switch kind {
	case wire.KindBadRequest, wire.KindBadConfig, wire.KindBadCommand, wire.KindBadSession:
		return http.StatusBadRequest
	case wire.KindUnknownNode, wire.KindUnknownMessage:
		return http.StatusNotFound
	case wire.KindImpossible, wire.KindHalted:
		return http.StatusConflict
	case wire.KindUnavailable:
		return http.StatusServiceUnavailable
	case wire.KindOutcomeUnknown:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// impossiblef returns an error of kind impossible.
func impossiblef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", wire.ErrImpossible, fmt.Sprintf(format, args...))
}
