package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// FileName is the log's file name inside its directory.
const FileName = "raft.wal"

// MaxRecordBytes bounds one record (a snapshot is one record).
const MaxRecordBytes = 256 << 20

// Record types.
const (
	recHardState byte = 1
	recEntry     byte = 2
	recSnapshot  byte = 3
)

// ErrCorrupt is returned by Open for a damaged record before the end of the
// file.
var ErrCorrupt = errors.New("wal: corrupt log")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// State is what a log holds: the newest hard state and snapshot, and the
// entries after the snapshot, in index order with no gaps.
type State struct {
	HardState *pb.HardState
	Snapshot  *pb.Snapshot
	Entries   []*pb.Entry
}

// WAL is an open log. It is not safe for concurrent use: one node's loop
// owns it.
type WAL struct {
	dir  string
	f    *os.File
	w    *bufio.Writer
	size int64
	// sync flushes and syncs the file; tests replace it to count syncs.
	sync func() error
}

// Open opens (creating if needed) the log in dir and returns it with the
// state it holds.
func Open(dir string) (*WAL, State, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, State{}, fmt.Errorf("wal: %w", err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, State{}, fmt.Errorf("wal: %w", err)
	}
	st, good, err := replay(f)
	if err != nil {
		f.Close()
		return nil, State{}, err
	}
	// Drop a record the last process did not finish writing.
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, State{}, fmt.Errorf("wal: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, State{}, fmt.Errorf("wal: %w", err)
	}
	w := &WAL{dir: dir, f: f, w: bufio.NewWriterSize(f, 64<<10), size: good}
	w.sync = w.flushSync
	return w, st, nil
}

// replay reads every record and returns the state and the length of the
// file's good prefix.
func replay(f *os.File) (State, int64, error) {
	info, err := f.Stat()
	if err != nil {
		return State{}, 0, fmt.Errorf("wal: %w", err)
	}
	end := info.Size()
	r := bufio.NewReaderSize(f, 64<<10)
	var st State
	var off int64
	head := make([]byte, 9)
	for off < end {
		if end-off < int64(len(head)) {
			return st, off, nil // a header cut short: the last write
		}
		if _, err := io.ReadFull(r, head); err != nil {
			return State{}, 0, fmt.Errorf("wal: reading at %d: %w", off, err)
		}
		n := int64(binary.BigEndian.Uint32(head[0:4]))
		sum := binary.BigEndian.Uint32(head[4:8])
		typ := head[8]
		if n > MaxRecordBytes {
			if off+9+n > end {
				return st, off, nil // a length cut short or garbage at the tail
			}
			return State{}, 0, fmt.Errorf("%w: record at %d claims %d bytes", ErrCorrupt, off, n)
		}
		if off+9+n > end {
			return st, off, nil // a payload cut short: the last write
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return State{}, 0, fmt.Errorf("wal: reading at %d: %w", off, err)
		}
		c := crc32.Update(crc32.Checksum([]byte{typ}, castagnoli), castagnoli, body)
		if c != sum {
			if off+9+n == end {
				return st, off, nil // the last record, torn
			}
			return State{}, 0, fmt.Errorf("%w: checksum mismatch in the record at %d", ErrCorrupt, off)
		}
		if err := st.apply(typ, body); err != nil {
			return State{}, 0, fmt.Errorf("%w: record at %d: %v", ErrCorrupt, off, err)
		}
		off += 9 + n
	}
	return st, off, nil
}

// apply folds one record into the state.
func (st *State) apply(typ byte, body []byte) error {
	switch typ {
	case recHardState:
		hs := &pb.HardState{}
		if err := proto.Unmarshal(body, hs); err != nil {
			return err
		}
		st.HardState = hs
	case recSnapshot:
		s := &pb.Snapshot{}
		if err := proto.Unmarshal(body, s); err != nil {
			return err
		}
		st.Snapshot = s
		idx := s.GetMetadata().GetIndex()
		keep := st.Entries[:0]
		for _, e := range st.Entries {
			if e.GetIndex() > idx {
				keep = append(keep, e)
			}
		}
		st.Entries = keep
	case recEntry:
		e := &pb.Entry{}
		if err := proto.Unmarshal(body, e); err != nil {
			return err
		}
		st.appendEntry(e)
	default:
		return fmt.Errorf("unknown record type %d", typ)
	}
	return nil
}

// appendEntry adds e, replacing every entry from its index on.
func (st *State) appendEntry(e *pb.Entry) {
	i := e.GetIndex()
	if snap := st.Snapshot.GetMetadata().GetIndex(); i <= snap {
		return // covered by the snapshot
	}
	if n := len(st.Entries); n > 0 {
		first := st.Entries[0].GetIndex()
		switch {
		case i < first:
			st.Entries = st.Entries[:0]
		case i <= st.Entries[n-1].GetIndex():
			st.Entries = st.Entries[:i-first]
		case i > st.Entries[n-1].GetIndex()+1:
			// A gap: only possible after a snapshot that was not logged
			// here; keep the newest run.
			st.Entries = st.Entries[:0]
		}
	}
	st.Entries = append(st.Entries, e)
}

// Save appends a Ready round's durable state (any part may be nil or
// empty) and syncs the file: when it returns nil, the state survives a
// crash. Entries may overwrite earlier ones from their first index on.
func (w *WAL) Save(hs *pb.HardState, entries []*pb.Entry, snap *pb.Snapshot) error {
	if snap != nil && snap.GetMetadata().GetIndex() > 0 {
		if err := w.write(recSnapshot, snap); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if err := w.write(recEntry, e); err != nil {
			return err
		}
	}
	if hs != nil {
		if err := w.write(recHardState, hs); err != nil {
			return err
		}
	}
	return w.sync()
}

func (w *WAL) write(typ byte, m proto.Message) error {
	body, err := proto.Marshal(m)
	if err != nil {
		return fmt.Errorf("wal: encoding: %w", err)
	}
	if len(body) > MaxRecordBytes {
		return fmt.Errorf("wal: a record of %d bytes is over the %d byte limit", len(body), MaxRecordBytes)
	}
	var head [9]byte
	binary.BigEndian.PutUint32(head[0:4], uint32(len(body)))
	binary.BigEndian.PutUint32(head[4:8], crc32.Update(crc32.Checksum([]byte{typ}, castagnoli), castagnoli, body))
	head[8] = typ
	if _, err := w.w.Write(head[:]); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	if _, err := w.w.Write(body); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	w.size += int64(len(head) + len(body))
	return nil
}

func (w *WAL) flushSync() error {
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	return nil
}

// Size is the log file's length in bytes.
func (w *WAL) Size() int64 { return w.size }

// Compact rewrites the log as snap, hs and the entries after the snapshot,
// through a temporary file renamed over the old one: a crash leaves either
// the old log or the new one, whole.
func (w *WAL) Compact(hs *pb.HardState, snap *pb.Snapshot, entries []*pb.Entry) error {
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	tmpPath := filepath.Join(w.dir, FileName+".tmp")
	tmp, err := os.OpenFile(tmpPath, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	nw := &WAL{dir: w.dir, f: tmp, w: bufio.NewWriterSize(tmp, 64<<10)}
	nw.sync = nw.flushSync
	idx := snap.GetMetadata().GetIndex()
	var after []*pb.Entry
	for _, e := range entries {
		if e.GetIndex() > idx {
			after = append(after, e)
		}
	}
	if err := nw.Save(hs, after, snap); err != nil {
		tmp.Close()
		os.Remove(tmpPath)
		return err
	}
	if err := os.Rename(tmpPath, filepath.Join(w.dir, FileName)); err != nil {
		tmp.Close()
		os.Remove(tmpPath)
		return fmt.Errorf("wal: %w", err)
	}
	if d, err := os.Open(w.dir); err == nil {
		_ = d.Sync() // make the rename durable where the platform allows
		d.Close()
	}
	old := w.f
	w.f, w.w, w.size = tmp, nw.w, nw.size
	if _, err := w.f.Seek(0, io.SeekEnd); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	return old.Close()
}

// Close flushes and closes the log.
func (w *WAL) Close() error {
	err := w.w.Flush()
	return errors.Join(err, w.f.Close())
}
