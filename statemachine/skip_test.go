package statemachine

import (
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
)

func TestSkipNextWrite(t *testing.T) {
	// The next write after SkipNextWrite, past an empty entry, answers as
	// if executed but changes nothing; the write after it runs.
	for _, tc := range []struct {
		name    string
		skipped Operation
		wout    string
	}{
		{"set", Set("k", "new"), "OK"},
		{"del of a present key", Del("k"), "1"},
		{"del of a missing key", Del("j"), "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sm, ref := New(), New()
			mustApply(t, sm, Set("k", "old"))
			mustApply(t, ref, Set("k", "old"))
			sm.SkipNextWrite()
			if _, _, err := sm.Apply(entry(2, pb.EntryNormal, nil)); err != nil {
				t.Fatal(err)
			}
			res, ok, err := sm.Apply(opEntry(3, tc.skipped))
			if err != nil || !ok || res.Output != tc.wout || res.Op == nil || sm.AppliedIndex() != 3 {
				t.Fatalf("Apply = %+v, applied %v, err %v; applied index %d; want output %q at 3", res, ok, err, sm.AppliedIndex(), tc.wout)
			}
			if v, found := sm.Get("k"); !found || v != "old" || recomputedSum(sm) != sm.sum {
				t.Fatalf("k = %q (found %v) after the skipped write; want old, sum kept", v, found)
			}
			if _, _, err := ref.Apply(entry(2, pb.EntryNormal, nil)); err != nil {
				t.Fatal(err)
			}
			mustApply(t, ref, tc.skipped)
			if tc.wout != "0" && sm.Digest() == ref.Digest() {
				t.Fatal("the digest does not show the skipped write")
			}
			mustApply(t, sm, Set("k", "later"))
			if v, _ := sm.Get("k"); v != "later" {
				t.Fatalf("k = %q after the write after the skipped one; want later", v)
			}
		})
	}
}
