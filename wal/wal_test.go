package wal

import (
	"bufio"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

func ent(index, term uint64, data string) *pb.Entry {
	return &pb.Entry{Index: proto.Uint64(index), Term: proto.Uint64(term), Type: pb.EntryNormal.Enum(), Data: []byte(data)}
}

func hard(term, vote, commit uint64) *pb.HardState {
	return &pb.HardState{Term: proto.Uint64(term), Vote: proto.Uint64(vote), Commit: proto.Uint64(commit)}
}

func snapAt(index, term uint64, data string) *pb.Snapshot {
	return &pb.Snapshot{Data: []byte(data), Metadata: &pb.SnapshotMetadata{Index: proto.Uint64(index), Term: proto.Uint64(term), ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}}}}
}

// describe renders a state for comparisons and messages.
func describe(st State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "hs %d/%d/%d snap %d/%d %q;", st.HardState.GetTerm(), st.HardState.GetVote(), st.HardState.GetCommit(),
		st.Snapshot.GetMetadata().GetIndex(), st.Snapshot.GetMetadata().GetTerm(), st.Snapshot.GetData())
	for _, e := range st.Entries {
		fmt.Fprintf(&b, " %d/%d:%s", e.GetIndex(), e.GetTerm(), e.GetData())
	}
	return b.String()
}

func reopen(t *testing.T, w *WAL, dir string) (*WAL, State) {
	t.Helper()
	if w != nil {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	w, st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return w, st
}

func TestSaveReopenOverwriteSnapshotCompact(t *testing.T) {
	dir := t.TempDir()
	w, st := reopen(t, nil, dir)
	if describe(st) != describe(State{}) {
		t.Fatalf("a new log holds %s", describe(st))
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Save(hard(1, 1, 0), []*pb.Entry{ent(1, 1, "a"), ent(2, 1, "b"), ent(3, 1, "c"), ent(4, 1, "d")}, nil))
	must(w.Save(hard(2, 2, 2), []*pb.Entry{ent(3, 2, "C"), ent(4, 2, "D")}, nil)) // a new leader's entries replace 3 and 4
	w, st = reopen(t, w, dir)
	if got, want := describe(st), `hs 2/2/2 snap 0/0 ""; 1/1:a 2/1:b 3/2:C 4/2:D`; got != want {
		t.Fatalf("after overwrite:\n got %s\nwant %s", got, want)
	}
	must(w.Save(nil, []*pb.Entry{ent(5, 2, "e")}, snapAt(3, 2, "state@3")))
	w, st = reopen(t, w, dir)
	if got, want := describe(st), `hs 2/2/2 snap 3/2 "state@3"; 4/2:D 5/2:e`; got != want {
		t.Fatalf("after a snapshot:\n got %s\nwant %s", got, want)
	}
	before := w.Size()
	must(w.Compact(st.HardState, st.Snapshot, st.Entries))
	if w.Size() >= before {
		t.Fatalf("compacting kept %d of %d bytes", w.Size(), before)
	}
	must(w.Save(hard(3, 0, 5), []*pb.Entry{ent(6, 3, "f")}, nil)) // appends after a compaction
	w, st = reopen(t, w, dir)
	if got, want := describe(st), `hs 3/0/5 snap 3/2 "state@3"; 4/2:D 5/2:e 6/3:f`; got != want {
		t.Fatalf("after compacting:\n got %s\nwant %s", got, want)
	}
	must(w.Close())
}

func TestATornLastWriteIsDropped(t *testing.T) {
	dir := t.TempDir()
	w, _ := reopen(t, nil, dir)
	if err := w.Save(hard(1, 1, 1), []*pb.Entry{ent(1, 1, "a")}, nil); err != nil {
		t.Fatal(err)
	}
	good := w.Size()
	if err := w.Save(hard(1, 1, 2), []*pb.Entry{ent(2, 1, "b")}, nil); err != nil {
		t.Fatal(err)
	}
	full := w.Size()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Cut the file anywhere inside the second Save: what the first Save
	// acknowledged is all there, the torn rest is dropped, and the log
	// takes writes again.
	for cut := good; cut < full; cut++ {
		if err := os.WriteFile(path, whole[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		w, st, err := Open(dir)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if len(st.Entries) == 0 || st.Entries[0].GetIndex() != 1 || len(st.Entries) > 2 {
			t.Fatalf("cut at %d: %s", cut, describe(st))
		}
		if err := w.Save(nil, []*pb.Entry{ent(2, 1, "again")}, nil); err != nil {
			t.Fatal(err)
		}
		w, st = reopen(t, w, dir)
		if got := describe(st); !strings.HasSuffix(got, "1/1:a 2/1:again") {
			t.Fatalf("cut at %d, then a write: %s", cut, got)
		}
		w.Close()
	}
}

func TestDamageBeforeTheEndIsAnError(t *testing.T) {
	dir := t.TempDir()
	w, _ := reopen(t, nil, dir)
	for i := uint64(1); i <= 3; i++ {
		if err := w.Save(hard(1, 1, i), []*pb.Entry{ent(i, 1, "x")}, nil); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	path := filepath.Join(dir, FileName)
	b, _ := os.ReadFile(path)
	b[12] ^= 0x40 // inside the first record's body
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(dir); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a damaged first record: %v, want ErrCorrupt", err)
	}
}

// model is what Raft's storage holds after the same calls, written
// independently of the log's replay: the newest hard state and snapshot,
// and the entries after the snapshot.
type model struct {
	hs   *pb.HardState
	snap *pb.Snapshot
	ents []*pb.Entry
}

func (m *model) append(es []*pb.Entry) {
	from := es[0].GetIndex()
	var keep []*pb.Entry
	for _, e := range m.ents {
		if e.GetIndex() < from {
			keep = append(keep, e)
		}
	}
	m.ents = append(keep, es...)
}

func (m *model) snapshot(s *pb.Snapshot) {
	m.snap = s
	var keep []*pb.Entry
	for _, e := range m.ents {
		if e.GetIndex() > s.GetMetadata().GetIndex() {
			keep = append(keep, e)
		}
	}
	m.ents = keep
}

func (m *model) state() State { return State{HardState: m.hs, Snapshot: m.snap, Entries: m.ents} }

// TestAgainstAModel saves random rounds (entries that overwrite, snapshots,
// hard states), compacts and reopens at random, and compares the log with
// the model.
func TestAgainstAModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := mrand.New(mrand.NewPCG(seed, 7))
		dir := t.TempDir()
		w, _ := reopen(t, nil, dir)
		var m model
		last, term := uint64(0), uint64(1)
		for step := range 200 {
			switch r := rng.IntN(10); {
			case r < 6: // a round of entries, maybe replacing the tail
				from := last + 1
				if last > 0 && rng.IntN(4) == 0 {
					from = max(m.snap.GetMetadata().GetIndex()+1, last-uint64(rng.IntN(3)))
					term++
				}
				var es []*pb.Entry
				for i := range rng.IntN(4) + 1 {
					es = append(es, ent(from+uint64(i), term, fmt.Sprintf("s%d-%d", step, i)))
				}
				hs := hard(term, 1, from-1)
				if err := w.Save(hs, es, nil); err != nil {
					t.Fatal(err)
				}
				m.hs = hs
				m.append(es)
				last = es[len(es)-1].GetIndex()
			case r < 7 && len(m.ents) > 0: // a snapshot inside the log
				e := m.ents[rng.IntN(len(m.ents))]
				s := snapAt(e.GetIndex(), e.GetTerm(), fmt.Sprintf("at %d", e.GetIndex()))
				if err := w.Save(nil, nil, s); err != nil {
					t.Fatal(err)
				}
				m.snapshot(s)
			case r < 8 && m.snap != nil:
				if err := w.Compact(m.hs, m.snap, m.ents); err != nil {
					t.Fatal(err)
				}
			default:
				var st State
				w, st = reopen(t, w, dir)
				if got, want := describe(st), describe(m.state()); got != want {
					t.Fatalf("seed %d step %d:\n got %s\nwant %s", seed, step, got, want)
				}
			}
		}
		w.Close()
	}
}

// TestSIGKILLLosesNoAcknowledgedWrite runs a writer process that saves an
// entry at a time and says so only after Save returned, kills it with
// SIGKILL while it writes, and checks that every entry it acknowledged is in
// the log.
func TestSIGKILLLosesNoAcknowledgedWrite(t *testing.T) {
	if dir := os.Getenv("SESHAT_WAL_CHILD"); dir != "" {
		writeForever(dir, os.Getenv("SESHAT_WAL_PLANT") == "unflushed")
		return
	}
	dir := t.TempDir()
	for round := range 3 { // the same log, killed three times
		if err := killWriter(t, dir, uint64(300*(round+1)), false); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}

// TestSIGKILLCatchesAnUnflushedLog plants a bug, a Save that acknowledges
// before writing its buffer out, and shows the SIGKILL check catching it.
func TestSIGKILLCatchesAnUnflushedLog(t *testing.T) {
	if os.Getenv("SESHAT_WAL_CHILD") != "" {
		t.Skip("the child runs in TestSIGKILLLosesNoAcknowledgedWrite")
	}
	if err := killWriter(t, t.TempDir(), 300, true); err == nil {
		t.Fatal("a log that acknowledged unwritten entries passed the SIGKILL check")
	} else {
		t.Logf("caught: %v", err)
	}
}

// killWriter runs the writer child on dir until it has acknowledged at
// least want entries, kills it with SIGKILL, and checks the log holds every
// acknowledged entry.
func killWriter(t *testing.T, dir string, want uint64, unflushed bool) error {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestSIGKILLLosesNoAcknowledgedWrite$")
	cmd.Env = append(os.Environ(), "SESHAT_WAL_CHILD="+dir)
	if unflushed {
		cmd.Env = append(cmd.Env, "SESHAT_WAL_PLANT=unflushed")
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := uint64(0)
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if n, ok := strings.CutPrefix(lines.Text(), "ack "); ok {
			acked, _ = strconv.ParseUint(n, 10, 64)
			if acked >= want {
				break
			}
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to flush or close
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if acked == 0 {
		t.Fatal("the writer acknowledged nothing")
	}
	_, st, err := Open(dir)
	if err != nil {
		return fmt.Errorf("reopening after SIGKILL: %w", err)
	}
	n := len(st.Entries)
	if n == 0 || st.Entries[n-1].GetIndex() < acked {
		return fmt.Errorf("acknowledged up to %d, the log holds %d entries", acked, n)
	}
	for i, e := range st.Entries {
		if e.GetIndex() != uint64(i+1) || string(e.GetData()) != fmt.Sprintf("entry %d", i+1) {
			return fmt.Errorf("entry %d reads %d %q", i, e.GetIndex(), e.GetData())
		}
	}
	if st.HardState.GetCommit() < acked {
		return fmt.Errorf("commit %d, acknowledged %d", st.HardState.GetCommit(), acked)
	}
	t.Logf("killed after %d acknowledged; the log holds %d entries", acked, n)
	return nil
}

// writeForever is the child: it continues the log one entry per Save and
// prints "ack N" after each.
func writeForever(dir string, unflushed bool) {
	w, st, err := Open(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	if unflushed {
		w.sync = func() error { return nil } // the planted bug
	}
	next := uint64(len(st.Entries)) + 1
	out := bufio.NewWriter(os.Stdout)
	for ; ; next++ {
		if err := w.Save(hard(1, 1, next), []*pb.Entry{ent(next, 1, fmt.Sprintf("entry %d", next))}, nil); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Fprintf(out, "ack %d\n", next)
		out.Flush()
	}
}

// FuzzOpen feeds arbitrary bytes as a log file: Open never panics, and a
// log it accepts takes a write and reads back the same.
func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	w, _, _ := Open(dir)
	_ = w.Save(hard(1, 1, 1), []*pb.Entry{ent(1, 1, "a"), ent(2, 1, "b")}, snapAt(1, 1, "s"))
	w.Close()
	seed, _ := os.ReadFile(filepath.Join(dir, FileName))
	f.Add(seed)
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 9, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), b, 0o644); err != nil {
			t.Fatal(err)
		}
		w, st, err := Open(dir)
		if err != nil {
			return
		}
		next := st.Snapshot.GetMetadata().GetIndex() + 1
		if n := len(st.Entries); n > 0 {
			next = st.Entries[n-1].GetIndex() + 1
		}
		if err := w.Save(nil, []*pb.Entry{ent(next, 1, "fuzz")}, nil); err != nil {
			t.Fatal(err)
		}
		want := describe(State{HardState: st.HardState, Snapshot: st.Snapshot, Entries: append(st.Entries, ent(next, 1, "fuzz"))})
		w.Close()
		_, again, err := Open(dir)
		if err != nil {
			t.Fatalf("reopening a log this package wrote: %v", err)
		}
		if got := describe(again); got != want {
			t.Fatalf("read back\n got %s\nwant %s", got, want)
		}
	})
}
