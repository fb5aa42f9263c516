package core

import (
	"errors"
	"fmt"
)

// Error kinds. Test for them with errors.Is; every error this package returns
// matches exactly one kind, and wraps the underlying cause (an etcd Raft error,
// a storage error, ...) so errors.Is finds that too.
var (
	// ErrNotLeader is returned by operations that only a leader may perform.
	// The concrete error is a *NotLeaderError naming the leader, if known.
	ErrNotLeader = errors.New("core: this node is not the leader")
	// ErrNoQuorum is returned when the leader cannot currently reach a majority
	// of voters, so nothing it accepts could commit.
	ErrNoQuorum = errors.New("core: no quorum of voters is reachable")
	// ErrConfig marks an invalid configuration; the concrete error is a
	// *ConfigError naming the field and the rule.
	ErrConfig = errors.New("core: invalid configuration")
	// ErrRaft marks an error reported by etcd Raft (for example
	// raft.ErrProposalDropped, raft.ErrStepPeerNotFound).
	ErrRaft = errors.New("core: raft")
	// ErrStorage marks a failure of the node's storage, or a state machine
	// that disagrees with it (a committed entry applied out of order,
	// statemachine.ErrOutOfOrder).
	ErrStorage = errors.New("core: storage")
	// ErrSerialization marks data that could not be encoded or decoded: a
	// configuration change, a snapshot, a configuration file.
	ErrSerialization = errors.New("core: serialization")
)

// NotLeaderError is the concrete error behind ErrNotLeader.
type NotLeaderError struct {
	// Leader is the leader this node knows of, or 0 if it knows none.
	Leader NodeID
}

// Error says what to do: send the request to the leader, or wait for one.
func (e *NotLeaderError) Error() string {
	if e.Leader == 0 {
		return "core: this node is not the leader and knows no leader; retry after an election"
	}
	return fmt.Sprintf("core: this node is not the leader; send the request to the leader %s", e.Leader)
}

// Is makes errors.Is(err, ErrNotLeader) true.
func (e *NotLeaderError) Is(target error) bool { return target == ErrNotLeader }

// ConfigError is the concrete error behind ErrConfig: one field broke one rule.
type ConfigError struct {
	// Field is the JSON path of the offending field, e.g. "raft.heartbeat_interval_ms".
	Field string
	// Rule says what the field must satisfy and, where useful, why.
	Rule string
}

// Error names the field and the rule.
func (e *ConfigError) Error() string {
	return "core: invalid configuration: " + e.Field + ": " + e.Rule
}

// Is makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// kindError attaches a kind (one of the Err* variables above) and the
// operation that failed to an underlying error.
type kindError struct {
	kind error
	op   string
	err  error
}

func (e *kindError) Error() string {
	return e.kind.Error() + ": " + e.op + ": " + e.err.Error()
}

// Is matches the kind; Unwrap exposes the cause.
func (e *kindError) Is(target error) bool { return target == e.kind }
func (e *kindError) Unwrap() error        { return e.err }

func raftErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &kindError{kind: ErrRaft, op: op, err: err}
}

func storageErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &kindError{kind: ErrStorage, op: op, err: err}
}

func serializationErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &kindError{kind: ErrSerialization, op: op, err: err}
}
