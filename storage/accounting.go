package storage

import (
	"sort"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Stats is a consistent summary of a MemStorage, read under one lock, for
// status views.
type Stats struct {
	// FirstIndex and LastIndex are what FirstIndex() and LastIndex() return.
	FirstIndex, LastIndex uint64
	// SnapshotIndex and SnapshotTerm identify the current snapshot (0, 0 if none).
	SnapshotIndex, SnapshotTerm uint64
	// Entries is the number of entries held, LastIndex-FirstIndex+1.
	Entries int
	// LogBytes is what LogBytes() returns.
	LogBytes uint64
	// SnapshotBytes is the encoded size (proto.Size) of the current snapshot,
	// metadata included.
	SnapshotBytes int
}

// LogBytes returns the summed encoded size (proto.Size) of the entries held,
// FirstIndex() through LastIndex(); 0 if there are none. Sizes are those
// Entries counts against maxSize.
func (s *MemStorage) LogBytes() uint64 {
	s.mu.Lock() // not deferred: see Term
	n := s.logBytesLocked()
	s.mu.Unlock()
	return n
}

// BytesAfter returns the summed encoded size (proto.Size) of the entries held
// whose index is greater than i: all of them if i < FirstIndex(), none (0) if
// i >= LastIndex(). It runs in constant time. With i the index of the last
// snapshot it measures the log a restart would replay.
func (s *MemStorage) BytesAfter(i uint64) uint64 {
	s.mu.Lock() // not deferred: see Term
	var n uint64
	switch offset := s.offset(); {
	case i <= offset:
		n = s.logBytesLocked()
	case i >= s.lastIndex():
		n = 0
	default:
		n = s.cum[len(s.cum)-1] - s.cum[i-offset]
	}
	s.mu.Unlock()
	return n
}

// Stats returns a consistent summary of the storage.
func (s *MemStorage) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	md := s.snapshot.GetMetadata()
	return Stats{
		FirstIndex:    s.offset() + 1,
		LastIndex:     s.lastIndex(),
		SnapshotIndex: md.GetIndex(),
		SnapshotTerm:  md.GetTerm(),
		Entries:       len(s.ents) - 1,
		LogBytes:      s.logBytesLocked(),
		SnapshotBytes: s.snapBytes,
	}
}

func (s *MemStorage) logBytesLocked() uint64 { return s.cum[len(s.cum)-1] - s.cum[0] }

// appendSizesLocked extends cum with the sizes of entries, just appended to ents.
func (s *MemStorage) appendSizesLocked(entries []*pb.Entry) {
	total := s.cum[len(s.cum)-1]
	for _, e := range entries {
		total += uint64(proto.Size(e))
		s.cum = append(s.cum, total)
	}
}

// limitLocked returns how many entries of ents[a:b] (1 <= a <= b) Entries
// returns under maxSize: the longest prefix whose summed size is <= maxSize,
// but at least one entry when a < b. This is etcd's limitSize, in O(log n)
// with the cached sizes.
func (s *MemStorage) limitLocked(a, b, maxSize uint64) uint64 {
	n := int(b - a)
	if n <= 1 {
		return uint64(n)
	}
	base := s.cum[a-1]
	// The smallest j in [1, n) whose prefix of j+1 entries exceeds maxSize.
	j := 1 + sort.Search(n-1, func(k int) bool {
		return s.cum[a+uint64(k)+1]-base > maxSize
	})
	return uint64(j)
}
