package storage

import (
	"bytes"
	"fmt"
	"math"
	"sync"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// MemStorage is an in-memory raft.Storage: a HardState, the most recent
// snapshot and the log entries after it. Create one with NewMemStorage; the
// zero value is not usable.
//
// Raft reads it through the raft.Storage methods; the application writes it
// in the order the Ready loop requires (ApplySnapshot, Append, SetHardState
// before sending messages) and trims it with CreateSnapshot and Compact.
//
// Messages stored and returned are private copies, except log entries: entries
// are immutable once appended, and Entries returns the stored pointers (see
// Append and Entries).
type MemStorage struct {
	// mu guards every field below.
	mu sync.Mutex

	// hardState is never nil.
	hardState *pb.HardState
	// snapshot is never nil and has non-nil Metadata and ConfState. It is
	// replaced, never modified in place, so its parts may be shared.
	snapshot *pb.Snapshot
	// snapBytes is proto.Size(snapshot).
	snapBytes int
	// ents[k] has index ents[0].GetIndex()+k. ents[0] is the dummy entry: it
	// carries only the index and term of the last compacted (or snapshotted)
	// entry. Stored entries are never modified; a truncation or compaction
	// allocates a new slice, because older slices may still be referenced
	// through results of Entries.
	ents []*pb.Entry
	// cum[k]-cum[0] is the summed proto.Size of ents[1..k]; len(cum) == len(ents).
	cum []uint64
}

// NewMemStorage returns an empty MemStorage: an empty HardState, an empty
// snapshot at index 0, term 0, and no entries (FirstIndex 1, LastIndex 0).
func NewMemStorage() *MemStorage {
	s := &MemStorage{hardState: new(pb.HardState)}
	s.setSnapshotLocked(pb.EnsureSnapshot(nil))
	s.resetLogLocked(0, 0)
	return s
}

// InitialState implements raft.Storage. It returns copies of the saved
// HardState (an empty HardState if none was set) and of the ConfState of the
// current snapshot (never nil; empty if none was set). The error is always nil.
func (s *MemStorage) InitialState() (*pb.HardState, *pb.ConfState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hs := proto.Clone(s.hardState).(*pb.HardState)
	cs := proto.Clone(s.snapshot.GetMetadata().GetConfState()).(*pb.ConfState)
	return hs, cs, nil
}

// SetHardState saves a copy of st; a nil st saves an empty HardState. The
// error is always nil.
func (s *MemStorage) SetHardState(st *pb.HardState) error {
	c := copyHardState(st)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hardState = c
	return nil
}

// hardStateCopy is a HardState and room for its fields, allocated at once.
type hardStateCopy struct {
	hs                 pb.HardState
	term, vote, commit uint64
}

// copyHardState returns a copy of st as proto.Clone makes it (fields set
// exactly where st sets them, unknown fields kept), or an empty HardState
// if st is nil, in one allocation instead of proto.Clone's reflection and
// one allocation per field: SetHardState runs on most Ready rounds.
func copyHardState(st *pb.HardState) *pb.HardState {
	b := new(hardStateCopy)
	c := &b.hs
	if st == nil {
		return c
	}
	if st.Term != nil {
		b.term = *st.Term
		c.Term = &b.term
	}
	if st.Vote != nil {
		b.vote = *st.Vote
		c.Vote = &b.vote
	}
	if st.Commit != nil {
		b.commit = *st.Commit
		c.Commit = &b.commit
	}
	if u := st.ProtoReflect().GetUnknown(); len(u) > 0 {
		c.ProtoReflect().SetUnknown(bytes.Clone(u))
	}
	return c
}

// Entries implements raft.Storage. It returns the consecutive entries in the
// half-open range [lo, hi), starting at lo, stopping early once their summed
// proto.Size would exceed maxSize, but returning at least one entry when the
// range is not empty.
//
// The caller owns the returned slice and may append to it (its capacity equals
// its length, so an append copies); the entries it points to are shared with
// the storage and must not be modified.
//
// Errors, checked in this order:
//   - raft.ErrCompacted if lo <= FirstIndex()-1 (entry lo is compacted);
//   - ErrOutOfBounds (wrapped) if hi > LastIndex()+1;
//   - raft.ErrUnavailable if the storage holds no entries at all;
//   - ErrInvalidRange (wrapped) if lo > hi.
func (s *MemStorage) Entries(lo, hi, maxSize uint64) ([]*pb.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	offset := s.offset()
	if lo <= offset {
		return nil, raft.ErrCompacted
	}
	if last := s.lastIndex(); hi > last+1 {
		return nil, fmt.Errorf("%w: entries [%d, %d) reach past the last index %d", ErrOutOfBounds, lo, hi, last)
	}
	if len(s.ents) == 1 {
		return nil, raft.ErrUnavailable
	}
	if lo > hi {
		return nil, fmt.Errorf("%w: entries [%d, %d)", ErrInvalidRange, lo, hi)
	}
	a, b := lo-offset, hi-offset
	n := s.limitLocked(a, b, maxSize)
	return s.ents[a : a+n : a+n], nil
}

// Term implements raft.Storage. It returns the term of entry i, for
// FirstIndex()-1 <= i <= LastIndex(); the term of FirstIndex()-1 is kept
// (in the dummy entry) so that raft can match logs at the compaction point.
// It returns raft.ErrCompacted if i < FirstIndex()-1 and raft.ErrUnavailable
// if i > LastIndex().
func (s *MemStorage) Term(i uint64) (uint64, error) {
	// No defers in these getters: etcd Raft calls them many times per
	// message, and a defer costs under WebAssembly. Nothing in them panics.
	s.mu.Lock()
	offset := s.offset()
	if i < offset {
		s.mu.Unlock()
		return 0, raft.ErrCompacted
	}
	if i > s.lastIndex() {
		s.mu.Unlock()
		return 0, raft.ErrUnavailable
	}
	t := s.ents[i-offset].GetTerm()
	s.mu.Unlock()
	return t, nil
}

// LastIndex implements raft.Storage. It returns the index of the last entry,
// or FirstIndex()-1 if the storage holds no entries. The error is always nil.
func (s *MemStorage) LastIndex() (uint64, error) {
	s.mu.Lock()
	i := s.lastIndex()
	s.mu.Unlock()
	return i, nil
}

// FirstIndex implements raft.Storage. It returns the index of the first entry
// that may be available through Entries: one past the last compacted entry.
// If the storage holds no entries, FirstIndex() == LastIndex()+1. The error is
// always nil.
func (s *MemStorage) FirstIndex() (uint64, error) {
	s.mu.Lock()
	i := s.offset() + 1
	s.mu.Unlock()
	return i, nil
}

// Snapshot implements raft.Storage. It returns a copy of the most recent
// snapshot, with Metadata and ConfState always set; a storage that never
// received one returns an empty snapshot at index 0. The error is always nil.
func (s *MemStorage) Snapshot() (*pb.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return proto.Clone(s.snapshot).(*pb.Snapshot), nil
}

// ApplySnapshot replaces the whole contents of the storage, except the
// HardState, with a copy of snap: the log becomes empty, with its dummy entry
// at the snapshot's index and term. A nil snap counts as an empty snapshot at
// index 0.
//
// It returns raft.ErrSnapOutOfDate, changing nothing, if the current snapshot
// has a non-zero index that is >= snap's index. A current snapshot at index 0
// can always be replaced: this is how a cluster is bootstrapped with a
// ConfState-only snapshot at index 0, which also discards any entries held.
func (s *MemStorage) ApplySnapshot(snap *pb.Snapshot) error {
	c := new(pb.Snapshot)
	if snap != nil {
		c = proto.Clone(snap).(*pb.Snapshot)
	}
	c = pb.EnsureSnapshot(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, idx := s.snapshot.GetMetadata().GetIndex(), c.GetMetadata().GetIndex()
	if cur != 0 && cur >= idx {
		return raft.ErrSnapOutOfDate
	}
	s.setSnapshotLocked(c)
	s.resetLogLocked(idx, c.GetMetadata().GetTerm())
	return nil
}

// CreateSnapshot records a snapshot of the state machine as of entry i and
// returns a copy of it; Snapshot returns it from then on. data is copied. The
// snapshot's term is entry i's term. cs is the configuration as of entry i
// (the result of the last ApplyConfChange applied at or before i); a nil cs
// keeps the ConfState of the previous snapshot. CreateSnapshot does not
// discard entries: call Compact for that.
//
// It returns raft.ErrSnapOutOfDate if i <= the current snapshot's index, and
// an error wrapping ErrOutOfBounds if i > LastIndex() or if entry i's term is
// gone (i < FirstIndex()-1, possible after a Compact past the snapshot).
// Nothing changes on error.
func (s *MemStorage) CreateSnapshot(i uint64, cs *pb.ConfState, data []byte) (*pb.Snapshot, error) {
	var csCopy *pb.ConfState
	if cs != nil {
		csCopy = pb.EnsureConfState(proto.Clone(cs).(*pb.ConfState))
	}
	data = bytes.Clone(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	if i <= s.snapshot.GetMetadata().GetIndex() {
		return nil, raft.ErrSnapOutOfDate
	}
	offset, last := s.offset(), s.lastIndex()
	if i > last {
		return nil, fmt.Errorf("%w: snapshot index %d is beyond the last index %d", ErrOutOfBounds, i, last)
	}
	if i < offset {
		return nil, fmt.Errorf("%w: snapshot index %d precedes index %d, the oldest whose term is kept (the log was compacted past the snapshot)", ErrOutOfBounds, i, offset)
	}
	if csCopy == nil {
		csCopy = s.snapshot.GetMetadata().GetConfState()
	}
	snap := &pb.Snapshot{
		Data: data,
		Metadata: &pb.SnapshotMetadata{
			ConfState: csCopy,
			Index:     new(i),
			Term:      new(s.ents[i-offset].GetTerm()),
		},
	}
	s.setSnapshotLocked(snap)
	return proto.Clone(snap).(*pb.Snapshot), nil
}

// SetConfState replaces the ConfState stored with the current snapshot, the
// one InitialState returns, with a copy of cs (nil stores an empty
// ConfState). The snapshot's index, term and data are unchanged. The error is
// always nil.
//
// cs must describe the membership as of the snapshot's index, which is the
// Applied index a node restarting from this storage starts with: raft
// restores its configuration from it and replays only the entries after it.
// Its main use is bootstrapping: on an empty storage, SetConfState with the
// founding voters makes a ConfState-only "snapshot" at index 0.
func (s *MemStorage) SetConfState(cs *pb.ConfState) error {
	c := new(pb.ConfState)
	if cs != nil {
		c = proto.Clone(cs).(*pb.ConfState)
	}
	c = pb.EnsureConfState(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	md := s.snapshot.GetMetadata()
	s.setSnapshotLocked(&pb.Snapshot{
		Data: s.snapshot.Data,
		Metadata: &pb.SnapshotMetadata{
			ConfState: c,
			Index:     new(md.GetIndex()),
			Term:      new(md.GetTerm()),
		},
	})
	return nil
}

// Compact discards the entries before compactIndex: entry compactIndex
// becomes the dummy entry, keeping only its index and term, and FirstIndex
// becomes compactIndex+1. The caller must not compact past what its state
// machine has applied, nor past the latest snapshot: raft answers a follower
// that needs a discarded entry with Snapshot(), which must cover it.
//
// It returns raft.ErrCompacted if compactIndex <= FirstIndex()-1, and an
// error wrapping ErrOutOfBounds if compactIndex > LastIndex(). Nothing changes
// on error.
func (s *MemStorage) Compact(compactIndex uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	offset := s.offset()
	if compactIndex <= offset {
		return raft.ErrCompacted
	}
	if last := s.lastIndex(); compactIndex > last {
		return fmt.Errorf("%w: compact index %d is beyond the last index %d", ErrOutOfBounds, compactIndex, last)
	}
	k := compactIndex - offset
	// A new slice: the old one may be referenced by results of Entries.
	ents := make([]*pb.Entry, 1, uint64(len(s.ents))-k)
	ents[0] = &pb.Entry{Index: new(compactIndex), Term: new(s.ents[k].GetTerm())}
	s.ents = append(ents, s.ents[k+1:]...)
	s.cum = append([]uint64(nil), s.cum[k:]...)
	return nil
}

// Append adds entries, which must have consecutive indexes, to the log.
// Entries at or before FirstIndex()-1 are ignored (they are compacted). An
// entry whose index is already in the log replaces it and truncates every
// entry after it, as raft requires when a follower's log conflicts with its
// leader's; the first entry may be at most LastIndex()+1.
//
// Append keeps the entry pointers, not the slice: the entries must not be
// modified afterwards (raft never does). Slices earlier returned by Entries
// stay valid and unchanged.
//
// It returns an error wrapping ErrLogGap, changing nothing, if the indexes are
// not consecutive or the first entry kept lies beyond LastIndex()+1.
func (s *MemStorage) Append(entries []*pb.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	for k := 1; k < len(entries); k++ {
		prev, cur := entries[k-1].GetIndex(), entries[k].GetIndex()
		if prev == math.MaxUint64 || cur != prev+1 {
			return fmt.Errorf("%w: entry %d follows entry %d in the appended batch", ErrLogGap, cur, prev)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	first := s.offset() + 1
	start := entries[0].GetIndex()
	if start+uint64(len(entries))-1 < first {
		return nil // all compacted
	}
	if start < first {
		entries = entries[first-start:]
		start = first
	}
	k := start - s.offset() // position of entries[0] in s.ents
	switch {
	case k < uint64(len(s.ents)):
		// Truncate. The full slice expression forces a new array: the old
		// one may be referenced by results of Entries.
		s.ents = append(s.ents[:k:k], entries...)
		s.cum = s.cum[:k]
	case k == uint64(len(s.ents)):
		s.ents = append(s.ents, entries...)
	default:
		return fmt.Errorf("%w: first entry %d is beyond the next index %d (last index %d)", ErrLogGap, start, s.lastIndex()+1, s.lastIndex())
	}
	s.appendSizesLocked(entries)
	return nil
}

// offset is the index of the dummy entry, FirstIndex()-1.
func (s *MemStorage) offset() uint64 { return s.ents[0].GetIndex() }

func (s *MemStorage) lastIndex() uint64 { return s.offset() + uint64(len(s.ents)) - 1 }

// resetLogLocked empties the log, leaving a dummy entry at index and term.
func (s *MemStorage) resetLogLocked(index, term uint64) {
	s.ents = []*pb.Entry{{Index: new(index), Term: new(term)}}
	s.cum = []uint64{0}
}

// setSnapshotLocked stores snap, which must be a private, ensured copy.
func (s *MemStorage) setSnapshotLocked(snap *pb.Snapshot) {
	s.snapshot = snap
	s.snapBytes = proto.Size(snap)
}
