package storage

import (
	"errors"
	"math"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// MemStorage must keep satisfying raft.Storage.
var _ raft.Storage = (*MemStorage)(nil)

func TestStorageTerm(t *testing.T) {
	tests := []struct {
		i uint64

		werr  error
		wterm uint64
	}{
		{2, raft.ErrCompacted, 0},
		{3, nil, 3}, // the dummy entry keeps its term
		{4, nil, 4},
		{5, nil, 5},
		{6, raft.ErrUnavailable, 0},
	}
	for _, tt := range tests {
		s := newTestStorage(t, 3, 3, 4, 5)
		term, err := s.Term(tt.i)
		if err != tt.werr || term != tt.wterm {
			t.Errorf("Term(%d) = %d, %v; want %d, %v", tt.i, term, err, tt.wterm, tt.werr)
		}
	}
}

func TestStorageEntries(t *testing.T) {
	all := ents(3, 3, 4, 5, 6)
	size := func(es ...*pb.Entry) uint64 { return sizeOf(es) }
	tests := []struct {
		lo, hi, maxSize uint64

		werr     error // compared with ==
		werrIs   error // compared with errors.Is
		wentries []*pb.Entry
	}{
		{2, 6, math.MaxUint64, raft.ErrCompacted, nil, nil},
		{3, 4, math.MaxUint64, raft.ErrCompacted, nil, nil},
		{4, 5, math.MaxUint64, nil, nil, ents(4, 4)},
		{4, 6, math.MaxUint64, nil, nil, ents(4, 4, 5)},
		{4, 7, math.MaxUint64, nil, nil, ents(4, 4, 5, 6)},
		// Even with maxSize 0 the first entry is returned.
		{4, 7, 0, nil, nil, ents(4, 4)},
		// Limit to 2 entries: exactly their size, a part of the third, all but one byte.
		{4, 7, size(all[1], all[2]), nil, nil, ents(4, 4, 5)},
		{4, 7, size(all[1], all[2]) + size(all[3])/2, nil, nil, ents(4, 4, 5)},
		{4, 7, size(all[1:]...) - 1, nil, nil, ents(4, 4, 5)},
		// All.
		{4, 7, size(all[1:]...), nil, nil, ents(4, 4, 5, 6)},
		// Not covered by etcd's tests.
		{4, 4, math.MaxUint64, nil, nil, []*pb.Entry{}}, // empty range
		{7, 7, math.MaxUint64, nil, nil, []*pb.Entry{}}, // empty range at LastIndex()+1
		{5, 7, 1, nil, nil, ents(5, 5)},
		{4, 8, math.MaxUint64, nil, ErrOutOfBounds, nil}, // etcd panics
		{2, 8, math.MaxUint64, raft.ErrCompacted, nil, nil},
		{6, 5, math.MaxUint64, nil, ErrInvalidRange, nil}, // etcd panics
		{9, 7, math.MaxUint64, nil, ErrInvalidRange, nil}, // etcd panics
	}
	for _, tt := range tests {
		s := newTestStorage(t, 3, 3, 4, 5, 6)
		before := observe(s)
		got, err := s.Entries(tt.lo, tt.hi, tt.maxSize)
		switch {
		case tt.werrIs != nil:
			if !errors.Is(err, tt.werrIs) || got != nil {
				t.Errorf("Entries(%d, %d, %d) = %s, %v; want error wrapping %v", tt.lo, tt.hi, tt.maxSize, describe(got), err, tt.werrIs)
			}
		case err != tt.werr:
			t.Errorf("Entries(%d, %d, %d) error = %v, want %v", tt.lo, tt.hi, tt.maxSize, err, tt.werr)
		case !equalEntries(got, tt.wentries) || (got == nil) != (tt.wentries == nil):
			t.Errorf("Entries(%d, %d, %d) = %s, want %s", tt.lo, tt.hi, tt.maxSize, describe(got), describe(tt.wentries))
		}
		if d := before.diff(observe(s)); d != "" {
			t.Errorf("Entries(%d, %d, %d) changed the storage: %s", tt.lo, tt.hi, tt.maxSize, d)
		}
	}
}

func TestStorageEntriesEmpty(t *testing.T) {
	s := NewMemStorage()
	if _, err := s.Entries(1, 1, math.MaxUint64); err != raft.ErrUnavailable {
		t.Errorf("Entries(1, 1) on an empty storage: err = %v, want %v", err, raft.ErrUnavailable)
	}
	if _, err := s.Entries(0, 1, math.MaxUint64); err != raft.ErrCompacted {
		t.Errorf("Entries(0, 1) on an empty storage: err = %v, want %v", err, raft.ErrCompacted)
	}
	if _, err := s.Entries(1, 2, math.MaxUint64); !errors.Is(err, ErrOutOfBounds) {
		t.Errorf("Entries(1, 2) on an empty storage: err = %v, want %v", err, ErrOutOfBounds)
	}
}

func TestStorageLastIndex(t *testing.T) {
	s := newTestStorage(t, 3, 3, 4, 5)
	if last, err := s.LastIndex(); err != nil || last != 5 {
		t.Fatalf("LastIndex() = %d, %v; want 5, nil", last, err)
	}
	if err := s.Append(ents(6, 5)); err != nil {
		t.Fatal(err)
	}
	if last, err := s.LastIndex(); err != nil || last != 6 {
		t.Fatalf("LastIndex() = %d, %v; want 6, nil", last, err)
	}
	if last, _ := NewMemStorage().LastIndex(); last != 0 {
		t.Fatalf("LastIndex() of a new storage = %d, want 0", last)
	}
}

func TestStorageFirstIndex(t *testing.T) {
	s := newTestStorage(t, 3, 3, 4, 5)
	if first, err := s.FirstIndex(); err != nil || first != 4 {
		t.Fatalf("FirstIndex() = %d, %v; want 4, nil", first, err)
	}
	if err := s.Compact(4); err != nil {
		t.Fatal(err)
	}
	if first, err := s.FirstIndex(); err != nil || first != 5 {
		t.Fatalf("FirstIndex() = %d, %v; want 5, nil", first, err)
	}
	if first, _ := NewMemStorage().FirstIndex(); first != 1 {
		t.Fatalf("FirstIndex() of a new storage = %d, want 1", first)
	}
}

func TestStorageCompact(t *testing.T) {
	tests := []struct {
		i uint64

		werr   error // compared with ==
		werrIs error // compared with errors.Is
		wfirst uint64
		wterm  uint64 // Term(wfirst-1)
		wlen   int    // entries held
	}{
		{2, raft.ErrCompacted, nil, 4, 3, 2},
		{3, raft.ErrCompacted, nil, 4, 3, 2},
		{4, nil, nil, 5, 4, 1},
		{5, nil, nil, 6, 5, 0},
		{6, nil, ErrOutOfBounds, 4, 3, 2}, // etcd panics
	}
	for _, tt := range tests {
		s := newTestStorage(t, 3, 3, 4, 5)
		err := s.Compact(tt.i)
		if tt.werrIs != nil {
			if !errors.Is(err, tt.werrIs) {
				t.Errorf("Compact(%d) = %v, want error wrapping %v", tt.i, err, tt.werrIs)
			}
		} else if err != tt.werr {
			t.Errorf("Compact(%d) = %v, want %v", tt.i, err, tt.werr)
		}
		checkInvariants(t, s)
		st := s.Stats()
		term, terr := s.Term(st.FirstIndex - 1)
		if st.FirstIndex != tt.wfirst || term != tt.wterm || terr != nil || st.Entries != tt.wlen {
			t.Errorf("after Compact(%d): first %d, dummy term %d (%v), %d entries; want %d, %d, %d",
				tt.i, st.FirstIndex, term, terr, st.Entries, tt.wfirst, tt.wterm, tt.wlen)
		}
		if st.SnapshotIndex != 0 {
			t.Errorf("Compact(%d) moved the snapshot to %d", tt.i, st.SnapshotIndex)
		}
	}
}

func TestStorageCreateSnapshot(t *testing.T) {
	cs := &pb.ConfState{Voters: []uint64{1, 2, 3}}
	data := []byte("data")
	snapAt := func(i, term uint64) *pb.Snapshot {
		return &pb.Snapshot{Data: data, Metadata: &pb.SnapshotMetadata{
			Index: new(i), Term: new(term),
			ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}, AutoLeave: new(false)},
		}}
	}
	tests := []struct {
		i uint64

		werr   error // compared with ==
		werrIs error // compared with errors.Is
		wsnap  *pb.Snapshot
	}{
		{3, nil, nil, snapAt(3, 3)}, // the dummy entry's term is known
		{4, nil, nil, snapAt(4, 4)},
		{5, nil, nil, snapAt(5, 5)},
		{6, nil, ErrOutOfBounds, nil}, // etcd panics
		{2, nil, ErrOutOfBounds, nil}, // compacted past the snapshot: etcd panics (index out of range)
		{0, raft.ErrSnapOutOfDate, nil, nil},
	}
	for _, tt := range tests {
		s := newTestStorage(t, 3, 3, 4, 5)
		before := observe(s)
		snap, err := s.CreateSnapshot(tt.i, cs, data)
		if tt.werrIs != nil {
			if !errors.Is(err, tt.werrIs) || snap != nil {
				t.Errorf("CreateSnapshot(%d) = %v, %v; want error wrapping %v", tt.i, snap, err, tt.werrIs)
			}
		} else if err != tt.werr {
			t.Errorf("CreateSnapshot(%d) error = %v, want %v", tt.i, err, tt.werr)
		}
		if !proto.Equal(snap, tt.wsnap) {
			t.Errorf("CreateSnapshot(%d) = %v, want %v", tt.i, snap, tt.wsnap)
		}
		after := observe(s)
		if tt.wsnap == nil {
			if d := before.diff(after); d != "" {
				t.Errorf("failed CreateSnapshot(%d) changed the storage: %s", tt.i, d)
			}
			continue
		}
		if !proto.Equal(after.snap, tt.wsnap) {
			t.Errorf("after CreateSnapshot(%d), Snapshot() = %v, want %v", tt.i, after.snap, tt.wsnap)
		}
		if after.first != before.first || after.last != before.last {
			t.Errorf("CreateSnapshot(%d) changed the log: %d..%d, was %d..%d", tt.i, after.first, after.last, before.first, before.last)
		}
		checkInvariants(t, s)
	}
}

func TestStorageCreateSnapshotOutOfDate(t *testing.T) {
	s := newTestStorage(t, 0, 0, 1, 2, 3, 4)
	if _, err := s.CreateSnapshot(3, nil, []byte("three")); err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint64{0, 1, 3} {
		before := observe(s)
		if _, err := s.CreateSnapshot(i, nil, []byte("x")); err != raft.ErrSnapOutOfDate {
			t.Errorf("CreateSnapshot(%d) after a snapshot at 3: err = %v, want %v", i, err, raft.ErrSnapOutOfDate)
		}
		if d := before.diff(observe(s)); d != "" {
			t.Errorf("failed CreateSnapshot(%d) changed the storage: %s", i, d)
		}
	}
}

func TestStorageCreateSnapshotKeepsConfState(t *testing.T) {
	s := newTestStorage(t, 0, 0, 1, 1, 2)
	cs := &pb.ConfState{Voters: []uint64{1, 2}, Learners: []uint64{3}}
	if _, err := s.CreateSnapshot(1, cs, nil); err != nil {
		t.Fatal(err)
	}
	snap, err := s.CreateSnapshot(2, nil, []byte("2"))
	if err != nil {
		t.Fatal(err)
	}
	want := pb.EnsureConfState(proto.Clone(cs).(*pb.ConfState))
	if got := snap.GetMetadata().GetConfState(); !proto.Equal(got, want) {
		t.Errorf("CreateSnapshot with nil ConfState: %v, want the previous %v", got, want)
	}
	if _, got, _ := s.InitialState(); !proto.Equal(got, want) {
		t.Errorf("InitialState ConfState = %v, want %v", got, want)
	}
}

func TestStorageAppend(t *testing.T) {
	tests := []struct {
		entries []*pb.Entry

		werrIs   error
		wentries []*pb.Entry // with the dummy entry first, as etcd's test shows
	}{
		{ents(1, 1, 2), nil, ents(3, 3, 4, 5)},          // all compacted: ignored
		{ents(3, 3, 4, 5), nil, ents(3, 3, 4, 5)},       // same entries
		{ents(3, 3, 6, 6), nil, ents(3, 3, 6, 6)},       // overwrite all
		{ents(3, 3, 4, 5, 5), nil, ents(3, 3, 4, 5, 5)}, // same plus one more
		// Truncate the incoming entries, truncate the existing entries and append.
		{ents(2, 3, 3, 5), nil, ents(3, 3, 5)},
		// Truncate the existing entries and append.
		{ents(4, 5), nil, ents(3, 3, 5)},
		// Direct append.
		{ents(6, 5), nil, ents(3, 3, 4, 5, 5)},
		// Not covered by etcd's tests.
		{nil, nil, ents(3, 3, 4, 5)},
		{ents(7, 5), ErrLogGap, ents(3, 3, 4, 5)},                                // etcd panics
		{[]*pb.Entry{ents(6, 5)[0], ents(8, 5)[0]}, ErrLogGap, ents(3, 3, 4, 5)}, // etcd stores it
		{[]*pb.Entry{ents(5, 5)[0], ents(5, 5)[0]}, ErrLogGap, ents(3, 3, 4, 5)},
	}
	for _, tt := range tests {
		s := newTestStorage(t, 3, 3, 4, 5)
		err := s.Append(tt.entries)
		if tt.werrIs != nil {
			if !errors.Is(err, tt.werrIs) {
				t.Errorf("Append(%s) = %v, want error wrapping %v", describe(tt.entries), err, tt.werrIs)
			}
		} else if err != nil {
			t.Errorf("Append(%s) = %v", describe(tt.entries), err)
		}
		checkInvariants(t, s)
		s.mu.Lock()
		got := s.ents
		s.mu.Unlock()
		requireEntries(t, tt.wentries, got)
		checkAccounting(t, s)
	}
}

func TestStorageApplySnapshot(t *testing.T) {
	cs := &pb.ConfState{Voters: []uint64{1, 2, 3}}
	data := []byte("data")
	snapAt := func(i, term uint64) *pb.Snapshot {
		return &pb.Snapshot{Data: data, Metadata: &pb.SnapshotMetadata{Index: new(i), Term: new(term), ConfState: cs}}
	}
	tests := []struct {
		name      string
		snapshots []*pb.Snapshot

		werr          error
		wfirst, wlast uint64
		wterm         uint64 // Term(wfirst-1)
	}{
		{"normal case", []*pb.Snapshot{snapAt(4, 4)}, nil, 5, 4, 4},
		{"snapshot out of date", []*pb.Snapshot{snapAt(4, 4), snapAt(3, 3)}, raft.ErrSnapOutOfDate, 5, 4, 4},
		{"same index", []*pb.Snapshot{snapAt(4, 4), snapAt(4, 4)}, raft.ErrSnapOutOfDate, 5, 4, 4},
		{"newer", []*pb.Snapshot{snapAt(4, 4), snapAt(9, 5)}, nil, 10, 9, 5},
		{"bootstrap with confState", []*pb.Snapshot{{Data: data, Metadata: &pb.SnapshotMetadata{ConfState: cs}}}, nil, 1, 0, 0},
		{"twice at index 0", []*pb.Snapshot{{Metadata: &pb.SnapshotMetadata{ConfState: cs}}, {}}, nil, 1, 0, 0},
		{"nil", []*pb.Snapshot{nil}, nil, 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewMemStorage()
			var err error
			for _, sn := range tt.snapshots {
				err = s.ApplySnapshot(sn)
			}
			if err != tt.werr {
				t.Fatalf("ApplySnapshot: err = %v, want %v", err, tt.werr)
			}
			st := s.Stats()
			term, terr := s.Term(st.FirstIndex - 1)
			if st.FirstIndex != tt.wfirst || st.LastIndex != tt.wlast || term != tt.wterm || terr != nil {
				t.Fatalf("after ApplySnapshot: %d..%d, dummy term %d (%v); want %d..%d, %d",
					st.FirstIndex, st.LastIndex, term, terr, tt.wfirst, tt.wlast, tt.wterm)
			}
			checkInvariants(t, s)
			checkAccounting(t, s)
		})
	}
}

func TestStorageApplySnapshotReplacesLog(t *testing.T) {
	s := newTestStorage(t, 0, 0, 1, 1, 2, 2)
	s.SetHardState(&pb.HardState{Term: new(uint64(2)), Commit: new(uint64(3))})
	if err := s.ApplySnapshot(&pb.Snapshot{Metadata: &pb.SnapshotMetadata{Index: new(uint64(2)), Term: new(uint64(1))}}); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.FirstIndex != 3 || st.LastIndex != 2 || st.Entries != 0 || st.LogBytes != 0 {
		t.Fatalf("after ApplySnapshot(2): %+v, want an empty log after index 2", st)
	}
	if hs, _, _ := s.InitialState(); hs.GetCommit() != 3 {
		t.Fatalf("ApplySnapshot changed the HardState: %v", hs)
	}
	// The old entries 3 and 4 are gone: appending at 4 leaves a gap.
	if err := s.Append(ents(4, 2)); !errors.Is(err, ErrLogGap) {
		t.Fatalf("Append at 4 after a snapshot at 2: err = %v, want %v", err, ErrLogGap)
	}
}

// Bootstrapping with a ConfState-only snapshot at index 0, applied or set,
// must start a raft node that elects itself and commits a proposal.
func TestStorageBootstrapRawNode(t *testing.T) {
	cs := &pb.ConfState{Voters: []uint64{1}}
	for _, name := range []string{"ApplySnapshot", "SetConfState"} {
		t.Run(name, func(t *testing.T) {
			s := NewMemStorage()
			var err error
			if name == "ApplySnapshot" {
				err = s.ApplySnapshot(&pb.Snapshot{Metadata: &pb.SnapshotMetadata{ConfState: cs}})
			} else {
				err = s.SetConfState(cs)
			}
			if err != nil {
				t.Fatal(err)
			}
			rn := newRawNode(t, s, 0)
			if err := rn.Campaign(); err != nil {
				t.Fatal(err)
			}
			drain(t, rn, s)
			if err := rn.Propose([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			applied := drain(t, rn, s)
			if rn.BasicStatus().RaftState != raft.StateLeader || len(applied) != 1 || string(applied[0].GetData()) != "hello" {
				t.Fatalf("state %v, applied %s; want leader that applied hello", rn.BasicStatus().RaftState, describe(applied))
			}

			// Snapshot and compact, then restart a node from the same storage.
			last := applied[0].GetIndex()
			if _, err := s.CreateSnapshot(last, cs, []byte("state")); err != nil {
				t.Fatal(err)
			}
			if err := s.Compact(last); err != nil {
				t.Fatal(err)
			}
			rn = newRawNode(t, s, last)
			if err := rn.Campaign(); err != nil {
				t.Fatal(err)
			}
			drain(t, rn, s)
			if err := rn.Propose([]byte("again")); err != nil {
				t.Fatal(err)
			}
			applied = drain(t, rn, s)
			if len(applied) != 1 || string(applied[0].GetData()) != "again" || applied[0].GetIndex() <= last {
				t.Fatalf("after restart applied %s, want one entry after %d", describe(applied), last)
			}
			checkInvariants(t, s)
			checkAccounting(t, s)
		})
	}
}

func newRawNode(t *testing.T, s *MemStorage, applied uint64) *raft.RawNode {
	t.Helper()
	rn, err := raft.NewRawNode(&raft.Config{
		ID: 1, ElectionTick: 10, HeartbeatTick: 1, Storage: s, Applied: applied,
		MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256, Logger: discardLogger,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rn
}

// drain runs the Ready loop of a single-node RawNode until it is idle and
// returns the normal entries with data that it committed.
func drain(t *testing.T, rn *raft.RawNode, s *MemStorage) []*pb.Entry {
	t.Helper()
	var applied []*pb.Entry
	for rn.HasReady() {
		rd := rn.Ready()
		if !raft.IsEmptySnap(rd.Snapshot) {
			if err := s.ApplySnapshot(rd.Snapshot); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Append(rd.Entries); err != nil {
			t.Fatal(err)
		}
		if !raft.IsEmptyHardState(rd.HardState) {
			if err := s.SetHardState(rd.HardState); err != nil {
				t.Fatal(err)
			}
		}
		for _, e := range rd.CommittedEntries {
			switch e.GetType() {
			case pb.EntryConfChange:
				var cc pb.ConfChange
				if err := proto.Unmarshal(e.GetData(), &cc); err != nil {
					t.Fatal(err)
				}
				rn.ApplyConfChange(&cc)
			case pb.EntryNormal:
				if len(e.GetData()) > 0 {
					applied = append(applied, e)
				}
			}
		}
		rn.Advance(rd)
	}
	return applied
}
