package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.etcd.io/raft/v3"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
)

// ErrUnavailable marks a request the cluster cannot serve right now and
// that had no effect: no leader, no quorum, no answer in time, a cluster
// stopped. The bridge answers kind "unavailable" (sim.KindUnavailable) and
// HTTP 503 with Retry-After for it, for sim.ErrUnavailable,
// core.ErrNotLeader, core.ErrNoQuorum, raft.ErrProposalDropped, an expired
// or cancelled context, and for any Engine error that wraps none of sim's
// sentinels. A write whose outcome is unknown (sim.ErrOutcomeUnknown) is
// never unavailable: it answers kind "unknown-outcome" and HTTP 504.
var ErrUnavailable = errors.New("bridge: the cluster cannot serve the request now")

// Error kinds the bridge adds to the engine protocol's (sim.ErrorKind).
const (
	// KindBadRequest is a malformed request: not JSON, an unknown operation,
	// an unknown field, a value of the wrong type or out of range.
	KindBadRequest = "bad-request"
	// KindUnavailable is a request the cluster cannot serve now and that
	// had no effect: no leader, no quorum, a timeout before any log took
	// the write. Retrying later may succeed.
	KindUnavailable = sim.KindUnavailable
	// KindOutcomeUnknown is a write a leader had accepted into its log
	// when it was lost (the leader crashed or stepped down, or the time ran
	// out): it may or may not be applied.
	KindOutcomeUnknown = sim.KindOutcomeUnknown
	// KindInternal is a bug: a recovered panic, a reply that cannot be
	// encoded.
	KindInternal = "internal"
)

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
// engine protocol's kinds (sim.ErrorKind).
func kindOf(err error) string {
	var re *requestError
	switch {
	case errors.As(err, &re):
		return KindBadRequest
	case errors.Is(err, sim.ErrOutcomeUnknown):
		return KindOutcomeUnknown
	case unavailable(err):
		return KindUnavailable
	}
	return sim.ErrorKind(err)
}

// unavailable reports whether err means the cluster cannot serve now.
func unavailable(err error) bool {
	for _, target := range []error{ErrUnavailable, sim.ErrUnavailable, core.ErrNotLeader, core.ErrNoQuorum, raft.ErrProposalDropped, context.DeadlineExceeded, context.Canceled} {
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
	if err != nil && kindOf(err) == KindInternal {
		return &notNowError{err: err}
	}
	return err
}

// statusOf is the HTTP status of a failure of the given kind.
func statusOf(kind string) int {
	switch kind {
	case KindBadRequest, "bad-config", "bad-command", "bad-session":
		return http.StatusBadRequest
	case "unknown-node", "unknown-message":
		return http.StatusNotFound
	case "impossible", "halted":
		return http.StatusConflict
	case KindUnavailable:
		return http.StatusServiceUnavailable
	case KindOutcomeUnknown:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// impossiblef returns an error of kind impossible.
func impossiblef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", sim.ErrImpossible, fmt.Sprintf(format, args...))
}

// refused returns an error of kind impossible for a command the native
// cluster cannot carry out, or nil.
func refused(cmd sim.Command) error {
	switch cmd.Kind {
	case sim.CmdManual:
		return impossiblef("manual: the native cluster runs in real time; its messages cannot be held for delivery by hand")
	case sim.CmdDeliver, sim.CmdDrop, sim.CmdDuplicate:
		return impossiblef("%s: the native cluster runs in real time; its messages cannot be picked by id (use cut, isolate or network faults instead)", cmd.Kind)
	}
	return nil
}
