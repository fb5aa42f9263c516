package native

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// damage applies ops, 4 bytes each (op, file, offset high, offset low), to
// a copy of files: xor a byte, zero a byte, truncate, zero 8 bytes, or
// remove the file (never keep, if given). It returns the changed files
// (nil: removed) and the files named by the ops.
func damage(files logFilesOf, ops []byte, keep string) (logFilesOf, []string) {
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	})
	changed := logFilesOf{}
	var hit []string
	for i := 0; i+4 <= len(ops) && i < 4*16; i += 4 {
		op, name := ops[i], names[int(ops[i+1])%len(names)]
		b, ok := changed[name]
		if !ok {
			b = slices.Clone(files[name])
		}
		if b == nil {
			continue // removed
		}
		off := (int(ops[i+2])<<8 | int(ops[i+3])) % (len(b) + 1)
		switch op % 5 {
		case 0:
			if off < len(b) {
				b[off] ^= op | 1
			}
		case 1:
			if off < len(b) {
				b[off] = 0
			}
		case 2:
			b = b[:off]
		case 3:
			clear(b[off:min(off+8, len(b))])
		case 4:
			if name == keep {
				continue
			}
			b = nil
		}
		changed[name] = b
		hit = append(hit, name)
	}
	return changed, hit
}

// writtenEntries are the entries writeTestLog writes, by index and term.
func writtenEntries() map[[2]uint64]*pb.Entry {
	m := map[[2]uint64]*pb.Entry{}
	for _, e := range []*pb.Entry{entry(1, 1, "conf"), entry(1, 2, ""), entry(1, 3, "set a=1"), entry(1, 4, "set b=2"),
		entry(2, 4, "set b=3"), entry(2, 5, strings.Repeat("x", 300))} {
		m[[2]uint64{e.GetIndex(), e.GetTerm()}] = e
	}
	for i := uint64(6); i < 14; i++ {
		m[[2]uint64{i, 3}] = entry(3, i, fmt.Sprintf("set k%d=%s", i, strings.Repeat("v", int(i*7))))
	}
	return m
}

// FuzzWALOpen damages a real log arbitrarily (bytes changed, zeroed, files
// cut short or removed). A log closed cleanly must be refused with an
// error naming a damaged file, or open with exactly the state written.
// The same damage to a log left by a kill (no CLOSED digest) cannot always
// be told from a crash (zeros after a record look like the end of the
// log), so there the log must be refused or open with a state raft can
// start from, made only of entries that were written: never a panic, never
// an invented record.
func FuzzWALOpen(f *testing.F) {
	setSegmentBytes(f, 1024)
	closedDir, crashedDir := f.TempDir(), f.TempDir()
	want := writeTestLog(f, closedDir, true)
	writeTestLog(f, crashedDir, false)
	closed := newLogDir(f, fastTempDir(f), readDirFiles(f, closedDir))
	crashed := newLogDir(f, fastTempDir(f), readDirFiles(f, crashedDir))
	written := writtenEntries()
	for _, seed := range [][]byte{
		{}, {0, 0, 0, 3}, {5, 1, 0, 9}, {2, 1, 1, 0}, {3, 2, 0, 0}, {4, 3, 0, 0}, {1, 1, 0, 8, 2, 2, 0, 40},
		{10, 1, 2, 100, 11, 1, 2, 101}, {0, 4, 0, 20}, {7, 5, 0, 0}, {4, 1, 0, 0, 4, 2, 0, 0},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		changed, hit := damage(closed.files, ops, closedFile)
		got, err := closed.open(t, changed)
		switch {
		case err != nil && len(hit) == 0:
			t.Fatalf("the undamaged closed log was refused: %v", err)
		case err != nil:
			if !errors.Is(err, ErrLogDamaged) && !errors.Is(err, ErrDataDir) {
				t.Fatalf("closed log, damage %x: refused with %v; want ErrLogDamaged", ops, err)
			}
			named := false
			for _, h := range hit {
				base := h[strings.LastIndex(h, "/")+1:]
				named = named || strings.Contains(err.Error(), base) ||
					(strings.HasSuffix(base, ".wal") && strings.Contains(err.Error(), base[:17]+"*.wal is missing"))
			}
			named = named || strings.Contains(err.Error(), "holds no log segment")
			if !named && !strings.Contains(err.Error(), closedFile) && !strings.Contains(err.Error(), ".wal offset ") {
				t.Fatalf("closed log, damage to %v: refused with %v, naming none of them", hit, err)
			}
		case !sameState(got, want):
			t.Fatalf("closed log, damage %x to %v: opened with %s; want %s or a refusal", ops, hit, describe(got), describe(want))
		}

		changed, _ = damage(crashed.files, ops, "")
		got, err = crashed.open(t, changed)
		if err != nil {
			return
		}
		if _, err := storageFrom(got); err != nil {
			t.Fatalf("log left by a kill, damage %x: opened with a state raft cannot start from: %v", ops, err)
		}
		for _, e := range got.ents {
			if w, ok := written[[2]uint64{e.GetIndex(), e.GetTerm()}]; !ok || !proto.Equal(e, w) {
				t.Fatalf("log left by a kill, damage %x: opened with an entry never written: %v", ops, e)
			}
		}
	})
}
