package wire

import (
	"errors"
	"strings"
)

// Error kinds returned by the simulator. Test with errors.Is; the message of
// each concrete error says what was wrong and what would be accepted.
var (
	// ErrBadConfig marks an invalid Config.
	ErrBadConfig = errors.New("sim: invalid configuration")
	// ErrBadCommand marks a malformed command: unknown kind, missing or
	// out-of-range field. The cluster is unchanged.
	ErrBadCommand = errors.New("sim: invalid command")
	// ErrUnknownNode marks a command naming a node that does not exist.
	ErrUnknownNode = errors.New("sim: unknown node")
	// ErrUnknownMessage marks a command naming a message not in flight.
	ErrUnknownMessage = errors.New("sim: unknown message")
	// ErrImpossible marks a well-formed command that cannot be carried out in
	// the current state (restarting a running node, delivering to a crashed
	// one, ...). The cluster is unchanged.
	ErrImpossible = errors.New("sim: impossible now")
	// ErrHalted is returned once a safety checker has found a violation: the
	// run stops there so the violation can be inspected. Seek back to continue.
	ErrHalted = errors.New("sim: halted by a safety violation")
	// ErrBadSession marks a session export that cannot be imported.
	ErrBadSession = errors.New("sim: invalid session")
	// ErrUnavailable marks a client request the cluster could not serve
	// and that certainly had no effect: no leader or no quorum before its
	// time ran out, and a write was never accepted into any log. It is safe
	// to retry.
	ErrUnavailable = errors.New("sim: unavailable, not applied")
	// ErrOutcomeUnknown marks a write that was accepted into a leader's log
	// but whose result is not known: the leader crashed or lost its
	// leadership, or the caller's time ran out, before it applied. The
	// write may still take effect later, or never. Retry it only if
	// applying it twice is harmless, or read first to find out.
	ErrOutcomeUnknown = errors.New("sim: outcome unknown, may or may not be applied")
)

// CommandConfigError is the error of a command whose settings fail
// Config.Validate (err): it wraps ErrBadCommand and err, and its text names
// the package once ("sim: invalid command: network: ...").
func CommandConfigError(err error) error {
	text := strings.ReplaceAll(err.Error(), ErrBadConfig.Error()+": ", "")
	return &joinedError{text: ErrBadCommand.Error() + ": " + text, errs: []error{ErrBadCommand, err}}
}

// joinedError is an error with its own text that wraps several.
type joinedError struct {
	text string
	errs []error
}

func (e *joinedError) Error() string   { return e.text }
func (e *joinedError) Unwrap() []error { return e.errs }
