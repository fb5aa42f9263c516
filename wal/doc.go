// Package wal is a write-ahead log for a Raft node's durable state: its
// hard state (term, vote, commit), its log entries and its latest snapshot,
// in one append-only file. Save writes a Ready round's state and syncs the
// file before returning, so what Save acknowledged survives the process
// being killed (SIGKILL) or the machine losing power after the sync.
//
// Each record is a 4-byte big-endian length, a 4-byte CRC-32C of the rest,
// a 1-byte type and the protobuf encoding of a raftpb.HardState, Entry or
// Snapshot. Open replays the records: the newest snapshot and hard state
// win, an entry at index i replaces every entry from i on (as a new leader's
// entries replace a follower's), and entries the snapshot covers are
// dropped. A record cut short at the end of the file (a write the process
// did not finish) is discarded and the file truncated there; a damaged
// record anywhere else is an error, never silently skipped.
//
// Compact rewrites the file from a snapshot on, through a temporary file
// renamed over the old one, so the log does not grow without bound.
//
// The package uses the file system, so it is for native nodes only; the
// pure packages (core, storage, statemachine, sim) never import it.
package wal
