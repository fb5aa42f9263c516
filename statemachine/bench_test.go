package statemachine

import (
	"strconv"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
)

const benchKeys = 10_000

// benchEntries returns n Set entries at indexes 1..n, each a distinct key.
func benchEntries(n int) []*pb.Entry {
	ents := make([]*pb.Entry, n)
	for i := range ents {
		op := Set("key-"+strconv.Itoa(i), "value-"+strconv.Itoa(i*7919))
		ents[i] = opEntry(uint64(i+1), op)
	}
	return ents
}

// benchMachine returns a state machine holding benchKeys keys.
func benchMachine(b *testing.B) *StateMachine {
	sm := New()
	for _, e := range benchEntries(benchKeys) {
		if _, _, err := sm.Apply(e); err != nil {
			b.Fatal(err)
		}
	}
	return sm
}

// BenchmarkApply applies 10k Set entries to a fresh state machine per
// iteration.
func BenchmarkApply(b *testing.B) {
	ents := benchEntries(benchKeys)
	b.ReportAllocs()
	for b.Loop() {
		sm := New()
		for _, e := range ents {
			if _, _, err := sm.Apply(e); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchKeys), "ns/entry")
}

// BenchmarkSnapshot encodes a state machine of 10k keys.
func BenchmarkSnapshot(b *testing.B) {
	sm := benchMachine(b)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(sm.Snapshot())
	}
	b.SetBytes(int64(n))
}

// BenchmarkRestore decodes a snapshot of 10k keys.
func BenchmarkRestore(b *testing.B) {
	snap := benchMachine(b).Snapshot()
	b.SetBytes(int64(len(snap)))
	b.ReportAllocs()
	for b.Loop() {
		if err := New().Restore(snap); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDigest hashes a state machine of 10k keys.
func BenchmarkDigest(b *testing.B) {
	sm := benchMachine(b)
	for b.Loop() {
		sm.Digest()
	}
}
