package storage

import (
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// copyHardState copies the fields HardState has today; a new field in
// raftpb must be copied too.
func TestHardStateFields(t *testing.T) {
	if n := (&pb.HardState{}).ProtoReflect().Descriptor().Fields().Len(); n != 3 {
		t.Fatalf("HardState has %d fields; copyHardState copies term, vote and commit", n)
	}
}

// SetHardState saves what proto.Clone would: the fields set where they
// are set, unknown fields kept, and a copy not shared with the caller.
func TestSetHardStateCopiesLikeClone(t *testing.T) {
	withUnknown := &pb.HardState{Term: new(uint64(7))}
	withUnknown.ProtoReflect().SetUnknown([]byte{0x78, 0x01}) // field 15, varint 1
	for _, st := range []*pb.HardState{
		nil,
		{},
		{Term: new(uint64(3)), Vote: new(uint64(2)), Commit: new(uint64(9))},
		{Term: new(uint64(0)), Commit: new(uint64(4))},
		{Vote: new(uint64(1))},
		withUnknown,
	} {
		s := NewMemStorage()
		if err := s.SetHardState(st); err != nil {
			t.Fatal(err)
		}
		want := &pb.HardState{}
		if st != nil {
			want = proto.Clone(st).(*pb.HardState)
		}
		if !proto.Equal(s.hardState, want) {
			t.Errorf("SetHardState(%v) saved %v, want %v", st, s.hardState, want)
		}
		if st != nil && st.Term != nil {
			*st.Term++ // the caller's change must not reach storage
			if s.hardState.GetTerm() == st.GetTerm() {
				t.Errorf("SetHardState(%v) shares the term with the caller", st)
			}
		}
	}
	if st := withUnknown; string(st.ProtoReflect().GetUnknown()) != "\x78\x01" {
		t.Fatalf("unknown fields of the input changed: %q", st.ProtoReflect().GetUnknown())
	}
}
