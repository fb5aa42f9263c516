package storage

import (
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// discardLogger silences etcd raft: MemoryStorage logs before it panics (the
// differential tests provoke that on purpose) and RawNode logs every step.
var discardLogger = &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}

func TestMain(m *testing.M) {
	raft.SetLogger(discardLogger)
	os.Exit(m.Run())
}

// ents returns entries with consecutive indexes from first, one per term.
func ents(first uint64, terms ...uint64) []*pb.Entry {
	out := make([]*pb.Entry, len(terms))
	for k, term := range terms {
		out[k] = &pb.Entry{Index: new(first + uint64(k)), Term: new(term)}
	}
	return out
}

// newTestStorage returns a storage whose dummy entry is at index dummy with
// term dummyTerm, followed by entries dummy+1, dummy+2, ... with the given
// terms, and whose snapshot is still the empty one at index 0: the shape
// etcd's tests build with &MemoryStorage{ents: ...}.
func newTestStorage(t testing.TB, dummy, dummyTerm uint64, terms ...uint64) *MemStorage {
	t.Helper()
	s := NewMemStorage()
	if dummy > 0 {
		prefix := make([]uint64, dummy)
		for k := range prefix {
			prefix[k] = dummyTerm
		}
		if err := s.Append(ents(1, prefix...)); err != nil {
			t.Fatal(err)
		}
		if err := s.Compact(dummy); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Append(ents(dummy+1, terms...)); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, s)
	return s
}

// describe renders entries as "index/term" pairs, for failure messages.
func describe(es []*pb.Entry) string {
	if es == nil {
		return "nil"
	}
	parts := make([]string, len(es))
	for k, e := range es {
		parts[k] = fmt.Sprintf("%d/%d", e.GetIndex(), e.GetTerm())
		if len(e.GetData()) > 0 {
			parts[k] += fmt.Sprintf("+%dB", len(e.GetData()))
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func equalEntries(a, b []*pb.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !proto.Equal(a[k], b[k]) {
			return false
		}
	}
	return true
}

func requireEntries(t testing.TB, want, got []*pb.Entry) {
	t.Helper()
	if !equalEntries(want, got) {
		t.Fatalf("entries = %s, want %s", describe(got), describe(want))
	}
}

func sizeOf(es []*pb.Entry) uint64 {
	var n uint64
	for _, e := range es {
		n += uint64(proto.Size(e))
	}
	return n
}

// checkInvariants verifies the internal representation of s.
func checkInvariants(t testing.TB, s *MemStorage) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hardState == nil || s.snapshot.GetMetadata().GetConfState() == nil {
		t.Fatalf("nil hard state or snapshot parts: %v %v", s.hardState, s.snapshot)
	}
	if len(s.ents) == 0 || len(s.cum) != len(s.ents) {
		t.Fatalf("len(ents) = %d, len(cum) = %d", len(s.ents), len(s.cum))
	}
	for k := 1; k < len(s.ents); k++ {
		if got, want := s.ents[k].GetIndex(), s.ents[0].GetIndex()+uint64(k); got != want {
			t.Fatalf("ents[%d] has index %d, want %d", k, got, want)
		}
		if got, want := s.cum[k]-s.cum[k-1], uint64(proto.Size(s.ents[k])); got != want {
			t.Fatalf("cached size of ents[%d] = %d, want %d", k, got, want)
		}
	}
	if got, want := s.snapBytes, proto.Size(s.snapshot); got != want {
		t.Fatalf("snapBytes = %d, want %d", got, want)
	}
}

// view is everything a raft.Storage shows through its read methods.
type view struct {
	first, last uint64
	terms       []uint64 // Term(first-1) .. Term(last)
	ents        []*pb.Entry
	entsErr     error
	snap        *pb.Snapshot
	hs          *pb.HardState
	cs          *pb.ConfState
}

func observe(s raft.Storage) view {
	var v view
	v.first, _ = s.FirstIndex()
	v.last, _ = s.LastIndex()
	for i := v.first - 1; i <= v.last; i++ {
		term, err := s.Term(i)
		if err != nil {
			term = 1<<64 - 1
		}
		v.terms = append(v.terms, term)
	}
	v.ents, v.entsErr = s.Entries(v.first, v.last+1, 1<<64-1)
	v.snap, _ = s.Snapshot()
	v.hs, v.cs, _ = s.InitialState()
	if v.hs == nil {
		v.hs = new(pb.HardState)
	}
	return v
}

// diff returns "" if a and b are equal, or what differs.
func (a view) diff(b view) string {
	switch {
	case a.first != b.first || a.last != b.last:
		return fmt.Sprintf("first/last %d/%d vs %d/%d", a.first, a.last, b.first, b.last)
	case fmt.Sprint(a.terms) != fmt.Sprint(b.terms):
		return fmt.Sprintf("terms %v vs %v", a.terms, b.terms)
	case !equalEntries(a.ents, b.ents) || a.entsErr != b.entsErr:
		return fmt.Sprintf("entries %s (%v) vs %s (%v)", describe(a.ents), a.entsErr, describe(b.ents), b.entsErr)
	case !proto.Equal(a.snap, b.snap):
		return fmt.Sprintf("snapshot %v vs %v", a.snap, b.snap)
	case !proto.Equal(a.hs, b.hs):
		return fmt.Sprintf("hard state %v vs %v", a.hs, b.hs)
	case !proto.Equal(a.cs, b.cs):
		return fmt.Sprintf("conf state %v vs %v", a.cs, b.cs)
	}
	return ""
}

// checkAccounting compares LogBytes, BytesAfter and Stats with sizes computed
// from what Entries and Snapshot return.
func checkAccounting(t testing.TB, s *MemStorage) {
	t.Helper()
	v := observe(s)
	held := v.ents
	if v.entsErr != nil {
		held = nil
	}
	if got, want := s.LogBytes(), sizeOf(held); got != want {
		t.Fatalf("LogBytes() = %d, want %d", got, want)
	}
	lo := v.first - 1
	if lo > 0 {
		lo-- // also one index below the dummy entry
	}
	// after[k] is the size of held[k:].
	after := make([]uint64, len(held)+1)
	for k := len(held) - 1; k >= 0; k-- {
		after[k] = after[k+1] + uint64(proto.Size(held[k]))
	}
	for i := lo; i <= v.last+1; i++ {
		k := 0 // held[k] is the first entry with index > i
		if i >= v.first {
			k = min(int(i-v.first+1), len(held))
		}
		if got, want := s.BytesAfter(i), after[k]; got != want {
			t.Fatalf("BytesAfter(%d) = %d, want %d", i, got, want)
		}
	}
	want := Stats{
		FirstIndex:    v.first,
		LastIndex:     v.last,
		SnapshotIndex: v.snap.GetMetadata().GetIndex(),
		SnapshotTerm:  v.snap.GetMetadata().GetTerm(),
		Entries:       len(held),
		LogBytes:      sizeOf(held),
		SnapshotBytes: proto.Size(v.snap),
	}
	if got := s.Stats(); got != want {
		t.Fatalf("Stats() = %+v, want %+v", got, want)
	}
}
