package wire_test

import (
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// failingReader fails every read, as a log compacted under the reader.
type failingReader struct{}

func (failingReader) Entries(lo, hi, maxSize uint64) ([]*pb.Entry, error) {
	return nil, raft.ErrCompacted
}

func TestLogTail(t *testing.T) {
	st := storage.NewMemStorage()
	var ents []*pb.Entry
	for i := uint64(1); i <= 10; i++ {
		ents = append(ents, &pb.Entry{Index: &i, Term: new(uint64(1))})
	}
	if err := st.Append(ents); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		first, last core.LogIndex
		window      int
		wlo, whi    core.LogIndex // the entries shown; wlo > whi: none
		womitted    int
	}{
		{1, 10, 40, 1, 10, 0},
		{1, 10, 10, 1, 10, 0},
		{1, 10, 3, 8, 10, 7},
		{1, 10, 0, 1, 0, 10},
		{1, 0, 40, 1, 0, 0}, // an empty log
		{4, 10, 5, 6, 10, 2},
	} {
		log, omitted := wire.LogTail(st, c.first, c.last, c.window)
		if log == nil || omitted != c.womitted || len(log) != int(max(c.whi+1, c.wlo)-c.wlo) {
			t.Errorf("LogTail(%d, %d, %d) = %d entries, %d omitted; want %d to %d, %d omitted", c.first, c.last, c.window, len(log), omitted, c.wlo, c.whi, c.womitted)
			continue
		}
		for i, e := range log {
			if e.Index != c.wlo+core.LogIndex(i) {
				t.Errorf("LogTail(%d, %d, %d): entry %d has index %d; want %d", c.first, c.last, c.window, i, e.Index, c.wlo+core.LogIndex(i))
			}
		}
	}
	if log, omitted := wire.LogTail(failingReader{}, 1, 10, 3); log == nil || len(log) != 0 || omitted != 7 {
		t.Errorf("LogTail of a log compacted under it = %v, %d; want no entries, 7 omitted", log, omitted)
	}
}
