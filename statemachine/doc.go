// Package statemachine is Seshat's replicated key-value state machine: the
// Operation a client proposes, its binary encoding inside a Raft log entry, the
// StateMachine every replica applies committed entries to, and the versioned
// snapshot format that carries a StateMachine's state between replicas.
//
// Everything here is deterministic and pure Go: no wall clock, no goroutines,
// no syscall/js. Outputs never depend on Go's map iteration order, so the same
// sequence of applied entries gives the same Results, the same Snapshot bytes
// and the same Digest on every replica, natively and under WebAssembly.
//
// # Operation encoding (version 1)
//
// An Operation is stored in the Data of an EntryNormal entry as:
//
//	byte     encoding version, 1
//	byte     kind: 1 = set, 2 = del
//	uvarint  request ID (0 = none)
//	uvarint  len(key), then the key bytes (the key is never empty)
//	uvarint  len(value), then the value bytes     (set only)
//
// uvarint is encoding/binary's unsigned varint in its shortest form. Nothing
// may follow the last field. Encode writes exactly this; Decode accepts exactly
// this (non-shortest varints, trailing bytes, an empty key, an unknown version
// or kind are all errors), so every decodable byte string re-encodes to itself.
//
// # Snapshot encoding (version 1)
//
//	byte     snapshot version, 1
//	uvarint  applied index
//	uvarint  number of pairs, n
//	n times: uvarint len(key), key, uvarint len(value), value
//
// Keys are non-empty and strictly ascending in byte order, and nothing follows
// the last pair, so one state has exactly one encoding.
//
// # Applying entries
//
// StateMachine.Apply takes committed entries in index order. Entries at or
// below the applied index are skipped (re-applying is harmless); a gap is an
// error (ErrOutOfOrder). Empty entries (the no-op a new leader appends) and
// configuration changes advance the applied index without touching the data.
// An entry whose data cannot be decoded is still counted as applied, with the
// decoding error in Result.Err, so that every replica stays at the same index.
package statemachine
