package statemachine

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
)

func TestApply(t *testing.T) {
	tests := []struct {
		e        *pb.Entry
		wApplied bool
		wOp      *Operation
		wOutput  string
		wErr     error // in Result.Err
		wIndex   uint64
	}{
		{entry(1, pb.EntryNormal, nil), true, nil, "", nil, 1},                    // a leader's no-op
		{entry(2, pb.EntryConfChange, []byte{0x08, 0x00}), true, nil, "", nil, 2}, // data is Raft's, not ours
		{entry(3, pb.EntryConfChangeV2, nil), true, nil, "", nil, 3},
		{opEntry(4, Set("a", "1")), true, new(Set("a", "1")), "OK", nil, 4},
		{opEntry(5, withID(Set("a", "2"), 9)), true, new(withID(Set("a", "2"), 9)), "OK", nil, 5},
		{opEntry(6, Del("a")), true, new(Del("a")), "1", nil, 6},
		{opEntry(7, Del("a")), true, new(Del("a")), "0", nil, 7},
		{entry(8, pb.EntryNormal, []byte("junk")), true, nil, "", ErrUnknownVersion, 8},
		{entry(9, pb.EntryNormal, []byte{1, 1, 0, 0, 0}), true, nil, "", ErrBadEncoding, 9},
		{entry(10, pb.EntryType(42), nil), true, nil, "", ErrUnknownEntryType, 10},
		{opEntry(11, Set("b", "")), true, new(Set("b", "")), "OK", nil, 11},
		{opEntry(11, Set("c", "skipped")), false, nil, "", nil, 11},
		{opEntry(3, Set("c", "skipped")), false, nil, "", nil, 11},
		{nil, false, nil, "", nil, 11},
	}
	sm := New()
	for i, tt := range tests {
		res, applied, err := sm.Apply(tt.e)
		if err != nil {
			t.Fatalf("#%d: Apply error: %v", i, err)
		}
		if applied != tt.wApplied {
			t.Errorf("#%d: applied = %v, want %v", i, applied, tt.wApplied)
		}
		if res.Index != tt.e.GetIndex() {
			t.Errorf("#%d: Result.Index = %d, want %d", i, res.Index, tt.e.GetIndex())
		}
		switch {
		case (res.Op == nil) != (tt.wOp == nil):
			t.Errorf("#%d: Result.Op = %v, want %v", i, res.Op, tt.wOp)
		case res.Op != nil && *res.Op != *tt.wOp:
			t.Errorf("#%d: Result.Op = %+v, want %+v", i, *res.Op, *tt.wOp)
		}
		if res.Output != tt.wOutput {
			t.Errorf("#%d: Result.Output = %q, want %q", i, res.Output, tt.wOutput)
		}
		if (res.Err == nil) != (tt.wErr == nil) || (tt.wErr != nil && !errors.Is(res.Err, tt.wErr)) {
			t.Errorf("#%d: Result.Err = %v, want %v", i, res.Err, tt.wErr)
		}
		if g := sm.AppliedIndex(); g != tt.wIndex {
			t.Errorf("#%d: AppliedIndex = %d, want %d", i, g, tt.wIndex)
		}
	}
	if w := []KV{{"b", ""}}; !slices.Equal(sm.Pairs(), w) {
		t.Errorf("Pairs = %v, want %v", sm.Pairs(), w)
	}
}

func TestApplyResultErrNamesIndex(t *testing.T) {
	sm := New()
	res, _, _ := sm.Apply(entry(1, pb.EntryNormal, []byte{9}))
	if res.Err == nil || !strings.Contains(res.Err.Error(), "entry 1") {
		t.Errorf("Result.Err = %v, want it to name entry 1", res.Err)
	}
}

func TestApplyTwiceChangesNothing(t *testing.T) {
	ents := []*pb.Entry{
		entry(1, pb.EntryNormal, nil),
		opEntry(2, Set("a", "1")),
		opEntry(3, Set("b", "2")),
		opEntry(4, Del("a")),
		opEntry(5, Set("b", "3")),
	}
	sm := New()
	for _, e := range ents {
		if _, ok, err := sm.Apply(e); !ok || err != nil {
			t.Fatalf("first Apply(%d) = %v, %v", e.GetIndex(), ok, err)
		}
	}
	wSnap, wDigest := sm.Snapshot(), sm.Digest()
	for _, e := range ents {
		res, ok, err := sm.Apply(e)
		if ok || err != nil || res.Op != nil || res.Output != "" {
			t.Errorf("second Apply(%d) = %+v, %v, %v; want skipped", e.GetIndex(), res, ok, err)
		}
	}
	if g := sm.Snapshot(); !bytes.Equal(g, wSnap) {
		t.Errorf("snapshot after re-apply = %v, want %v", g, wSnap)
	}
	if g := sm.Digest(); g != wDigest {
		t.Errorf("digest after re-apply = %x, want %x", g, wDigest)
	}
}

func TestApplyOutOfOrder(t *testing.T) {
	sm := New()
	mustApply(t, sm, Set("a", "1"), Set("b", "2"))
	wSnap, wDigest := sm.Snapshot(), sm.Digest()
	tests := []struct {
		e    *pb.Entry
		wMsg string
	}{
		{opEntry(4, Set("a", "x")), "entry index 4, applied index 2"},
		{entry(100, pb.EntryNormal, nil), "entry index 100, applied index 2"},
		{entry(5, pb.EntryConfChange, nil), "entry index 5, applied index 2"},
	}
	for _, tt := range tests {
		res, ok, err := sm.Apply(tt.e)
		if !errors.Is(err, ErrOutOfOrder) {
			t.Errorf("Apply(%d) error = %v, want %v", tt.e.GetIndex(), err, ErrOutOfOrder)
		} else if !strings.Contains(err.Error(), tt.wMsg) {
			t.Errorf("Apply(%d) error = %q, want it to contain %q", tt.e.GetIndex(), err, tt.wMsg)
		}
		if ok || res.Op != nil {
			t.Errorf("Apply(%d) = %+v, %v; want nothing applied", tt.e.GetIndex(), res, ok)
		}
	}
	if g := sm.AppliedIndex(); g != 2 {
		t.Errorf("AppliedIndex = %d, want 2", g)
	}
	if !bytes.Equal(sm.Snapshot(), wSnap) || sm.Digest() != wDigest {
		t.Errorf("state changed by out-of-order entries")
	}
	// The next index is still accepted.
	if _, ok, err := sm.Apply(opEntry(3, Set("c", "3"))); !ok || err != nil {
		t.Errorf("Apply(3) = %v, %v; want applied", ok, err)
	}
}

func TestApplyResultOpIsACopy(t *testing.T) {
	sm := New()
	res, _, _ := sm.Apply(opEntry(1, Set("a", "1")))
	res.Op.Value = "changed"
	if v, _ := sm.Get("a"); v != "1" {
		t.Errorf("Get(a) = %q after changing Result.Op, want %q", v, "1")
	}
}

func TestApplyDoesNotRetainData(t *testing.T) {
	sm := New()
	e := opEntry(1, Set("key", "value"))
	sm.Apply(e)
	for i := range e.Data {
		e.Data[i] = 'z'
	}
	if v, ok := sm.Get("key"); !ok || v != "value" {
		t.Errorf("Get(key) = %q, %v after overwriting the entry's data, want %q", v, ok, "value")
	}
}

func TestReads(t *testing.T) {
	sm := New()
	if sm.Len() != 0 || len(sm.Keys()) != 0 || len(sm.Pairs()) != 0 || sm.AppliedIndex() != 0 {
		t.Fatalf("New() is not empty")
	}
	mustApply(t, sm, Set("b", "2"), Set("a", "1"), Set("c", "3"), Set("a", "one"), Del("c"), Set("", "ignored"))
	tests := []struct {
		key     string
		wValue  string
		wExists bool
	}{
		{"a", "one", true},
		{"b", "2", true},
		{"c", "", false},
		{"", "", false},
		{"zzz", "", false},
	}
	for _, tt := range tests {
		v, ok := sm.Get(tt.key)
		if v != tt.wValue || ok != tt.wExists {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tt.key, v, ok, tt.wValue, tt.wExists)
		}
		if g := sm.Exists(tt.key); g != tt.wExists {
			t.Errorf("Exists(%q) = %v, want %v", tt.key, g, tt.wExists)
		}
	}
	if g := sm.Len(); g != 2 {
		t.Errorf("Len = %d, want 2", g)
	}
	if g, w := sm.Keys(), []string{"a", "b"}; !slices.Equal(g, w) {
		t.Errorf("Keys = %v, want %v", g, w)
	}
	if g, w := sm.Pairs(), []KV{{"a", "one"}, {"b", "2"}}; !slices.Equal(g, w) {
		t.Errorf("Pairs = %v, want %v", g, w)
	}
	if g := sm.AppliedIndex(); g != 6 {
		t.Errorf("AppliedIndex = %d, want 6", g)
	}
}

func TestKeysSorted(t *testing.T) {
	sm := New()
	in := []string{"b", "a", "\xff", "ab", "A", "\x00", "ä", "aa"}
	for _, k := range in {
		mustApply(t, sm, Set(k, k))
	}
	w := slices.Clone(in)
	slices.Sort(w)
	if g := sm.Keys(); !slices.Equal(g, w) {
		t.Errorf("Keys = %q, want %q", g, w)
	}
}

func TestZeroValue(t *testing.T) {
	var sm StateMachine
	if sm.Len() != 0 || sm.Exists("a") || len(sm.Snapshot()) != 3 || sm.Digest() != New().Digest() {
		t.Fatalf("zero StateMachine is not empty")
	}
	mustApply(t, &sm, Del("a"), Set("a", "1"))
	if v, ok := sm.Get("a"); !ok || v != "1" {
		t.Errorf("Get(a) = %q, %v; want %q, true", v, ok, "1")
	}
}
