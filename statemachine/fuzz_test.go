package statemachine

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, op := range []Operation{
		Set("foo", "bar"), Set("k", ""), Del("k"), withID(Set("ключ", "\x00\xff"), 1<<40), withID(Del("x"), 300),
	} {
		f.Add(op.Encode())
	}
	for _, b := range [][]byte{
		nil, {1}, {2, 1, 0, 1, 'k'}, {1, 3, 0, 1, 'k'}, {1, 1, 0x80, 0x00, 1, 'k', 0}, {1, 2, 0, 0}, {1, 2, 0, 1, 'k', 0},
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		op, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrBadEncoding) && !errors.Is(err, ErrUnknownVersion) {
				t.Fatalf("Decode(%v) error %v wraps neither ErrBadEncoding nor ErrUnknownVersion", b, err)
			}
			if g := FormatEntryData(b); len(b) > 0 && g[0] != '<' {
				t.Fatalf("FormatEntryData(%v) = %q for undecodable data", b, g)
			}
			return
		}
		if e := op.Encode(); !bytes.Equal(e, b) {
			t.Fatalf("Decode(%v) = %+v, which encodes to %v", b, op, e)
		}
		if g, w := FormatEntryData(b), op.String(); g != w {
			t.Fatalf("FormatEntryData(%v) = %q, want %q", b, g, w)
		}
		sm := New()
		res, ok, err := sm.Apply(entry(1, 0, b))
		if !ok || err != nil || res.Err != nil || res.Op == nil || *res.Op != op {
			t.Fatalf("Apply(%v) = %+v, %v, %v", b, res, ok, err)
		}
	})
}

func FuzzRestore(f *testing.F) {
	seed := New()
	f.Add(seed.Snapshot())
	mustApply(f, seed, Set("a", "1"), Set("b", ""), withID(Set("ключ", "\x00\xff"), 9), Del("a"))
	f.Add(seed.Snapshot())
	for _, b := range [][]byte{
		nil, {1}, {2, 0, 0}, {1, 7, 2, 1, 'b', 1, '1', 1, 'a', 0}, {1, 7, 2, 1, 'a', 0, 1, 'a', 0}, {1, 0x80, 0x00, 0},
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sm := New()
		mustApply(t, sm, Set("pre", "existing"))
		before, beforeDigest := sm.Snapshot(), sm.Digest()

		idx, idxErr := SnapshotIndex(b)
		err := sm.Restore(b)
		if (err == nil) != (idxErr == nil) {
			t.Fatalf("Restore(%v) error %v but SnapshotIndex error %v", b, err, idxErr)
		}
		if err != nil {
			if !errors.Is(err, ErrBadSnapshot) && !errors.Is(err, ErrUnknownVersion) {
				t.Fatalf("Restore(%v) error %v wraps neither ErrBadSnapshot nor ErrUnknownVersion", b, err)
			}
			if g := sm.Snapshot(); !bytes.Equal(g, before) || sm.Digest() != beforeDigest {
				t.Fatalf("failed Restore(%v) changed the state to %v", b, g)
			}
			return
		}
		if g := sm.Snapshot(); !bytes.Equal(g, b) {
			t.Fatalf("Restore(%v) re-snapshots to %v", b, g)
		}
		if idx != sm.AppliedIndex() {
			t.Fatalf("SnapshotIndex = %d, AppliedIndex after Restore = %d", idx, sm.AppliedIndex())
		}
		if sm.sum != recomputedSum(sm) {
			t.Fatalf("Restore(%v) left a stale running sum", b)
		}
	})
}
