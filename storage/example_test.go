package storage_test

import (
	"fmt"
	"math"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/storage"
)

func Example() {
	s := storage.NewMemStorage()

	// Bootstrap a three-node cluster: a ConfState-only snapshot at index 0.
	s.SetConfState(&pb.ConfState{Voters: []uint64{1, 2, 3}})

	// Append entries 1..5 in term 1, as a Ready loop would.
	var batch []*pb.Entry
	for i := uint64(1); i <= 5; i++ {
		batch = append(batch, &pb.Entry{Index: new(i), Term: new(uint64(1)), Data: []byte("put")})
	}
	if err := s.Append(batch); err != nil {
		fmt.Println(err)
	}
	es, _ := s.Entries(2, 4, math.MaxUint64) // the half-open range [2, 4)
	fmt.Println("entries [2, 4):", len(es), "first", es[0].GetIndex())

	// Snapshot the state machine as of index 3, then drop the entries before it.
	if _, err := s.CreateSnapshot(3, nil, []byte("state at 3")); err != nil {
		fmt.Println(err)
	}
	if err := s.Compact(3); err != nil {
		fmt.Println(err)
	}
	first, _ := s.FirstIndex()
	last, _ := s.LastIndex()
	term, _ := s.Term(3) // the compaction point keeps its term
	fmt.Printf("log [%d, %d], term(3) = %d\n", first, last, term)

	_, err := s.Entries(2, 4, math.MaxUint64)
	fmt.Println("entries [2, 4):", err)

	st := s.Stats()
	fmt.Printf("snapshot at %d, %d entries of %d bytes\n", st.SnapshotIndex, st.Entries, st.LogBytes)
	// Output:
	// entries [2, 4): 2 first 2
	// log [4, 5], term(3) = 1
	// entries [2, 4): requested index is unavailable due to compaction
	// snapshot at 3, 2 entries of 18 bytes
}
