package native

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.etcd.io/etcd/server/v3/storage/wal"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// setSegmentBytes lowers the log's segment size for one test (a global,
// etcd's too: such tests must not run in parallel).
func setSegmentBytes(t testing.TB, n int64) {
	old := segmentBytes
	segmentBytes, wal.SegmentSizeBytes = n, n
	t.Cleanup(func() { segmentBytes, wal.SegmentSizeBytes = old, old })
}

// fastTempDir is a temporary directory in memory (/dev/shm) if there is
// one, where syncs cost nothing, else t.TempDir.
func fastTempDir(t testing.TB) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "seshat-wal-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return t.TempDir()
}

// logFilesOf is a node directory's files by path relative to it.
type logFilesOf map[string][]byte

func readDirFiles(t testing.TB, dir string) logFilesOf {
	t.Helper()
	files := logFilesOf{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func (f logFilesOf) write(t testing.TB, dir string) {
	t.Helper()
	for rel, b := range f {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// segmentNames are the log's segment files, in order.
func (f logFilesOf) segmentNames() []string {
	var names []string
	for rel := range f {
		if strings.HasSuffix(rel, ".wal") {
			names = append(names, rel)
		}
	}
	slices.Sort(names)
	return names
}

func entry(term, index uint64, data string) *pb.Entry {
	return &pb.Entry{Term: new(term), Index: new(index), Type: pb.EntryNormal.Enum(), Data: []byte(data)}
}

func hardState(term, vote, commit uint64) *pb.HardState {
	return &pb.HardState{Term: new(term), Vote: new(vote), Commit: new(commit)}
}

// writeTestLog writes a real small log in dir as a node would: entries
// and hard states over several rounds, an entry replaced by a new
// leader's, a snapshot, and entries after it, over two segments with
// segments of 1 KB. It returns the state it holds.
func writeTestLog(t testing.TB, dir string, closeCleanly bool) logState {
	t.Helper()
	l, err := createNodeLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	save := func(hs *pb.HardState, ents ...*pb.Entry) {
		t.Helper()
		if err := l.Save(hs, ents); err != nil {
			t.Fatal(err)
		}
	}
	save(hardState(1, 1, 0), entry(1, 1, "conf"), entry(1, 2, ""))
	save(hardState(1, 1, 2), entry(1, 3, "set a=1"), entry(1, 4, "set b=2"))
	save(hardState(2, 2, 3), entry(2, 4, "set b=3"), entry(2, 5, strings.Repeat("x", 300)))
	save(hardState(2, 2, 5))
	snap := &pb.Snapshot{Data: []byte("state machine at 5"), Metadata: &pb.SnapshotMetadata{
		Index: new(uint64(5)), Term: new(uint64(2)), ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}}}}
	if err := l.SaveSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	for i := uint64(6); i < 14; i++ {
		save(hardState(3, 3, i-1), entry(3, i, fmt.Sprintf("set k%d=%s", i, strings.Repeat("v", int(i*7)))))
	}
	if closeCleanly {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	} else if err := l.w.Close(); err != nil { // as if killed: no CLOSED
		t.Fatal(err)
	}
	var ents []*pb.Entry
	for i := uint64(6); i < 14; i++ {
		ents = append(ents, entry(3, i, fmt.Sprintf("set k%d=%s", i, strings.Repeat("v", int(i*7)))))
	}
	return logState{snap: snap, hs: hardState(3, 3, 12), ents: ents}
}

func sameState(a, b logState) bool {
	if !proto.Equal(a.snap, b.snap) || !proto.Equal(a.hs, b.hs) || len(a.ents) != len(b.ents) {
		return false
	}
	for i := range a.ents {
		if !proto.Equal(a.ents[i], b.ents[i]) {
			return false
		}
	}
	return true
}

func describe(st logState) string {
	last := uint64(0)
	if n := len(st.ents); n > 0 {
		last = st.ents[n-1].GetIndex()
	}
	return fmt.Sprintf("snapshot %d, hard state %v, %d entries to %d", st.snap.GetMetadata().GetIndex(), st.hs, len(st.ents), last)
}

// logDir is a node directory holding files, for trials of damage: each
// changes some files in place and opens the log, as a restart does.
type logDir struct {
	dir   string
	files logFilesOf
}

func newLogDir(t testing.TB, root string, files logFilesOf) *logDir {
	d := &logDir{dir: filepath.Join(root, "n"), files: files}
	d.reset(t)
	return d
}

// reset writes the files afresh, removing anything else.
func (d *logDir) reset(t testing.TB) {
	t.Helper()
	if err := os.RemoveAll(d.dir); err != nil {
		t.Fatal(err)
	}
	d.files.write(t, d.dir)
}

// open replaces the files in change (nil: removes them), opens the log and
// puts the files back.
func (d *logDir) open(t testing.TB, change logFilesOf) (logState, error) {
	t.Helper()
	for rel, b := range change {
		p := filepath.Join(d.dir, rel)
		if b == nil {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, st, err := openNodeLog(d.dir)
	if err == nil {
		// Opening changed the files (CLOSED removed, a torn tail zeroed).
		l.w.Close()
		d.reset(t)
		return st, nil
	}
	// Refused: checkLog changed nothing.
	for rel := range change {
		if err := os.WriteFile(filepath.Join(d.dir, rel), d.files[rel], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return st, err
}

// checkOutcome is the property: Open refused with an error naming the
// damaged file (and, in a log segment, the offset), or returned exactly
// the state written.
func checkOutcome(t testing.TB, what, file string, want, got logState, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrLogDamaged) || !strings.Contains(err.Error(), filepath.Base(file)) ||
			(strings.HasSuffix(file, ".wal") && !strings.Contains(err.Error(), "offset ")) {
			t.Errorf("%s: refused with %v; want ErrLogDamaged naming %s and the offset", what, err, file)
		}
		return
	}
	if !sameState(got, want) {
		t.Errorf("%s: opened with %s; want %s or a refusal", what, describe(got), describe(want))
	}
}

// TestWALDamageRefusedOrExact: for every single-bit flip and every
// truncation of a real log, cleanly closed or not (as after a kill), and
// of its snapshot file, opening it either refuses with an error naming the
// file and offset or returns exactly the state written: never fewer
// records silently.
func TestWALDamageRefusedOrExact(t *testing.T) {
	setSegmentBytes(t, 1024)
	for _, closed := range []bool{false, true} {
		t.Run(fmt.Sprintf("closed=%v", closed), func(t *testing.T) {
			dir := t.TempDir()
			want := writeTestLog(t, dir, closed)
			files := readDirFiles(t, dir)
			segs := files.segmentNames()
			if len(segs) < 2 {
				t.Fatalf("the test log has %d segments; want at least 2", len(segs))
			}
			d := newLogDir(t, fastTempDir(t), files)
			if got, err := d.open(t, nil); err != nil || !sameState(got, want) {
				t.Fatalf("the undamaged log opens with %s, %v; want %s", describe(got), err, describe(want))
			}
			var names []string
			for rel := range files {
				if strings.HasSuffix(rel, ".wal") || strings.HasSuffix(rel, ".snap") {
					names = append(names, rel)
				}
			}
			slices.Sort(names)
			flips, refused := 0, 0
			for _, name := range names {
				orig := files[name]
				for bit := range len(orig) * 8 {
					damaged := slices.Clone(orig)
					damaged[bit/8] ^= 1 << (bit % 8)
					got, err := d.open(t, logFilesOf{name: damaged})
					flips++
					if err != nil {
						refused++
					}
					checkOutcome(t, fmt.Sprintf("%s bit %d of byte %d flipped", name, bit%8, bit/8), name, want, got, err)
				}
			}
			// Truncations: the log's segments as one byte sequence cut at
			// every offset (later segments gone), and the snapshot file.
			cuts := 0
			for i, name := range segs {
				later := logFilesOf{}
				for _, rel := range segs[i+1:] {
					later[rel] = nil
				}
				orig := files[name]
				for n := range len(orig) {
					cut := maps.Clone(later)
					cut[name] = orig[:n]
					got, err := d.open(t, cut)
					cuts++
					checkOutcome(t, fmt.Sprintf("log cut at %s offset %d", name, n), name, want, got, err)
				}
				if i+1 < len(segs) {
					// Cut at the end of this segment: the later ones gone.
					got, err := d.open(t, later)
					cuts++
					checkOutcome(t, fmt.Sprintf("log cut after %s", name), name, want, got, err)
				}
			}
			for _, name := range names {
				if !strings.HasSuffix(name, ".snap") {
					continue
				}
				orig := files[name]
				for n := range len(orig) {
					got, err := d.open(t, logFilesOf{name: orig[:n]})
					cuts++
					checkOutcome(t, fmt.Sprintf("%s cut at %d", name, n), name, want, got, err)
				}
			}
			t.Logf("%d single-bit flips (%d refused, the rest opened with exactly the state written) and %d truncations", flips, refused, cuts)
		})
	}
}

// crashedLogDir writes the test log as a killed node leaves it (no CLOSED)
// and returns a trial directory for it with the state written.
func crashedLogDir(t testing.TB) (*logDir, logState) {
	t.Helper()
	dir := t.TempDir()
	want := writeTestLog(t, dir, false)
	return newLogDir(t, fastTempDir(t), readDirFiles(t, dir)), want
}

// TestWALLengthFlipIsRefused: one flipped bit in the first record's length
// field used to empty the log silently (wal/ took the record for a torn
// final write; etcd's own log, repaired as etcd does, cuts it there too).
func TestWALLengthFlipIsRefused(t *testing.T) {
	setSegmentBytes(t, 64<<10) // one segment: the damaged one is the last
	d, want := crashedLogDir(t)
	seg := d.files.segmentNames()[0]
	for _, bit := range []int{3, 10, 20, 40} {
		b := slices.Clone(d.files[seg])
		b[bit/8] ^= 1 << (bit % 8)
		got, err := d.open(t, logFilesOf{seg: b})
		if err == nil {
			t.Errorf("bit %d of the first length field flipped: opened with %s (written: %s); want a refusal", bit, describe(got), describe(want))
			continue
		}
		if !errors.Is(err, ErrLogDamaged) || !strings.Contains(err.Error(), filepath.Base(seg)+" offset 0:") || !strings.Contains(err.Error(), "restore the node's directory") {
			t.Errorf("bit %d flipped: %v; want ErrLogDamaged naming %s offset 0 and how to recover", bit, err, seg)
		}
	}
}

// TestWALZeroFilledTailOpens: zeros after the last record (etcd's
// preallocation, or a file extended with zeros by a crash) are no damage.
func TestWALZeroFilledTailOpens(t *testing.T) {
	setSegmentBytes(t, 1024)
	d, want := crashedLogDir(t)
	segs := d.files.segmentNames()
	last := segs[len(segs)-1]
	longer := append(slices.Clone(d.files[last]), make([]byte, 8192)...)
	for what, change := range map[string]logFilesOf{
		"as written, its preallocated space zero": nil,
		"with 8 KB more zeros":                    {last: longer},
	} {
		got, err := d.open(t, change)
		if err != nil || !sameState(got, want) {
			t.Errorf("log %s: opened with %s, %v; want %s", what, describe(got), err, describe(want))
		}
	}
}

// TestWALTornWriteAfterAKillIsDropped: a record the process was killed
// while writing (its last sectors never reached the disk) is dropped, the
// log opens with every record before it, and appends after it.
func TestWALTornWriteAfterAKillIsDropped(t *testing.T) {
	setSegmentBytes(t, 64<<10) // one segment
	dir := t.TempDir()
	want := writeTestLog(t, dir, false)
	l, st, err := openNodeLog(dir)
	if err != nil || !sameState(st, want) {
		t.Fatalf("reopening the log: %s, %v", describe(st), err)
	}
	segs := readDirFiles(t, dir).segmentNames()
	last := filepath.Join(dir, segs[len(segs)-1])
	before, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	big := entry(3, 14, strings.Repeat("t", 1500)) // spans sectors
	if err := l.Save(hardState(3, 3, 12), []*pb.Entry{big}); err != nil {
		t.Fatal(err)
	}
	l.w.Close() // killed: no CLOSED
	after, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	// The write reached the disk up to the record's second sector only.
	end := recordsEnd(before)
	torn := slices.Clone(after)
	cut := (end/512 + 2) * 512
	clear(torn[cut:])
	if err := os.WriteFile(last, torn, 0o644); err != nil {
		t.Fatal(err)
	}
	l, st, err = openNodeLog(dir)
	if err != nil {
		t.Fatalf("opening a log with a torn final write: %v", err)
	}
	if !sameState(st, want) {
		t.Fatalf("opened with %s; want what was written before the torn write: %s", describe(st), describe(want))
	}
	// It appends after it, and opens with that.
	again := entry(3, 14, "after the kill")
	if err := l.Save(hardState(3, 3, 13), []*pb.Entry{again}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	want.ents = append(want.ents, again)
	want.hs = hardState(3, 3, 13)
	l, st, err = openNodeLog(dir)
	if err != nil || !sameState(st, want) {
		t.Fatalf("reopened with %s, %v; want %s", describe(st), err, describe(want))
	}
	l.Close()
}

// recordsEnd is where the records of a segment end.
func recordsEnd(b []byte) int {
	off := 0
	for off+frameBytes <= len(b) {
		l := binary.LittleEndian.Uint64(b[off:])
		if l == 0 {
			break
		}
		rec := int64(l &^ (0xff << 56))
		if l>>63 == 1 {
			rec += int64(l >> 56 & 7)
		}
		off += frameBytes + int(rec)
	}
	return off
}
