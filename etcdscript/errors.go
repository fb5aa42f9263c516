package etcdscript

import (
	"errors"
	"fmt"
)

// Sentinel errors, wrapped in a *LineError by Parse and Runner.Step; test
// them with errors.Is.
var (
	// ErrTooLarge: the script is over MaxScriptBytes, or its output over
	// MaxOutputBytes.
	ErrTooLarge = errors.New("etcdscript: too large")
	// ErrBinary: the script holds a NUL byte or invalid UTF-8.
	ErrBinary = errors.New("etcdscript: not a text file")
	// ErrSyntax: a line datadriven cannot parse, or a malformed
	// expected-output section.
	ErrSyntax = errors.New("etcdscript: syntax error")
	// ErrUnknownDirective: a command InteractionEnv does not know.
	ErrUnknownDirective = errors.New("etcdscript: unknown directive")
	// ErrBadArgument: an argument missing, malformed, or naming a node
	// that does not exist.
	ErrBadArgument = errors.New("etcdscript: bad argument")
	// ErrTooManyNodes: add-nodes would take the cluster over MaxNodes.
	ErrTooManyNodes = errors.New("etcdscript: too many nodes")
	// ErrEtcdPanic: etcd Raft or InteractionEnv panicked while running the
	// directive; the environment is left as the panic found it.
	ErrEtcdPanic = errors.New("etcdscript: etcd panicked")
	// ErrRefused: InteractionEnv's argument parsing stopped the directive
	// (its t.Fatal); it gives no further reason.
	ErrRefused = errors.New("etcdscript: InteractionEnv refused the directive")
	// ErrStopped: an earlier directive failed; the runner runs no more.
	ErrStopped = errors.New("etcdscript: stopped after an error")
	// ErrNoModule: the raft module's directory was not found.
	ErrNoModule = errors.New("etcdscript: raft module not found")
)

// LineError is an error at one line of a script. Line is 1-based; it is
// the line of the directive at fault (for a continued directive, its
// first line).
type LineError struct {
	Script string
	Line   int
	Err    error
}

// Error returns "script:line: err".
func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Script, e.Line, e.Err) }

// Unwrap returns Err.
func (e *LineError) Unwrap() error { return e.Err }

func lineErr(script string, line int, err error, format string, args ...any) *LineError {
	return &LineError{Script: script, Line: line, Err: fmt.Errorf("%w: "+format, append([]any{err}, args...)...)}
}
