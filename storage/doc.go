// Package storage holds MemStorage, Seshat's in-memory implementation of
// etcd Raft's raft.Storage.
//
// A MemStorage keeps what a Raft node would keep on disk: the HardState, the
// most recent snapshot (its metadata, ConfState and state-machine data) and
// the log entries that follow it. It answers raft.Storage exactly as etcd's
// raft.MemoryStorage does, and adds what a simulator and a status view need:
//
//   - It never panics. Where MemoryStorage panics on a request outside the
//     log (Entries past the last index, CreateSnapshot or Compact beyond the
//     last index, an Append that would leave a hole), MemStorage returns an
//     error wrapping ErrOutOfBounds, ErrInvalidRange or ErrLogGap and leaves
//     its contents unchanged.
//   - It copies on store and on read: messages handed to SetHardState,
//     ApplySnapshot, CreateSnapshot and SetConfState are cloned, and
//     InitialState and Snapshot return clones, so neither side can change the
//     other's copy.
//   - It keeps byte accounting (LogBytes, BytesAfter, Stats) in step with
//     every mutation, for size-based snapshot and compaction policies.
//
// # Layout of the log
//
// The log is a run of consecutive entries preceded by one "dummy" entry that
// records only the index and term of the last entry folded into a snapshot
// (or compacted away). With the dummy at index d and the last entry at index
// l:
//
//	FirstIndex() == d+1, LastIndex() == l,
//	Term(i) answers for d <= i <= l,
//	Entries(lo, hi, _) serves d < lo <= hi <= l+1.
//
// A new MemStorage has the dummy at index 0, term 0, and no entries.
//
// # Errors
//
// Errors that etcd Raft interprets are returned unwrapped, because raft
// compares them with ==: raft.ErrCompacted, raft.ErrUnavailable and
// raft.ErrSnapOutOfDate. Errors that signal a caller bug (requests that
// MemoryStorage answers with a panic) wrap this package's sentinels; test
// them with errors.Is.
//
// # Concurrency
//
// A MemStorage is safe for concurrent use: every method takes an internal
// mutex. It starts no goroutines and reads no clock.
package storage
