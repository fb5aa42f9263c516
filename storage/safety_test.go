package storage

import (
	"errors"
	"math"
	"sync"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// A caller may append to the slice Entries returns without touching storage.
func TestEntriesAppendToResult(t *testing.T) {
	s := newTestStorage(t, 0, 0, 1, 2, 3, 4)
	got, err := s.Entries(1, 3, math.MaxUint64)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != cap(got) {
		t.Fatalf("Entries returned len %d cap %d, want len == cap", len(got), cap(got))
	}
	got = append(got, &pb.Entry{Index: new(uint64(3)), Term: new(uint64(99))})
	got[0] = &pb.Entry{Index: new(uint64(1)), Term: new(uint64(98))}
	_ = got
	requireEntries(t, ents(1, 1, 2, 3, 4), observe(s).ents)
}

// Slices returned by Entries keep their contents across truncating Appends
// and Compacts.
func TestEntriesResultSurvivesMutations(t *testing.T) {
	s := newTestStorage(t, 0, 0, 1, 1, 1, 1)
	got, err := s.Entries(1, 5, math.MaxUint64)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ents(2, 2, 2, 2, 2)); err != nil { // overwrite 2..4, add 5
		t.Fatal(err)
	}
	if err := s.Compact(3); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ents(4, 3)); err != nil { // overwrite 4, drop 5
		t.Fatal(err)
	}
	requireEntries(t, ents(1, 1, 1, 1, 1), got)
	requireEntries(t, ents(4, 3), observe(s).ents)
}

// Append neither modifies the caller's entries or slice nor keeps the slice.
func TestAppendKeepsCallerSlice(t *testing.T) {
	s := newTestStorage(t, 2, 1, 1, 1)
	in := ents(1, 1, 1, 2, 2, 2) // 1 and 2 are compacted, 3 and 4 overwrite, 5 is new
	want := make([]*pb.Entry, len(in))
	for k, e := range in {
		want[k] = proto.Clone(e).(*pb.Entry)
	}
	if err := s.Append(in); err != nil {
		t.Fatal(err)
	}
	requireEntries(t, want, in)
	in[3] = &pb.Entry{Index: new(uint64(4)), Term: new(uint64(77))}
	requireEntries(t, ents(3, 2, 2, 2), observe(s).ents)
}

// Failed mutations wrap the package's sentinels and change nothing.
func TestFailedMutationsChangeNothing(t *testing.T) {
	tests := []struct {
		name string
		op   func(s *MemStorage) error
		werr error
	}{
		{"Append gap", func(s *MemStorage) error { return s.Append(ents(7, 5)) }, ErrLogGap},
		{"Append not consecutive", func(s *MemStorage) error {
			return s.Append([]*pb.Entry{ents(5, 5)[0], ents(7, 5)[0]})
		}, ErrLogGap},
		{"Append index overflow", func(s *MemStorage) error {
			return s.Append([]*pb.Entry{ents(math.MaxUint64, 5)[0], ents(0, 5)[0]})
		}, ErrLogGap},
		{"Compact beyond last", func(s *MemStorage) error { return s.Compact(6) }, ErrOutOfBounds},
		{"CreateSnapshot beyond last", func(s *MemStorage) error {
			_, err := s.CreateSnapshot(6, &pb.ConfState{Voters: []uint64{1}}, []byte("x"))
			return err
		}, ErrOutOfBounds},
		{"CreateSnapshot before dummy", func(s *MemStorage) error {
			_, err := s.CreateSnapshot(2, nil, nil)
			return err
		}, ErrOutOfBounds},
		{"Entries beyond last", func(s *MemStorage) error { _, err := s.Entries(4, 7, 0); return err }, ErrOutOfBounds},
		{"Entries lo > hi", func(s *MemStorage) error { _, err := s.Entries(5, 4, 0); return err }, ErrInvalidRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStorage(t, 3, 3, 4, 5)
			before, stats := observe(s), s.Stats()
			err := tt.op(s)
			if !errors.Is(err, tt.werr) {
				t.Fatalf("err = %v, want error wrapping %v", err, tt.werr)
			}
			if d := before.diff(observe(s)); d != "" || s.Stats() != stats {
				t.Fatalf("storage changed: %s; stats %+v, were %+v", d, s.Stats(), stats)
			}
			checkInvariants(t, s)
		})
	}
}

// Messages given to storage are copied, and so are those it returns.
func TestStorageCopiesMessages(t *testing.T) {
	s := NewMemStorage()
	hs := &pb.HardState{Term: new(uint64(2)), Vote: new(uint64(1)), Commit: new(uint64(0))}
	cs := &pb.ConfState{Voters: []uint64{1, 2}}
	data := []byte("state")
	snap := &pb.Snapshot{Data: data, Metadata: &pb.SnapshotMetadata{Index: new(uint64(5)), Term: new(uint64(2)), ConfState: cs}}
	if err := s.SetHardState(hs); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplySnapshot(snap); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ents(6, 2, 2)); err != nil {
		t.Fatal(err)
	}
	created, err := s.CreateSnapshot(6, cs, data)
	if err != nil {
		t.Fatal(err)
	}
	want := observe(s)

	// Mutate what was passed in.
	hs.Term = new(uint64(9))
	cs.Voters[0] = 9
	data[0] = 'X'
	snap.Metadata.Index = new(uint64(9))
	// Mutate what came out.
	created.Data[0] = 'Y'
	created.Metadata.ConfState.Voters = append(created.Metadata.ConfState.Voters, 7)
	gotHS, gotCS, _ := s.InitialState()
	gotHS.Commit = new(uint64(9))
	gotCS.Learners = []uint64{8}
	gotSnap, _ := s.Snapshot()
	gotSnap.Data[1] = 'Z'
	gotSnap.Metadata.Term = new(uint64(9))

	if d := want.diff(observe(s)); d != "" {
		t.Fatalf("storage changed through a message it was given or returned: %s", d)
	}
	if got := string(observe(s).snap.GetData()); got != "state" {
		t.Fatalf("snapshot data = %q, want %q", got, "state")
	}
}

func TestStorageInitialStateEmpty(t *testing.T) {
	hs, cs, err := NewMemStorage().InitialState()
	if err != nil || hs == nil || cs == nil {
		t.Fatalf("InitialState() = %v, %v, %v; want non-nil empty states", hs, cs, err)
	}
	if !proto.Equal(hs, &pb.HardState{}) || len(cs.GetVoters()) != 0 {
		t.Fatalf("InitialState() = %v, %v; want empty states", hs, cs)
	}
	s := NewMemStorage()
	s.SetHardState(nil)
	if hs, _, _ := s.InitialState(); hs == nil {
		t.Fatal("InitialState after SetHardState(nil) returned a nil HardState")
	}
}

func TestStorageSetConfState(t *testing.T) {
	s := newTestStorage(t, 0, 0, 1, 1, 2)
	if _, err := s.CreateSnapshot(2, &pb.ConfState{Voters: []uint64{1}}, []byte("two")); err != nil {
		t.Fatal(err)
	}
	cs := &pb.ConfState{Voters: []uint64{1, 2}, Learners: []uint64{3}}
	if err := s.SetConfState(cs); err != nil {
		t.Fatal(err)
	}
	cs.Voters[0] = 42
	snap, _ := s.Snapshot()
	_, got, _ := s.InitialState()
	want := &pb.ConfState{Voters: []uint64{1, 2}, Learners: []uint64{3}, AutoLeave: new(false)}
	if !proto.Equal(got, want) || !proto.Equal(snap.GetMetadata().GetConfState(), want) {
		t.Fatalf("after SetConfState: InitialState %v, snapshot %v; want %v", got, snap.GetMetadata().GetConfState(), want)
	}
	md := snap.GetMetadata()
	if md.GetIndex() != 2 || md.GetTerm() != 1 || string(snap.GetData()) != "two" {
		t.Fatalf("SetConfState changed the snapshot's index, term or data: %v", snap)
	}
	if err := s.SetConfState(nil); err != nil {
		t.Fatal(err)
	}
	if _, got, _ := s.InitialState(); len(got.GetVoters()) != 0 {
		t.Fatalf("SetConfState(nil): ConfState %v, want empty", got)
	}
	checkInvariants(t, s)
	checkAccounting(t, s)
}

func TestStorageAccounting(t *testing.T) {
	s := NewMemStorage()
	checkAccounting(t, s)
	if s.LogBytes() != 0 || s.BytesAfter(0) != 0 {
		t.Fatal("a new storage holds bytes")
	}
	payload := func(first uint64, sizes ...int) []*pb.Entry {
		out := ents(first, make([]uint64, len(sizes))...)
		for k, n := range sizes {
			out[k].Term = new(uint64(1))
			out[k].Data = make([]byte, n)
		}
		return out
	}
	steps := []struct {
		name string
		op   func() error
	}{
		{"append", func() error { return s.Append(payload(1, 10, 200, 3000, 0, 5)) }},
		{"append more", func() error { return s.Append(payload(6, 7, 7)) }},
		{"overwrite", func() error { return s.Append(payload(3, 1, 1)) }},
		{"compact", func() error { return s.Compact(2) }},
		{"snapshot", func() error {
			_, err := s.CreateSnapshot(3, &pb.ConfState{Voters: []uint64{1}}, make([]byte, 100))
			return err
		}},
		{"compact all", func() error { return s.Compact(4) }},
		{"append after", func() error { return s.Append(payload(5, 50, 60, 70)) }},
		{"apply snapshot", func() error {
			return s.ApplySnapshot(&pb.Snapshot{Data: make([]byte, 1000), Metadata: &pb.SnapshotMetadata{Index: new(uint64(20)), Term: new(uint64(3))}})
		}},
		{"append after apply", func() error { return s.Append(payload(21, 1, 2, 3)) }},
	}
	for _, st := range steps {
		if err := st.op(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		checkInvariants(t, s)
		checkAccounting(t, s)
	}
	e, _ := s.Entries(21, 24, math.MaxUint64)
	if got, want := s.LogBytes(), sizeOf(e); got != want {
		t.Fatalf("LogBytes() = %d, want %d", got, want)
	}
	if got, want := s.BytesAfter(22), sizeOf(e[2:]); got != want {
		t.Fatalf("BytesAfter(22) = %d, want %d", got, want)
	}
	st := s.Stats()
	if st.SnapshotIndex != 20 || st.SnapshotTerm != 3 || st.Entries != 3 || st.SnapshotBytes < 1000 {
		t.Fatalf("Stats() = %+v", st)
	}
}

// Concurrent writers and readers; run with -race.
func TestStorageConcurrentUse(t *testing.T) {
	s := NewMemStorage()
	var wg sync.WaitGroup
	const n = 200
	wg.Go(func() {
		for i := uint64(1); i <= n; i++ {
			if err := s.Append(ents(i, 1)); err != nil {
				t.Error(err)
				return
			}
			if i%50 == 0 {
				if _, err := s.CreateSnapshot(i-10, &pb.ConfState{Voters: []uint64{1}}, []byte("s")); err != nil {
					t.Error(err)
				}
				if err := s.Compact(i - 10); err != nil {
					t.Error(err)
				}
			}
			s.SetHardState(&pb.HardState{Term: new(uint64(1)), Commit: new(i)})
		}
	})
	for range 3 {
		wg.Go(func() {
			for range n {
				first, _ := s.FirstIndex()
				last, _ := s.LastIndex()
				if last >= first {
					got, err := s.Entries(first, last+1, 64)
					if err == nil && len(got) > 0 {
						got = append(got, nil)
						_ = got
					}
				}
				s.Term(last)
				s.InitialState()
				s.Snapshot()
				st := s.Stats()
				if st.Entries != int(st.LastIndex+1-st.FirstIndex) {
					t.Errorf("inconsistent Stats %+v", st)
				}
				s.BytesAfter(st.SnapshotIndex)
			}
		})
	}
	wg.Wait()
	checkInvariants(t, s)
	checkAccounting(t, s)
}
