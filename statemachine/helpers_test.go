package statemachine

import (
	pb "go.etcd.io/raft/v3/raftpb"
)

// entry returns an entry of type t at index idx carrying data.
func entry(idx uint64, t pb.EntryType, data []byte) *pb.Entry {
	return &pb.Entry{Term: new(uint64(1)), Index: new(idx), Type: t.Enum(), Data: data}
}

// opEntry returns an EntryNormal at index idx carrying op.
func opEntry(idx uint64, op Operation) *pb.Entry { return entry(idx, pb.EntryNormal, op.Encode()) }

// withID returns op with its request ID set.
func withID(op Operation, id uint64) Operation {
	op.ID = id
	return op
}

// mustApply applies ops at consecutive indexes after sm's applied index.
func mustApply(t interface {
	Helper()
	Fatalf(string, ...any)
}, sm *StateMachine, ops ...Operation) {
	t.Helper()
	for _, op := range ops {
		idx := sm.AppliedIndex() + 1
		if _, ok, err := sm.Apply(opEntry(idx, op)); err != nil || !ok {
			t.Fatalf("Apply(%d, %v) = applied %v, err %v", idx, op, ok, err)
		}
	}
}

// recomputedSum is sm.sum computed from scratch.
func recomputedSum(sm *StateMachine) uint64 {
	var sum uint64
	for k, v := range sm.data {
		sum += pairHash(k, v)
	}
	return sum
}
