package storage

import (
	"math"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
)

func benchEntries(first uint64, n int, size int) []*pb.Entry {
	out := make([]*pb.Entry, n)
	for k := range out {
		out[k] = &pb.Entry{Index: new(first + uint64(k)), Term: new(uint64(1)), Data: make([]byte, size)}
	}
	return out
}

// BenchmarkAppend appends batches of 8 entries of 128 bytes to a log that
// grows to 64Ki entries, then starts over.
func BenchmarkAppend(b *testing.B) {
	const batch, total = 8, 1 << 16
	all := benchEntries(1, total, 128)
	s := NewMemStorage()
	next := 0
	b.ReportAllocs()
	for b.Loop() {
		if next == total {
			b.StopTimer()
			s, next = NewMemStorage(), 0
			b.StartTimer()
		}
		if err := s.Append(all[next : next+batch]); err != nil {
			b.Fatal(err)
		}
		next += batch
	}
}

// BenchmarkEntries reads 64 entries under a size limit that allows 48.
func BenchmarkEntries(b *testing.B) {
	s := NewMemStorage()
	if err := s.Append(benchEntries(1, 10000, 128)); err != nil {
		b.Fatal(err)
	}
	es, _ := s.Entries(5000, 5048, math.MaxUint64)
	limit := sizeOf(es)
	b.ReportAllocs()
	for b.Loop() {
		es, err := s.Entries(5000, 5064, limit)
		if err != nil || len(es) != 48 {
			b.Fatal(len(es), err)
		}
	}
}

// BenchmarkEntriesUnlimited reads 64 entries with no size limit.
func BenchmarkEntriesUnlimited(b *testing.B) {
	s := NewMemStorage()
	if err := s.Append(benchEntries(1, 10000, 128)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Entries(5000, 5064, math.MaxUint64); err != nil {
			b.Fatal(err)
		}
	}
}
