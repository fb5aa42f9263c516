package statemachine

import "errors"

// Errors returned by this package. They are wrapped with context; compare with
// errors.Is.
var (
	// ErrBadEncoding reports operation bytes that are not a valid encoding:
	// empty, truncated, a non-shortest varint, trailing bytes, an unknown
	// operation kind or an empty key.
	ErrBadEncoding = errors.New("statemachine: bad operation encoding")

	// ErrUnknownVersion reports an operation or snapshot whose leading
	// version byte this package does not know.
	ErrUnknownVersion = errors.New("statemachine: unknown encoding version")

	// ErrBadSnapshot reports snapshot bytes that are not a valid version-1
	// snapshot: truncated, a non-shortest varint, an empty, duplicate or
	// unsorted key, or trailing bytes.
	ErrBadSnapshot = errors.New("statemachine: bad snapshot")

	// ErrOutOfOrder reports an entry whose index is beyond the next one the
	// state machine expects (AppliedIndex()+1).
	ErrOutOfOrder = errors.New("statemachine: entry applied out of order")

	// ErrUnknownEntryType is set in Result.Err for an entry whose type is not
	// one etcd Raft defines (EntryNormal, EntryConfChange, EntryConfChangeV2).
	ErrUnknownEntryType = errors.New("statemachine: unknown entry type")
)
