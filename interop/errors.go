package interop

import (
	"errors"
	"fmt"

	"github.com/seshat-raft/seshat/etcdscript"
	"github.com/seshat-raft/seshat/export"
	"github.com/seshat-raft/seshat/wire"
)

// Error is a failed Play, Export or Call, as the page receives it: a kind
// from package wire, a message to show as it is, and for a script the
// 1-based line at fault (0 when the fault is the whole text, e.g. its
// size).
type Error struct {
	Kind    wire.ErrorKind `json:"kind"`
	Message string         `json:"message"`
	Line    int            `json:"line,omitempty"`
	// Err is the error underneath, for errors.Is; it is not sent.
	Err error `json:"-"`
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the error underneath.
func (e *Error) Unwrap() error { return e.Err }

// errBadRequest marks a malformed call: an unknown operation, arguments
// that are not JSON or of the wrong shape, an unknown format.
var errBadRequest = errors.New("interop: bad request")

// badRequest returns a bad-request *Error.
func badRequest(format string, args ...any) *Error {
	msg := fmt.Sprintf("interop: "+format, args...)
	return &Error{Kind: wire.KindBadRequest, Message: msg, Err: fmt.Errorf("%w: %s", errBadRequest, msg)}
}

// scriptError turns an error of etcdscript (a *etcdscript.LineError) into
// a bad-script *Error naming its line.
func scriptError(err error) *Error {
	e := &Error{Kind: wire.KindBadScript, Message: err.Error(), Err: err}
	var le *etcdscript.LineError
	if errors.As(err, &le) {
		e.Line = le.Line
	}
	return e
}

// exportError gives an error of export.WriteSession its kind: bad-request
// for an unknown format, bad-session for a session sim refuses, impossible
// for a run that replays but that an etcd script cannot express or
// reproduce, and internal for anything else.
func exportError(err error) *Error {
	kind := wire.KindOf(err)
	switch {
	case errors.Is(err, export.ErrFormat):
		kind = wire.KindBadRequest
	case errors.Is(err, etcdscript.ErrNoSession):
		kind = wire.KindBadSession
	case errors.Is(err, etcdscript.ErrNotExpressible), errors.Is(err, etcdscript.ErrNotReproduced):
		kind = wire.KindImpossible
	}
	return &Error{Kind: kind, Message: err.Error(), Err: err}
}
