package statemachine

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestSnapshotLayout(t *testing.T) {
	tests := []struct {
		name string
		ops  []Operation
		w    []byte
	}{
		{"empty", nil, []byte{1, 0, 0}},
		{"two pairs", []Operation{Set("b", "2"), Set("a", "")}, []byte{1, 2, 2, 1, 'a', 0, 1, 'b', 1, '2'}},
		{"deleted key", []Operation{Set("a", "1"), Del("a")}, []byte{1, 2, 0}},
	}
	for _, tt := range tests {
		sm := New()
		mustApply(t, sm, tt.ops...)
		g := sm.Snapshot()
		if !bytes.Equal(g, tt.w) {
			t.Errorf("%s: Snapshot = %v, want %v", tt.name, g, tt.w)
		}
		if len(g) != cap(g) {
			t.Errorf("%s: Snapshot len %d, cap %d: size estimate is off", tt.name, len(g), cap(g))
		}
	}
	sm := New()
	for i := range 200 {
		sm.Apply(entry(uint64(i+1), 0, nil))
	}
	if g, w := sm.Snapshot(), []byte{1, 0xc8, 0x01, 0}; !bytes.Equal(g, w) {
		t.Errorf("Snapshot at index 200 = %v, want %v", g, w)
	}
}

func TestSnapshotDeterminism(t *testing.T) {
	// Both reach {a:1, b:2, c:3} at applied index 6 by different routes.
	a, b := New(), New()
	mustApply(t, a, Set("a", "1"), Set("b", "2"), Set("c", "3"), Set("x", "gone"), Del("x"), Del("nothing"))
	mustApply(t, b, Set("c", "old"), Set("b", "2"), Set("x", "gone"), Set("c", "3"), Del("x"), Set("a", "1"))
	if ga, gb := a.Snapshot(), b.Snapshot(); !bytes.Equal(ga, gb) {
		t.Errorf("snapshots differ:\n%v\n%v", ga, gb)
	}
	if a.Digest() != b.Digest() {
		t.Errorf("digests differ: %x vs %x", a.Digest(), b.Digest())
	}

	// Many keys in shuffled orders.
	const n = 500
	rng := rand.New(rand.NewPCG(1, 2))
	var wSnap []byte
	var wDigest uint64
	for round := range 5 {
		sm := New()
		for _, i := range rng.Perm(n) {
			mustApply(t, sm, Set("key"+strconv.Itoa(i), strconv.Itoa(i*i)))
		}
		s, d := sm.Snapshot(), sm.Digest()
		if round == 0 {
			wSnap, wDigest = s, d
			continue
		}
		if !bytes.Equal(s, wSnap) || d != wDigest {
			t.Errorf("round %d: snapshot or digest differs from round 0", round)
		}
	}
}

func TestRestoreRoundTrip(t *testing.T) {
	src := New()
	mustApply(t, src, Set("a", "1"), Set("b", ""), Set("ключ", "значение"), Set("\x00bin", "\xff"), Del("a"))
	snap := src.Snapshot()

	dst := New()
	mustApply(t, dst, Set("old", "data"), Set("more", "data"), Set("z", "z"), Set("y", "y"), Set("x", "x"), Set("w", "w"), Set("v", "v"))
	if err := dst.Restore(snap); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if g, w := dst.AppliedIndex(), src.AppliedIndex(); g != w {
		t.Errorf("AppliedIndex = %d, want %d (restore moves the index, even backwards)", g, w)
	}
	if dst.Exists("old") {
		t.Errorf("old data survived Restore")
	}
	if g := dst.Snapshot(); !bytes.Equal(g, snap) {
		t.Errorf("re-snapshot = %v, want %v", g, snap)
	}
	if dst.Digest() != src.Digest() {
		t.Errorf("Digest = %x, want %x", dst.Digest(), src.Digest())
	}
	if dst.sum != recomputedSum(dst) {
		t.Errorf("running sum not rebuilt by Restore")
	}
	// The restored machine carries on from the snapshot's index.
	if _, ok, err := dst.Apply(opEntry(src.AppliedIndex()+1, Set("next", "1"))); !ok || err != nil {
		t.Errorf("Apply after Restore = %v, %v", ok, err)
	}
	// Restore does not alias its input.
	for i := range snap {
		snap[i] = 0
	}
	if v, _ := dst.Get("b"); v != "" || !dst.Exists("ключ") {
		t.Errorf("restored data changed with the snapshot bytes")
	}
}

func TestRestoreErrors(t *testing.T) {
	valid := []byte{1, 7, 2, 1, 'a', 1, '1', 1, 'b', 0}
	tests := []struct {
		name string
		in   []byte
		werr error
	}{
		{"nil", nil, ErrBadSnapshot},
		{"version 0", []byte{0, 0, 0}, ErrUnknownVersion},
		{"version 2", []byte{2, 7, 2, 1, 'a', 1, '1', 1, 'b', 0}, ErrUnknownVersion},
		{"no index", []byte{1}, ErrBadSnapshot},
		{"padded index", []byte{1, 0x87, 0x00, 0}, ErrBadSnapshot},
		{"index overflows", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0}, ErrBadSnapshot},
		{"no count", []byte{1, 7}, ErrBadSnapshot},
		{"padded count", []byte{1, 7, 0x80, 0x00}, ErrBadSnapshot},
		{"count beyond input", []byte{1, 7, 3, 1, 'a', 1, '1', 1, 'b', 0}, ErrBadSnapshot},
		{"huge count", []byte{1, 7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, ErrBadSnapshot},
		{"key beyond input", []byte{1, 7, 1, 9, 'a', 1, '1'}, ErrBadSnapshot},
		{"value beyond input", []byte{1, 7, 1, 1, 'a', 9, '1'}, ErrBadSnapshot},
		{"truncated last value", valid[:len(valid)-1], ErrBadSnapshot},
		{"trailing byte", append(bytes.Clone(valid), 0), ErrBadSnapshot},
		{"unsorted keys", []byte{1, 7, 2, 1, 'b', 1, '1', 1, 'a', 0}, ErrBadSnapshot},
		{"duplicate keys", []byte{1, 7, 2, 1, 'a', 1, '1', 1, 'a', 0}, ErrBadSnapshot},
		{"empty key", []byte{1, 7, 1, 0, 1, '1', 0}, ErrBadSnapshot},
		{"padded key length", []byte{1, 7, 1, 0x81, 0x00, 'a', 0}, ErrBadSnapshot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sm := New()
			mustApply(t, sm, Set("keep", "me"), Set("and", "me"))
			wSnap, wDigest := sm.Snapshot(), sm.Digest()
			err := sm.Restore(tt.in)
			if !errors.Is(err, tt.werr) {
				t.Fatalf("Restore(%v) error = %v, want %v", tt.in, err, tt.werr)
			}
			if g := sm.Snapshot(); !bytes.Equal(g, wSnap) || sm.Digest() != wDigest || sm.AppliedIndex() != 2 {
				t.Errorf("state changed by a failed Restore: %v, want %v", g, wSnap)
			}
			if _, err := SnapshotIndex(tt.in); !errors.Is(err, tt.werr) {
				t.Errorf("SnapshotIndex(%v) error = %v, want %v", tt.in, err, tt.werr)
			}
		})
	}
	// Every proper prefix of a valid snapshot is rejected.
	sm := New()
	mustApply(t, sm, Set("alpha", "1"), Set("beta", "two"), withID(Del("alpha"), 5))
	snap := sm.Snapshot()
	for n := range len(snap) {
		if err := New().Restore(snap[:n]); !errors.Is(err, ErrBadSnapshot) {
			t.Errorf("Restore(first %d of %d bytes) error = %v, want %v", n, len(snap), err, ErrBadSnapshot)
		}
	}
}

func TestSnapshotIndex(t *testing.T) {
	tests := []struct {
		in []byte
		w  uint64
	}{
		{[]byte{1, 0, 0}, 0},
		{[]byte{1, 7, 2, 1, 'a', 1, '1', 1, 'b', 0}, 7},
		{[]byte{1, 0xc8, 0x01, 0}, 200},
		{[]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0}, math.MaxUint64},
	}
	for _, tt := range tests {
		g, err := SnapshotIndex(tt.in)
		if err != nil || g != tt.w {
			t.Errorf("SnapshotIndex(%v) = %d, %v; want %d, nil", tt.in, g, err, tt.w)
		}
	}
	sm := New()
	mustApply(t, sm, Set("a", "1"), Set("b", "2"), Del("a"))
	if g, err := SnapshotIndex(sm.Snapshot()); err != nil || g != 3 {
		t.Errorf("SnapshotIndex(Snapshot()) = %d, %v; want 3, nil", g, err)
	}
}

func TestDigest(t *testing.T) {
	base := func() *StateMachine {
		sm := New()
		mustApply(t, sm, Set("a", "1"), Set("b", "2"))
		return sm
	}
	w := base().Digest()
	if g := base().Digest(); g != w {
		t.Fatalf("same state, different digests: %x vs %x", g, w)
	}
	tests := []struct {
		name   string
		change func(sm *StateMachine)
	}{
		{"value", func(sm *StateMachine) { sm.data["a"] = "2"; sm.sum = recomputedSum(sm) }},
		{"applied index", func(sm *StateMachine) { sm.Apply(entry(3, 0, nil)) }},
		{"extra key", func(sm *StateMachine) { sm.data["c"] = ""; sm.sum = recomputedSum(sm) }},
		{"missing key", func(sm *StateMachine) { delete(sm.data, "b"); sm.sum = recomputedSum(sm) }},
		{"key and value swapped boundary", func(sm *StateMachine) {
			delete(sm.data, "a")
			sm.data["a1"] = ""
			sm.sum = recomputedSum(sm)
		}},
	}
	for _, tt := range tests {
		sm := base()
		tt.change(sm)
		if g := sm.Digest(); g == w {
			t.Errorf("%s: changed state has the same digest %x", tt.name, g)
		}
	}
	if New().Digest() == base().Digest() {
		t.Errorf("empty and non-empty state machines share a digest")
	}
}

// TestDigestIncremental checks the running sum behind Digest against a
// recomputation after many random operations.
func TestDigestIncremental(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sm := New()
	for i := range 2000 {
		k := "k" + strconv.Itoa(rng.IntN(50))
		if rng.IntN(3) == 0 {
			mustApply(t, sm, Del(k))
		} else {
			mustApply(t, sm, Set(k, strconv.Itoa(rng.IntN(5))))
		}
		if sm.sum != recomputedSum(sm) {
			t.Fatalf("after op %d: running sum %x, recomputed %x", i, sm.sum, recomputedSum(sm))
		}
	}
	r := New()
	if err := r.Restore(sm.Snapshot()); err != nil {
		t.Fatal(err)
	}
	if r.Digest() != sm.Digest() {
		t.Errorf("restored digest %x, want %x", r.Digest(), sm.Digest())
	}
}

// TestDigestStable pins Digest's values, so that a change to the hash (which
// would make replicas built from different versions disagree, and golden
// traces change) is deliberate. The values must match natively and in wasm.
func TestDigestStable(t *testing.T) {
	sm := New()
	mustApply(t, sm, Set("a", "1"), Set("b", "2"))
	tests := []struct {
		name string
		sm   *StateMachine
		w    uint64
	}{
		{"empty", New(), 0x97cc6ae3e26eca8c},
		{"a=1 b=2 at 2", sm, 0x3db5fae2a94bb179},
	}
	for _, tt := range tests {
		if g := tt.sm.Digest(); g != tt.w {
			t.Errorf("%s: Digest = %#x, want %#x", tt.name, g, tt.w)
		}
	}
}
