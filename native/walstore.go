package native

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.etcd.io/etcd/client/pkg/v3/fileutil"
	"go.etcd.io/etcd/server/v3/etcdserver/api/snap"
	"go.etcd.io/etcd/server/v3/storage/wal"
	"go.etcd.io/etcd/server/v3/storage/wal/walpb"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// A durable node keeps its state the way etcd's raftexample does, with
// etcd's own write-ahead log and snapshotter (go.etcd.io/etcd/server/v3
// storage/wal and etcdserver/api/snap), in its directory dataDir/n<id>/:
//
//	wal/    etcd's log segments (<seq>-<index>.wal, each preallocated to
//	        wal.SegmentSizeBytes): CRC-chained records of hard states,
//	        entries and snapshot markers
//	snap/   etcd's snapshot files (<term>-<index>.snap, checksummed)
//	SEGMENTS  how many segments the log has had (synced as it grows):
//	          a later segment lost with everything after it is noticed
//	CLOSED  written when the log was last closed cleanly: every file's
//	        size, where its records end and a SHA-256 of them
//
// etcd's log alone repairs what it takes for a torn final write by cutting
// the log there, and a single flipped bit (in a record's length field, or
// in its type, which its checksum does not cover) can look just like one,
// losing every later record without a word. So before etcd opens a log,
// checkLog walks every record itself and refuses, naming the file and
// offset, whatever is not a clean torn tail; and a log closed cleanly must
// still match its CLOSED digest.

// segmentBytes is the size etcd's log preallocates each segment to (its
// default is 64 MB; a dev cluster's logs are small), set into
// wal.SegmentSizeBytes, a global of etcd's. Every segment is at least this
// long: a shorter one was cut short. Tests that lower both
// (setSegmentBytes) must not run in parallel.
var segmentBytes int64 = 4 << 20

func init() { wal.SegmentSizeBytes = segmentBytes }

// Names in a node's directory and the data directory.
const (
	walDirName  = "wal"
	snapDirName = "snap"
	closedFile  = "CLOSED"
	countFile   = "SEGMENTS"
	// lockFile, in the data directory, is locked by the one server using it.
	lockFile = "LOCK"
)

// ErrLogDamaged is wrapped by the error of a node whose log on disk is
// damaged: it is refused rather than started with part of its state.
var ErrLogDamaged = errors.New("native: the node's log is damaged")

// crcTable is etcd's: CRC-32C.
var crcTable = crc32.MakeTable(crc32.Castagnoli)

// etcd's record types (storage/wal).
const (
	metadataType int64 = iota + 1
	entryType
	stateType
	crcType
	snapshotType
)

// frameBytes is the length field in front of each record.
const frameBytes = 8

var nop = zap.NewNop()

// nodeLog is a durable node's open log: etcd's WAL and snapshotter.
type nodeLog struct {
	dir      string // the node's directory
	w        *wal.WAL
	snapper  *snap.Snapshotter
	segments int  // as recorded in SEGMENTS
	failed   bool // a write failed: Close writes no CLOSED digest
}

// logState is what a node's log holds.
type logState struct {
	snap *pb.Snapshot // nil: none
	hs   *pb.HardState
	ents []*pb.Entry
}

// logExists reports whether dir holds a node log.
func logExists(dir string) bool { return wal.Exist(filepath.Join(dir, walDirName)) }

// createNodeLog creates an empty log in dir.
func createNodeLog(dir string) (*nodeLog, error) {
	if err := os.MkdirAll(filepath.Join(dir, snapDirName), 0o755); err != nil {
		return nil, err
	}
	_ = os.Remove(filepath.Join(dir, closedFile))
	w, err := wal.Create(nop, filepath.Join(dir, walDirName), nil)
	if err != nil {
		return nil, fmt.Errorf("creating its log in %s: %w", dir, err)
	}
	l := &nodeLog{dir: dir, w: w, snapper: snap.New(nop, filepath.Join(dir, snapDirName))}
	if err := l.countSegments(); err != nil {
		w.Close()
		return nil, err
	}
	return l, nil
}

// countSegments records in SEGMENTS how many segments the log has, if
// that grew.
func (l *nodeLog) countSegments() error {
	ents, err := os.ReadDir(filepath.Join(l.dir, walDirName))
	if err != nil {
		return err
	}
	n := 0
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".wal") {
			n++
		}
	}
	if n <= l.segments {
		return nil
	}
	if err := writeSynced(l.dir, countFile, fmt.Appendf(nil, "segments %d\n", n)); err != nil {
		return err
	}
	l.segments = n
	return nil
}

// openNodeLog checks the log in dir (checkLog, and its CLOSED digest if it
// was closed cleanly), drops a torn final write and opens it for appending.
func openNodeLog(dir string) (*nodeLog, logState, error) {
	walDir, snapDir := filepath.Join(dir, walDirName), filepath.Join(dir, snapDirName)
	chk, err := checkLog(dir)
	if err != nil {
		return nil, logState{}, err
	}
	var st logState
	if chk.snap.GetIndex() > 0 {
		p := filepath.Join(snapDir, fmt.Sprintf("%016x-%016x.snap", chk.snap.GetTerm(), chk.snap.GetIndex()))
		s, err := snap.Read(nop, p)
		if err != nil {
			return nil, logState{}, fmt.Errorf("%w: %s, the snapshot the log names (term %d, index %d): %w",
				ErrLogDamaged, p, chk.snap.GetTerm(), chk.snap.GetIndex(), err)
		}
		if s.GetMetadata().GetIndex() != chk.snap.GetIndex() || s.GetMetadata().GetTerm() != chk.snap.GetTerm() {
			return nil, logState{}, fmt.Errorf("%w: %s holds the snapshot at term %d, index %d, not the one its name says",
				ErrLogDamaged, p, s.GetMetadata().GetTerm(), s.GetMetadata().GetIndex())
		}
		st.snap = s
	}
	// From here on the files change: the digest no longer holds.
	if err := removeSynced(dir, closedFile); err != nil {
		return nil, logState{}, err
	}
	if chk.tornAt >= 0 {
		if err := zeroFrom(chk.tornFile, chk.tornAt); err != nil {
			return nil, logState{}, fmt.Errorf("dropping the torn final write at %s offset %d: %w", chk.tornFile, chk.tornAt, err)
		}
	}
	w, err := wal.Open(nop, walDir, chk.snap)
	if err != nil {
		return nil, logState{}, fmt.Errorf("%w: %s: %w", ErrLogDamaged, walDir, err)
	}
	_, hs, ents, err := w.ReadAll()
	if err != nil {
		w.Close()
		return nil, logState{}, fmt.Errorf("%w: %s: %w", ErrLogDamaged, walDir, err)
	}
	st.hs, st.ents = hs, ents
	return &nodeLog{dir: dir, w: w, snapper: snap.New(nop, snapDir), segments: len(chk.files)}, st, nil
}

// Save appends a round's hard state and entries and syncs.
func (l *nodeLog) Save(hs *pb.HardState, ents []*pb.Entry) error {
	err := l.w.Save(hs, ents)
	if err == nil {
		// etcd starts a new segment within Save when one fills up.
		err = l.countSegments()
	}
	l.failed = l.failed || err != nil
	return err
}

// SaveSnapshot saves s as raftexample does: the snapshot file first, then
// its marker in the log, then releases the log segments before it.
func (l *nodeLog) SaveSnapshot(s *pb.Snapshot) error {
	md := s.GetMetadata()
	err := l.snapper.SaveSnap(s)
	if err == nil {
		cs := md.GetConfState()
		if cs == nil {
			cs = &pb.ConfState{}
		}
		err = l.w.SaveSnapshot(&walpb.Snapshot{Index: new(md.GetIndex()), Term: new(md.GetTerm()), ConfState: cs})
	}
	if err == nil {
		err = l.w.ReleaseLockTo(md.GetIndex())
	}
	if err == nil {
		l.removeOldSnapshots(md.GetTerm(), md.GetIndex())
	}
	l.failed = l.failed || err != nil
	return err
}

// removeOldSnapshots removes the snapshot files older than the one at
// term, index, which the log now names.
func (l *nodeLog) removeOldSnapshots(term, index uint64) {
	keep := fmt.Sprintf("%016x-%016x.snap", term, index)
	ents, _ := os.ReadDir(filepath.Join(l.dir, snapDirName))
	for _, e := range ents {
		if n := e.Name(); strings.HasSuffix(n, ".snap") && n != keep {
			_ = os.Remove(filepath.Join(l.dir, snapDirName, n))
		}
	}
}

// Close closes the log and, if every write succeeded, records its CLOSED
// digest.
func (l *nodeLog) Close() error {
	err := l.w.Close()
	if err != nil || l.failed {
		return err
	}
	return writeClosed(l.dir)
}

// logCheck is what checkLog found.
type logCheck struct {
	snap     *walpb.Snapshot // the newest snapshot marker (index 0: none)
	tornFile string          // the last segment, if it ends in a torn write
	tornAt   int64           // where the torn write starts, or -1
	files    []fileDigest    // for CLOSED
}

// fileDigest is one line of CLOSED: a segment's name, size, where its
// records end and a SHA-256 of the bytes before that.
type fileDigest struct {
	name      string
	size, end int64
	sum       string
}

func (d fileDigest) String() string {
	return fmt.Sprintf("%s %d %d %s", d.name, d.size, d.end, d.sum)
}

// segment is a log segment file read whole.
type segment struct {
	path string
	seq  uint64
	data []byte
}

// logFiles is what a node's wal directory holds: its segments (etcd's
// preallocated next segments, <n>.tmp, hold no record).
type logFiles struct {
	segs []segment
}

// readSegments reads the log segments in walDir, in order.
func readSegments(walDir string) (logFiles, error) {
	ents, err := os.ReadDir(walDir)
	if err != nil {
		return logFiles{}, fmt.Errorf("%w: %w", ErrLogDamaged, err)
	}
	var segs []segment
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".wal") {
			continue
		}
		var seq, index uint64
		if _, err := fmt.Sscanf(name, "%016x-%016x.wal", &seq, &index); err != nil || name != fmt.Sprintf("%016x-%016x.wal", seq, index) {
			return logFiles{}, fmt.Errorf("%w: %s is not a log segment's name", ErrLogDamaged, filepath.Join(walDir, name))
		}
		b, err := os.ReadFile(filepath.Join(walDir, name))
		if err != nil {
			return logFiles{}, fmt.Errorf("%w: %w", ErrLogDamaged, err)
		}
		segs = append(segs, segment{path: filepath.Join(walDir, name), seq: seq, data: b})
	}
	if len(segs) == 0 {
		return logFiles{}, fmt.Errorf("%w: %s holds no log segment", ErrLogDamaged, walDir)
	}
	for i, s := range segs {
		if s.seq != uint64(i) {
			return logFiles{}, fmt.Errorf("%w: %s: segment %016x-*.wal is missing before %s; %s", ErrLogDamaged, walDir, i, filepath.Base(s.path), recoverHint)
		}
	}
	return logFiles{segs: segs}, nil
}

// checkLog checks the log in dir before etcd opens it: every record (see
// checkSegments) and, if the log was closed cleanly, its CLOSED digest.
func checkLog(dir string) (logCheck, error) {
	files, err := readSegments(filepath.Join(dir, walDirName))
	if err != nil {
		return logCheck{}, err
	}
	chk, err := checkSegments(files, segmentBytes)
	if err != nil {
		return logCheck{}, err
	}
	last := files.segs[len(files.segs)-1]
	if b, err := os.ReadFile(filepath.Join(dir, countFile)); err == nil {
		var had int
		if _, err := fmt.Sscanf(string(b), "segments %d\n", &had); err != nil {
			return logCheck{}, fmt.Errorf("%w: %s: %q is not \"segments N\"", ErrLogDamaged, filepath.Join(dir, countFile), b)
		}
		if had > len(files.segs) {
			return logCheck{}, damaged(last.path, int64(len(last.data)), "the log has had %d segments (%s) but this, segment %d, is the last: the later ones are missing",
				had, countFile, len(files.segs))
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, closedFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return chk, nil
	case err != nil:
		return logCheck{}, fmt.Errorf("%w: %w", ErrLogDamaged, err)
	}
	// Closed cleanly: the files must be exactly as they were left.
	p := filepath.Join(dir, closedFile)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	// The last line counts the others: a CLOSED cut short anywhere fails.
	if n := len(lines) - 1; lines[n] != fmt.Sprintf("end %d", n) {
		return logCheck{}, fmt.Errorf("%w: %s is damaged (it does not end with \"end %d\"); %s", ErrLogDamaged, p, n, recoverHint)
	} else {
		lines = lines[:n]
	}
	if len(lines) != len(chk.files) {
		return logCheck{}, damaged(last.path, int64(len(last.data)), "%s lists %d log segments but this, segment %d, is the last: a segment was added or removed after the log was closed cleanly",
			p, len(lines), len(chk.files))
	}
	for i, f := range chk.files {
		if lines[i] != f.String() {
			return logCheck{}, damaged(filepath.Join(dir, walDirName, f.name), firstDiff(lines[i], f),
				"the file changed after the log was closed cleanly (%s says %q; it is now %q)", closedFile, lines[i], f.String())
		}
	}
	if chk.tornAt >= 0 {
		return logCheck{}, fmt.Errorf("%w: %s offset %d: bytes after the last record of a log closed cleanly", ErrLogDamaged, chk.tornFile, chk.tornAt)
	}
	return chk, nil
}

// firstDiff is where a file differs from its CLOSED line, as far as the
// line tells: the end of its records if their digest differs, else the
// shorter of its sizes.
func firstDiff(line string, f fileDigest) int64 {
	var name, sum string
	var size, end int64
	if _, err := fmt.Sscanf(line, "%s %d %d %s", &name, &size, &end, &sum); err != nil {
		return 0
	}
	if end != f.end || sum != f.sum {
		return min(end, f.end)
	}
	return min(size, f.size)
}

// recoverHint says what to do with a refused log.
const recoverHint = "restore the node's directory from a backup, or remove the node's directory only if a majority of the cluster's nodes have intact logs (it then rejoins with no vote, which is unsafe if it had voted), or remove the whole data directory to start a new cluster"

// damaged is the error for a log refused at file path, offset off.
func damaged(path string, off int64, format string, args ...any) error {
	return fmt.Errorf("%w: %s offset %d: %s; %s", ErrLogDamaged, path, off, fmt.Sprintf(format, args...), recoverHint)
}

// walker replays a log's records as etcd's ReadAll does, checking what
// etcd's log does not: every record is framed canonically, its padding is
// zero, its type is where such a record may be, its contents decode
// exactly, and the state it describes could have been written (indexes
// with no gaps, hard states whose commit the log already holds, no
// committed entry replaced).
type walker struct {
	crc      uint32
	snaps    []*walpb.Snapshot // the snapshot markers, in order
	last     uint64            // the last index the log holds (entry or snapshot)
	terms    []uint64
	first    uint64 // index of terms[0]
	hs       *pb.HardState
	hsTerm   uint64
	hsCommit uint64
}

func (w *walker) termAt(i uint64) (uint64, bool) {
	if i < w.first || i-w.first >= uint64(len(w.terms)) {
		return 0, false
	}
	return w.terms[i-w.first], true
}

// checkSegments walks every record of segs. Each segment must be at least
// segBytes long (etcd preallocates them, and truncates a segment only when
// its records reach that length). Every segment but the last must hold
// valid records up to its end exactly. The last must hold valid records
// and then only zeros, except for a torn final write: a record that does
// not check out at the end, with part of it unwritten (a whole sector of
// zeros, or cut off by the end of the file), nothing that validates after
// it, and no single bit of its length field that would make it valid.
func checkSegments(files logFiles, segBytes int64) (logCheck, error) {
	segs := files.segs
	chk := logCheck{snap: &walpb.Snapshot{Index: new(uint64(0)), Term: new(uint64(0))}, tornAt: -1}
	var w walker
	for si, s := range segs {
		lastSeg := si == len(segs)-1
		n := int64(len(s.data))
		if n < segBytes {
			return logCheck{}, damaged(s.path, n, "the file is %d bytes, shorter than the %d every log segment is preallocated to: it was cut short", n, segBytes)
		}
		off, pos := int64(0), 0
		for {
			if off == n {
				break
			}
			if off+frameBytes > n {
				return logCheck{}, damaged(s.path, off, "%d stray bytes at the end of the file", n-off)
			}
			lenField := binary.LittleEndian.Uint64(s.data[off:])
			rec, next, ferr := w.frame(s.data, off, lenField)
			if ferr == nil {
				// A record that checks out is whole: it cannot be torn.
				if err := w.apply(rec, pos); err != nil {
					return logCheck{}, damaged(s.path, off, "%v", err)
				}
				off, pos = next, pos+1
				continue
			}
			if !lastSeg {
				return logCheck{}, damaged(s.path, off, "%v", ferr)
			}
			if lenField == 0 && allZero(s.data[off:]) {
				break // the end: preallocated space
			}
			// A torn final write, or damage?
			if b, ok := w.lengthFlip(s.data, off, lenField, pos); ok {
				return logCheck{}, damaged(s.path, off, "the record's length field has bit %d flipped (it says %d bytes)", b, lenField&^(0xff<<56))
			}
			if lenField != 0 && !w.torn(s.data, off, lenField, pos) {
				return logCheck{}, damaged(s.path, off, "%v", ferr)
			}
			chk.tornFile, chk.tornAt = s.path, off
			break
		}
		sum := sha256.Sum256(s.data[:off])
		chk.files = append(chk.files, fileDigest{name: filepath.Base(s.path), size: n, end: off, sum: hex.EncodeToString(sum[:])})
	}
	// The newest snapshot the hard state commits, as etcd's
	// ValidSnapshotEntries: a snapshot received from the leader is marked
	// before the hard state that commits it.
	for _, sn := range w.snaps {
		if sn.GetIndex() <= w.hsCommit {
			chk.snap = sn
		}
	}
	return chk, nil
}

// frame decodes the record at off whose length field is lenField and
// checks its checksum against the chain, without changing w.
func (w *walker) frame(data []byte, off int64, lenField uint64) (*walpb.Record, int64, error) {
	if lenField == 0 {
		return nil, 0, lazyErr("a zero length field followed by bytes that are not zero")
	}
	recBytes := int64(lenField &^ (0xff << 56))
	padBytes := int64(0)
	if lenField>>63 == 1 {
		padBytes = int64(lenField >> 56 & 7)
	}
	if want := canonicalLen(recBytes); lenField != want {
		return nil, 0, lazyErr("the length field %#x is not one etcd writes (%#x)", lenField, want)
	}
	body := off + frameBytes
	if recBytes > int64(len(data))-body-padBytes {
		return nil, 0, lazyErr("the record's length (%d bytes) runs past the end of the file", recBytes)
	}
	if !allZero(data[body+recBytes : body+recBytes+padBytes]) {
		return nil, 0, lazyErr("the record's padding is not zero")
	}
	rec := &walpb.Record{}
	if err := exact(data[body:body+recBytes], rec); err != nil {
		return nil, 0, lazyErr("the record does not decode as etcd writes it: %v", err)
	}
	if rec.Type == nil {
		return nil, 0, lazyErr("the record has no type")
	}
	if rec.GetType() != crcType {
		if rec.Crc == nil {
			return nil, 0, lazyErr("the record has no checksum")
		}
		if got := crc32.Update(w.crc, crcTable, rec.Data); rec.GetCrc() != got {
			return nil, 0, lazyErr("the record's checksum %#08x does not match its contents (%#08x)", rec.GetCrc(), got)
		}
	}
	return rec, body + recBytes + padBytes, nil
}

// frameError is an error of frame, formatted only when shown: torn
// probes many candidate records.
type frameError struct {
	format string
	args   []any
}

func (e *frameError) Error() string { return fmt.Sprintf(e.format, e.args...) }

func lazyErr(format string, args ...any) error { return &frameError{format, args} }

// canonicalLen is the length field etcd's encoder writes for a record of
// n bytes.
func canonicalLen(n int64) uint64 {
	f := uint64(n)
	if pad := (8 - n%8) % 8; pad != 0 {
		f |= uint64(0x80|pad) << 56
	}
	return f
}

// apply replays rec, the pos-th record of its segment, checking that it
// may be there and that its contents decode exactly.
func (w *walker) apply(rec *walpb.Record, pos int) error {
	typ := rec.GetType()
	switch {
	case pos == 0 && typ != crcType:
		return fmt.Errorf("a segment's first record is of type %d, not a checksum", typ)
	case pos == 1 && typ != metadataType:
		return fmt.Errorf("a segment's second record is of type %d, not metadata", typ)
	case pos > 1 && (typ == crcType || typ == metadataType):
		return fmt.Errorf("a record of type %d after the head of a segment", typ)
	}
	switch typ {
	case crcType:
		if rec.Data != nil {
			return errors.New("a checksum record with data")
		}
		if w.crc != 0 && rec.GetCrc() != w.crc {
			return fmt.Errorf("the segment continues the checksum chain from %#08x, not from %#08x where the previous segment ended", rec.GetCrc(), w.crc)
		}
		w.crc = rec.GetCrc()
		return nil
	case metadataType:
		if len(rec.Data) != 0 {
			return errors.New("metadata this log never writes")
		}
	case entryType:
		e := &pb.Entry{}
		if err := exact(rec.Data, e); err != nil {
			return fmt.Errorf("an entry record: %w", err)
		}
		if err := w.entry(e); err != nil {
			return err
		}
	case stateType:
		hs := &pb.HardState{}
		if err := exact(rec.Data, hs); err != nil {
			return fmt.Errorf("a hard state record: %w", err)
		}
		switch {
		case hs.GetTerm() < 1 || hs.GetTerm() < w.hsTerm:
			return fmt.Errorf("a hard state at term %d after one at term %d", hs.GetTerm(), w.hsTerm)
		case hs.GetCommit() < w.hsCommit:
			return fmt.Errorf("a hard state committing index %d after one committing %d", hs.GetCommit(), w.hsCommit)
		case hs.GetCommit() > w.last:
			return fmt.Errorf("a hard state committing index %d while the log ends at %d", hs.GetCommit(), w.last)
		}
		w.hs, w.hsTerm, w.hsCommit = hs, hs.GetTerm(), hs.GetCommit()
	case snapshotType:
		s := &walpb.Snapshot{}
		if err := exact(rec.Data, s); err != nil {
			return fmt.Errorf("a snapshot record: %w", err)
		}
		if n := len(w.snaps); n > 0 && s.GetIndex() < w.snaps[n-1].GetIndex() {
			return fmt.Errorf("a snapshot at index %d after one at %d", s.GetIndex(), w.snaps[n-1].GetIndex())
		}
		w.snaps = append(w.snaps, s)
		if s.GetIndex() > w.last {
			w.last, w.first, w.terms = s.GetIndex(), s.GetIndex(), []uint64{s.GetTerm()}
		}
	default:
		return fmt.Errorf("a record of unknown type %d", typ)
	}
	w.crc = rec.GetCrc()
	return nil
}

// entry replays an entry record.
func (w *walker) entry(e *pb.Entry) error {
	i, t := e.GetIndex(), e.GetTerm()
	switch {
	case i == 0 || t == 0:
		return fmt.Errorf("an entry at index %d, term %d", i, t)
	case i > w.last+1:
		return fmt.Errorf("an entry at index %d after the log's last index %d", i, w.last)
	case i <= w.last:
		// Raft replaces only entries in conflict with the leader's, and
		// never a committed one.
		old, ok := w.termAt(i)
		switch {
		case ok && old == t:
			return fmt.Errorf("an entry at index %d, term %d, rewriting the entry it holds there", i, t)
		case i <= w.hsCommit:
			return fmt.Errorf("an entry at index %d, term %d, replacing a committed entry", i, t)
		}
	}
	if _, ok := pb.EntryType_name[int32(e.GetType())]; !ok {
		return fmt.Errorf("an entry at index %d of unknown type %d", i, e.GetType())
	}
	if prev, ok := w.termAt(i - 1); ok && t < prev {
		return fmt.Errorf("an entry at index %d of term %d after one of term %d", i, t, prev)
	}
	if e.GetType() == pb.EntryConfChange && len(e.Data) == 0 {
		return fmt.Errorf("an entry at index %d: a configuration change with no contents", i)
	}
	if len(w.terms) == 0 {
		w.first = i
	}
	if i < w.first {
		return fmt.Errorf("an entry at index %d before the log's first index %d", i, w.first)
	}
	w.terms = append(w.terms[:i-w.first], t)
	w.last = i
	return nil
}

// exact unmarshals b into m and checks that m holds no unknown field and
// marshals back to b.
func exact(b []byte, m proto.Message) error {
	if err := proto.Unmarshal(b, m); err != nil {
		return err
	}
	if len(m.ProtoReflect().GetUnknown()) > 0 {
		return errors.New("fields this log never writes")
	}
	again, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil || !bytes.Equal(again, b) {
		return errors.New("contents that do not encode back to the same bytes")
	}
	return nil
}

// lengthFlip reports whether flipping one bit of the length field at off
// gives a record that checks out and may come next: then the length
// field was damaged, not torn.
func (w *walker) lengthFlip(data []byte, off int64, lenField uint64, pos int) (int, bool) {
	for b := range 64 {
		f := lenField ^ 1<<b
		rec, _, err := w.frame(data, off, f)
		if err != nil {
			continue
		}
		c := w.clone()
		if c.apply(rec, pos) == nil {
			return b, true
		}
	}
	return 0, false
}

// torn reports whether the record at off, which does not check out, can
// be a write the process did not finish: no single flipped bit explains
// it, part of it is unwritten (cut off by the end of the file, or a whole
// sector's part of zeros inside it, as etcd's decoder judges), and no
// record that checks out follows it.
func (w *walker) torn(data []byte, off int64, lenField uint64, pos int) bool {
	recBytes := int64(lenField &^ (0xff << 56))
	padBytes := int64(0)
	if lenField>>63 == 1 {
		padBytes = int64(lenField >> 56 & 7)
	}
	body := off + frameBytes
	end := body + recBytes + padBytes
	if recBytes > int64(len(data))-body-padBytes {
		return true // cut off by the end of the file
	}
	if end-body <= maxRepairProbe {
		frame := slices.Clone(data[off:end])
		for i := frameBytes * 8; i < len(frame)*8; i++ {
			frame[i/8] ^= 1 << (i % 8)
			rec, _, err := w.frame(frame, 0, lenField)
			frame[i/8] ^= 1 << (i % 8)
			if err == nil {
				c := w.clone()
				if c.apply(rec, pos) == nil {
					return false // one flipped bit: damage
				}
			}
		}
	}
	if !zeroSector(data[body:end], body) {
		return false
	}
	// Does a record that checks out follow, chained from this one's?
	rec := &walpb.Record{}
	if proto.Unmarshal(data[body:body+recBytes], rec) != nil || rec.Crc == nil || end+frameBytes > int64(len(data)) {
		return true
	}
	c := walker{crc: rec.GetCrc()}
	_, _, err := c.frame(data, end, binary.LittleEndian.Uint64(data[end:]))
	return err != nil
}

// maxRepairProbe bounds the records torn tries every single-bit repair
// of.
const maxRepairProbe = 4096

func (w *walker) clone() walker {
	c := *w
	c.terms = slices.Clone(w.terms)
	c.snaps = slices.Clone(w.snaps)
	return c
}

// zeroSector reports whether b, which starts at file offset off, holds a
// whole 512-byte sector's part of zeros (etcd's decoder's torn test).
func zeroSector(b []byte, off int64) bool {
	for len(b) > 0 {
		n := min(int64(len(b)), 512-off%512)
		if allZero(b[:n]) {
			return true
		}
		b, off = b[n:], off+n
	}
	return false
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// zeroFrom zeroes file path from off to its end, and syncs it.
func zeroFrom(path string, off int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(make([]byte, st.Size()-off), off); err != nil {
		return err
	}
	return f.Sync()
}

// writeClosed records the CLOSED digest of the log in dir, which must be
// closed.
func writeClosed(dir string) error {
	files, err := readSegments(filepath.Join(dir, walDirName))
	if err != nil {
		return err
	}
	chk, err := checkSegments(files, segmentBytes)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, f := range chk.files {
		b.WriteString(f.String() + "\n")
	}
	fmt.Fprintf(&b, "end %d\n", len(chk.files))
	return writeSynced(dir, closedFile, []byte(b.String()))
}

// removeSynced removes dir/name if it exists and syncs dir.
func removeSynced(dir, name string) error {
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// lockDataDir locks dataDir for this process, or says which file another
// holds.
func lockDataDir(dataDir string) (*fileutil.LockedFile, error) {
	p := filepath.Join(dataDir, lockFile)
	l, err := fileutil.TryLockFile(p, os.O_WRONLY|os.O_CREATE, 0o644)
	if errors.Is(err, fileutil.ErrLocked) {
		return nil, fmt.Errorf("%w: %s is locked: another server is using this data directory; stop it first, or use another directory", ErrDataDir, p)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: locking %s: %w", ErrDataDir, p, err)
	}
	_ = l.Truncate(0)
	_, _ = l.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return l, nil
}
