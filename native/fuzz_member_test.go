package native

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// FuzzMemberFrames feeds what a joined member may send over the bridge
// (binary raft frames, each handed to Remote.Deliver as readRaft does) into
// a real native cluster of three in-memory nodes, started once per fuzzing
// process and reused, and checks after every input that:
//
//   - the process lives: a panic on a node's goroutine ends the process,
//     which the fuzzing engine reports as a crash with its input;
//   - every native node keeps running: a node stopped (by a caught panic)
//     fails the seeds run by `go test` and any input under
//     SESHAT_FUZZ_STRICT=1; while fuzzing, the cluster is otherwise
//     created again so the fuzzer keeps exploring (keep what stopped it
//     with SESHAT_FUZZ_CRASH_DIR);
//   - safety holds: every committed index holds the same entry on every
//     node and in every check since the cluster started, nodes at the same
//     applied index have the same state machine digest, and every
//     acknowledged write is still there on every node that applied it;
//   - the cluster keeps serving: a write by a native client commits within
//     fuzzWriteTimeout (the member may have been removed meanwhile: it then
//     joins again).
//
// An input is a sequence of records (see decodeFrames): raw frames
// (a length and the bytes of a pb.Message, optionally readdressed from the
// member to a native node) and messages built from a few bytes around the
// target node's current term, commit and last index, so that mutations
// reach deep paths of etcd Raft with realistic values.
//
// Run it with `make fuzz-member FUZZTIME=10m`, or
//
//	go test -run '^$' -fuzz FuzzMemberFrames -fuzztime 10m -fuzzminimizetime 5s -parallel 1 -timeout 15m ./native
//
// with SESHAT_FUZZ_CRASH_DIR set to keep what the engine discards (see
// crashOutput). The cluster runs on the wall clock, so coverage varies from
// run to run and the engine finds many inputs "interesting", each
// minimized for -fuzzminimizetime: 5s gave about 11 inputs a second here,
// 10x about 45.
//
// The seeds under testdata/fuzz/FuzzMemberFrames run in every `go test`;
// those under testdata/fuzz-pending/FuzzMemberFrames still break the
// cluster and join them once the guard refusing them is in (see
// fuzzSeeds).
func FuzzMemberFrames(f *testing.F) {
	var rig *fuzzRig
	f.Cleanup(func() {
		if rig != nil {
			_ = rig.c.Stop()
		}
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		if rig == nil {
			rig = newFuzzRig(t, crashOutput(t))
		}
		defer func() {
			// A failed input leaves a cluster that may be broken: the
			// next input (minimizing this one, or the next seed) starts
			// from a fresh one.
			if t.Failed() {
				_ = rig.c.Stop()
				rig = nil
			}
		}()
		rig.run(t, data)
	})
}

// fuzzing reports whether the test binary is fuzzing (-test.fuzz), not
// running the seeds as regression tests: only then are node stops
// absorbed.
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

// crashOutput copies the process's crash output (a panic on a node's
// goroutine) to $SESHAT_FUZZ_CRASH_DIR/crash-<pid>.txt when that is set:
// the fuzzing engine discards its workers' output, and says only that one
// "terminated unexpectedly". It returns the journal the rig then keeps in
// journal-<pid>.txt: every input given to the current cluster, one per
// line in hex, oldest first; restarts-<pid>.txt says why the cluster was
// created again each time (a node stopped by a caught panic, ...), and
// journal-<pid>-stop<k>.txt keep the journals of the first 200 stops. A panic may come from what an earlier input
// left (a term of 2^64-1 overflows at the next election), so the input the
// engine records is not always the culprit; replay the journal with
// TestReplayMemberJournal.
func crashOutput(t *testing.T) *os.File {
	dir := os.Getenv("SESHAT_FUZZ_CRASH_DIR")
	if dir == "" {
		return nil
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("crash-%d.txt", os.Getpid())))
	if err != nil {
		t.Fatalf("crash output: %v", err)
	}
	if err := debug.SetCrashOutput(f, debug.CrashOptions{}); err != nil {
		t.Fatalf("crash output: %v", err)
	}
	f.Close()
	j, err := os.Create(filepath.Join(dir, fmt.Sprintf("journal-%d.txt", os.Getpid())))
	if err != nil {
		t.Fatalf("journal: %v", err)
	}
	return j
}

// TestReplayMemberJournal gives the inputs of a journal (see crashOutput)
// to one cluster in order, as the fuzzing process did:
//
//	SESHAT_FUZZ_REPLAY=/tmp/fz/journal-123.txt go test -v -run TestReplayMemberJournal ./native
func TestReplayMemberJournal(t *testing.T) {
	path := os.Getenv("SESHAT_FUZZ_REPLAY")
	if path == "" {
		t.Skip("set SESHAT_FUZZ_REPLAY to a journal written by FuzzMemberFrames")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	g := newFuzzRig(t, nil)
	t.Cleanup(func() { _ = g.c.Stop() })
	for i, line := range strings.Fields(string(b)) {
		data, err := hex.DecodeString(line)
		if err != nil {
			t.Fatalf("%s: line %d: %v", path, i+1, err)
		}
		t.Logf("input %d: %x", i+1, data)
		g.run(t, data)
	}
}

// Limits of the fuzz target.
const (
	// fuzzMaxFrames bounds the records taken from one input.
	fuzzMaxFrames = 64
	// fuzzMaxFrame bounds one raw frame.
	fuzzMaxFrame = 1 << 16
	// fuzzWriteTimeout bounds the liveness write: several election
	// timeouts of the fuzz configuration on a loaded machine.
	fuzzWriteTimeout = 10 * time.Second
	// fuzzKeys is how many keys the liveness writes rotate over.
	fuzzKeys = 16
	// fuzzRecheck is how many committed indexes below each node's checked
	// mark are compared again on every check.
	fuzzRecheck = 32
	// fuzzMaxFacts bounds the remembered digests by applied index.
	fuzzMaxFacts = 4096
	// fuzzInputsPerCluster bounds the inputs given to one cluster (its
	// log, its terms, the journal) before it is created again.
	fuzzInputsPerCluster = 20000
	// fuzzKeptJournals bounds the journals a fuzzing process keeps.
	fuzzKeptJournals = 200
)

// fuzzRig is the cluster the fuzz target drives, with what its checks
// remember between inputs.
type fuzzRig struct {
	c      *Cluster
	rm     *Remote
	strict bool

	// committed is the entry hash of every committed index seen (reset with
	// the cluster); checked is, per native node, the highest committed
	// index compared so far.
	committed map[uint64]uint64
	checked   map[core.NodeID]uint64
	// digests is the state machine digest seen at an applied index.
	digests map[uint64]uint64
	// acked is the value and log index of the last acknowledged write of
	// each key; tainted keys had a write of unknown outcome and are left.
	acked   map[string]ackedWrite
	tainted map[string]bool
	seq     uint64
	// inputs counts the inputs given to the current cluster, journal
	// (if not nil) holds them.
	inputs  int
	journal *os.File
	// keptJournals counts the journals copied when a node stopped.
	keptJournals int
}

type ackedWrite struct {
	value string
	index uint64
}

// fuzzConfig is testConfig(3) with 2 ms ticks and elections after 20-40
// ms: a member claiming leadership holds the cluster up for an election
// timeout, which would otherwise cost most of an input's time. Elections
// that a loaded machine starts spuriously are more to check.
func fuzzConfig() wire.Config {
	cfg := testConfig(3)
	cfg.Raft.HeartbeatIntervalMS = 2
	cfg.Raft.ElectionTimeoutMinMS = 20
	cfg.Raft.ElectionTimeoutMaxMS = 40
	return cfg
}

func newFuzzRig(t *testing.T, journal *os.File) *fuzzRig {
	t.Helper()
	c, err := Start(fuzzConfig())
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	g := &fuzzRig{c: c, strict: os.Getenv("SESHAT_FUZZ_STRICT") == "1" || !fuzzing(), journal: journal}
	g.reset(t)
	return g
}

// reset forgets what the checks remember and joins a member: after the
// cluster was (re)created.
func (g *fuzzRig) reset(t *testing.T) {
	t.Helper()
	g.committed = make(map[uint64]uint64)
	g.checked = make(map[core.NodeID]uint64)
	g.digests = make(map[uint64]uint64)
	g.acked = make(map[string]ackedWrite)
	g.tainted = make(map[string]bool)
	g.rm = nil
	g.inputs = 0
	if g.journal != nil {
		if err := g.journal.Truncate(0); err != nil {
			t.Fatalf("journal: %v", err)
		}
		if _, err := g.journal.Seek(0, 0); err != nil {
			t.Fatalf("journal: %v", err)
		}
	}
	g.join(t)
}

// recreate replaces the cluster by a fresh one. A node stopped is a
// failure under SESHAT_FUZZ_STRICT=1 (stopped); the rest is routine.
func (g *fuzzRig) recreate(t *testing.T, why string, stopped bool) {
	t.Helper()
	if stopped && g.strict {
		t.Fatalf("%s", why)
	}
	t.Logf("creating the cluster again: %s", why)
	if g.journal != nil {
		// Kept beside the journal: what made the fuzzer start over, and
		// for the first few stopped nodes the journal that led there.
		name := g.journal.Name()
		kept := ""
		if stopped && g.keptJournals < fuzzKeptJournals {
			g.keptJournals++
			kept = strings.Replace(name, ".txt", fmt.Sprintf("-stop%d.txt", g.keptJournals), 1)
			if b, err := os.ReadFile(name); err == nil {
				if os.WriteFile(kept, b, 0o644) != nil {
					kept = ""
				}
			}
		}
		if f, err := os.OpenFile(strings.Replace(name, "journal-", "restarts-", 1), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, "%s after %d inputs: %s [%s]\n", time.Now().UTC().Format(time.TimeOnly), g.inputs, why, kept)
			f.Close()
		}
	}
	if err := g.c.Create(fuzzConfig()); err != nil {
		t.Fatalf("Create: %v", err)
	}
	g.reset(t)
}

// join adds a member whose messages from the cluster are dropped: it says
// only what the fuzzer makes it say. When no id is left, the cluster is
// created again.
func (g *fuzzRig) join(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), fuzzWriteTimeout)
	defer cancel()
	rm, err := g.c.AddRemote(ctx, func(*pb.Message) {})
	if err != nil {
		if len(g.c.Remotes()) > 0 || g.c.current().highestID() >= maxNodeID {
			g.recreate(t, fmt.Sprintf("cannot join another member: %v", err), false)
			return
		}
		t.Fatalf("AddRemote: %v", err)
	}
	g.rm = rm
}

// run delivers one input and checks the cluster.
func (g *fuzzRig) run(t *testing.T, data []byte) {
	if g.inputs >= fuzzInputsPerCluster {
		g.recreate(t, fmt.Sprintf("%d inputs given to this one", g.inputs), false)
	}
	g.inputs++
	if g.journal != nil {
		if _, err := fmt.Fprintf(g.journal, "%x\n", data); err != nil {
			t.Fatalf("journal: %v", err)
		}
	}
	if len(g.acked) == 0 {
		// A fresh cluster: one acknowledged write for the input to lose.
		g.write(t)
	}
	r := g.c.current()
	for _, fr := range decodeFrames(data, g.base) {
		if fr.readdress {
			fr.m.From = proto.Uint64(uint64(g.rm.ID()))
			fr.m.To = proto.Uint64(1 + fr.m.GetTo()%uint64(len(r.all())))
		}
		err := g.rm.Deliver(fr.m)
		switch {
		case err == nil, errors.Is(err, ErrBadRemoteMessage):
		case errors.Is(err, ErrRemoteGone):
			// Removed (a guard may remove a member that misbehaves or stays
			// silent): the rest of the input goes to a new member.
			g.join(t)
		default:
			t.Fatalf("Deliver(%v): %v", fr.m, err)
		}
	}
	g.settle(t)
	if why := g.stopped(); why != "" {
		g.recreate(t, why, true)
		return
	}
	g.checkSafety(t)
	g.write(t)
	if why := g.stopped(); why != "" {
		g.recreate(t, why, true)
		return
	}
	g.checkSafety(t)
}

// base is what realistic messages to node to are built around: its
// current term, commit and last index.
func (g *fuzzRig) base(to int) msgBase {
	r := g.c.current()
	n := r.all()[(to-1)%len(r.all())]
	n.mu.Lock()
	st := n.state.status
	store := n.store
	n.mu.Unlock()
	ss := store.Stats()
	return msgBase{from: uint64(g.rm.ID()), to: uint64(n.id), natives: len(r.all()),
		term: uint64(st.Term), commit: uint64(st.Commit), last: ss.LastIndex}
}

// settle waits until every native node has stepped every message
// delivered to it: its inbox is empty once its loop has served a call.
func (g *fuzzRig) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(fuzzWriteTimeout)
	for _, n := range g.c.current().all() {
		for {
			in := n.running()
			if in == nil || in.do(func() {}) != nil {
				break // stopped: stopped() says why
			}
			if len(in.recvc) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s's inbox did not empty within %v", n.id, fuzzWriteTimeout)
			}
		}
	}
}

// stopped says which native node is down and why, or "".
func (g *fuzzRig) stopped() string {
	for _, n := range g.c.current().all() {
		n.mu.Lock()
		in, err := n.inc, n.err
		n.mu.Unlock()
		if in == nil {
			return fmt.Sprintf("%s stopped: %v", n.id, err)
		}
	}
	return ""
}

// entryHash identifies an entry by its term, type and data (FNV-64a).
func fuzzEntryHash(e *pb.Entry) uint64 {
	h := uint64(0xcbf29ce484222325)
	var b [9]byte
	binary.LittleEndian.PutUint64(b[:8], e.GetTerm())
	b[8] = byte(e.GetType())
	for _, c := range append(b[:], e.GetData()...) {
		h ^= uint64(c)
		h *= 0x100000001b3
	}
	return h
}

// checkSafety compares every native node's committed entries with those
// seen before, its state machine digest with other nodes' at the same
// applied index, and its values of the acknowledged writes.
func (g *fuzzRig) checkSafety(t *testing.T) {
	t.Helper()
	for _, n := range g.c.current().all() {
		store := n.storage()
		hs, _, _ := store.InitialState()
		commit := hs.GetCommit()
		ss := store.Stats()
		lo := max(ss.FirstIndex, g.checked[n.id]+1)
		if g.checked[n.id] >= fuzzRecheck {
			lo = max(ss.FirstIndex, g.checked[n.id]-fuzzRecheck+1)
		}
		if commit >= lo && lo > 0 {
			ents, err := store.Entries(lo, commit+1, ^uint64(0))
			if err == nil {
				for _, e := range ents {
					h := fuzzEntryHash(e)
					if old, ok := g.committed[e.GetIndex()]; ok && old != h {
						t.Fatalf("State Machine Safety: %s holds committed index %d (term %d, %s) unlike the entry committed there before",
							n.id, e.GetIndex(), e.GetTerm(), statemachine.FormatEntryData(e.GetData()))
					}
					g.committed[e.GetIndex()] = h
				}
				g.checked[n.id] = max(g.checked[n.id], commit)
			}
		}

		in := n.running()
		if in == nil {
			continue
		}
		var (
			applied, digest uint64
			wrong           string
		)
		if err := in.do(func() {
			sm := in.rn.StateMachine()
			applied, digest = sm.AppliedIndex(), sm.Digest()
			for k, w := range g.acked {
				if w.index > applied {
					continue
				}
				if v, ok := sm.Get(k); !ok || v != w.value {
					wrong = fmt.Sprintf("%s applied index %d but holds %s=%q (found %v); the write %q acknowledged at index %d is lost",
						n.id, applied, k, v, ok, w.value, w.index)
					return
				}
			}
		}); err != nil {
			continue
		}
		if wrong != "" {
			t.Fatalf("State Machine Safety: %s", wrong)
		}
		if old, ok := g.digests[applied]; ok && old != digest {
			t.Fatalf("State Machine Safety: %s's state machine at applied index %d differs from another node's there (digest %x, not %x)", n.id, applied, digest, old)
		}
		g.digests[applied] = digest
	}
	g.prune()
}

// prune keeps the remembered facts bounded: those below every node's
// first log index cannot be compared any more.
func (g *fuzzRig) prune() {
	if len(g.digests) > fuzzMaxFacts {
		var top uint64
		for i := range g.digests {
			top = max(top, i)
		}
		for i := range g.digests {
			if i+fuzzMaxFacts/2 < top {
				delete(g.digests, i)
			}
		}
	}
	low := ^uint64(0)
	for _, n := range g.c.current().all() {
		low = min(low, n.storage().Stats().FirstIndex)
	}
	for i := range g.committed {
		if i < low {
			delete(g.committed, i)
		}
	}
}

// write makes a native client write and waits for it: the cluster must
// keep serving whatever the member said.
func (g *fuzzRig) write(t *testing.T) {
	t.Helper()
	var key string
	for range fuzzKeys {
		g.seq++
		if k := fmt.Sprintf("fz%d", g.seq%fuzzKeys); !g.tainted[k] {
			key = k
			break
		}
	}
	if key == "" {
		g.recreate(t, "every fuzz key had a write of unknown outcome", false)
		return
	}
	value := fmt.Sprint(g.seq)
	ctx, cancel := context.WithTimeout(context.Background(), fuzzWriteTimeout)
	defer cancel()
	// A node that stops (a panic caught) ends the wait at once: without
	// it the cluster may have no quorum left, and run creates it again.
	for _, n := range g.c.current().all() {
		in := n.running()
		if in == nil {
			cancel()
			break
		}
		stop := context.AfterFunc(in.ctx, cancel)
		defer stop()
	}
	idx, err := set(ctx, g.c, key, value)
	if err != nil {
		g.tainted[key] = true
		delete(g.acked, key)
		if why := g.stopped(); why != "" {
			return // run recreates the cluster
		}
		t.Fatalf("liveness: a native write did not commit within %v: %v", fuzzWriteTimeout, err)
	}
	g.acked[key] = ackedWrite{value: value, index: idx}
	g.waitCommitted(t, idx)
}

// waitCommitted waits until every running native node has committed
// index idx, so that the check that follows compares what the input did on
// every node (and a failing input fails by itself when minimized). Each
// round trip to a node's loop lasts at most a tick.
func (g *fuzzRig) waitCommitted(t *testing.T, idx uint64) {
	t.Helper()
	deadline := time.Now().Add(fuzzWriteTimeout)
	for _, n := range g.c.current().all() {
		for {
			hs, _, _ := n.storage().InitialState()
			if hs.GetCommit() >= idx {
				break
			}
			in := n.running()
			if in == nil || in.do(func() {}) != nil {
				break // stopped: stopped() says why
			}
			if time.Now().After(deadline) {
				t.Fatalf("liveness: %s did not commit index %d within %v of its leader acknowledging it", n.id, idx, fuzzWriteTimeout)
			}
		}
	}
}

// msgBase is what a built message is made around.
type msgBase struct {
	from, to           uint64
	natives            int
	term, commit, last uint64
}

// frame is one message of an input; readdress says it is to be sent from
// the member to native node 1 + To mod n.
type frame struct {
	m         *pb.Message
	readdress bool
}

// fuzzTypes are the message types a built message takes, by a byte.
var fuzzTypes = []pb.MessageType{
	pb.MsgHeartbeat, pb.MsgApp, pb.MsgVote, pb.MsgPreVote, pb.MsgSnap, pb.MsgAppResp,
	pb.MsgHeartbeatResp, pb.MsgVoteResp, pb.MsgPreVoteResp, pb.MsgTransferLeader,
	pb.MsgTimeoutNow, pb.MsgReadIndex, pb.MsgReadIndexResp, pb.MsgUnreachable,
	pb.MsgSnapStatus, pb.MsgCheckQuorum, pb.MsgProp, pb.MsgHup, pb.MsgBeat,
	pb.MsgForgetLeader, pb.MsgStorageAppend, pb.MsgStorageApply,
}

// bytesIn reads an input.
type bytesIn struct{ b []byte }

func (r *bytesIn) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *bytesIn) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *bytesIn) take(n uint64) []byte {
	n = min(n, uint64(len(r.b)))
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// rel reads a value around base: a mode byte (base + d, base - d, d, or
// 2^64-1 - d) and d.
func (r *bytesIn) rel(base uint64) uint64 {
	mode, d := r.byte()%4, r.uvarint()
	switch mode {
	case 0:
		return base + d
	case 1:
		if d > base {
			return 0
		}
		return base - d
	case 2:
		return d
	}
	return ^uint64(0) - d
}

// Record kinds: the low bits of a record's first byte.
const (
	recRaw       = 0 // a length, then a pb.Message as sent
	recReaddress = 1 // the same, sent from the member to a native node
	recBuilt     = 2 // a message built around the target's state
)

// decodeFrames reads an input's records, at most fuzzMaxFrames:
//
//	raw:   op (kind 0 or 1), uvarint length, the pb.Message's bytes
//	built: op (kind 2 or 3), type, target, term, log term, index, commit,
//	       reject, reject hint, entries (count, then per entry: term,
//	       kind, payload), and for MsgSnap the snapshot's index, term,
//	       voters and learners (bit masks) and kind of data
//
// where term, log term, index, commit and reject hint are rel values around
// the target's term, last index and commit (base). Raw frames that do not
// unmarshal are skipped, as the bridge drops them.
func decodeFrames(data []byte, base func(to int) msgBase) []frame {
	r := &bytesIn{b: data}
	var out []frame
	for len(r.b) > 0 && len(out) < fuzzMaxFrames {
		op := r.byte()
		switch kind := op % 4; kind {
		case recRaw, recReaddress:
			b := r.take(min(r.uvarint(), fuzzMaxFrame))
			m := new(pb.Message)
			if proto.Unmarshal(b, m) != nil {
				continue
			}
			out = append(out, frame{m: m, readdress: kind == recReaddress})
		default:
			out = append(out, frame{m: buildMessage(r, base)})
		}
	}
	return out
}

// buildMessage reads a built record after its op byte.
func buildMessage(r *bytesIn, base func(to int) msgBase) *pb.Message {
	typ := fuzzTypes[int(r.byte())%len(fuzzTypes)]
	b := base(1 + int(r.byte()))
	m := &pb.Message{Type: typ.Enum(), From: proto.Uint64(b.from), To: proto.Uint64(b.to)}
	m.Term = proto.Uint64(r.rel(b.term))
	m.LogTerm = proto.Uint64(r.rel(b.term))
	m.Index = proto.Uint64(r.rel(b.last))
	m.Commit = proto.Uint64(r.rel(b.commit))
	m.Reject = proto.Bool(r.byte()%2 == 1)
	m.RejectHint = proto.Uint64(r.rel(b.last))
	for i := range uint64(r.byte() % 4) {
		e := &pb.Entry{Term: proto.Uint64(r.rel(m.GetTerm())), Index: proto.Uint64(m.GetIndex() + 1 + i)}
		switch c := r.byte(); c % 4 {
		case 0:
			e.Data = statemachine.Set(string(r.take(uint64(c/4%8))), string(r.take(uint64(r.byte()%16)))).Encode()
		case 1:
			cc := &pb.ConfChange{Type: pb.ConfChangeType(r.byte() % 4).Enum(), NodeId: proto.Uint64(uint64(r.byte() % 8))}
			e.Type = pb.EntryConfChange.Enum()
			e.Data, _ = proto.Marshal(cc)
		case 2:
			e.Data = r.take(uint64(r.byte() % 32))
		default:
			e.Type = pb.EntryType(r.byte() % 4).Enum()
			e.Data = r.take(uint64(r.byte() % 32))
		}
		m.Entries = append(m.Entries, e)
	}
	if typ == pb.MsgSnap {
		md := &pb.SnapshotMetadata{Index: proto.Uint64(r.rel(b.last)), Term: proto.Uint64(r.rel(b.term)), ConfState: &pb.ConfState{}}
		voters, learners := r.byte(), r.byte()
		for id := range uint64(8) {
			if voters&(1<<id) != 0 {
				md.ConfState.Voters = append(md.ConfState.Voters, id+1)
			} else if learners&(1<<id) != 0 {
				md.ConfState.Learners = append(md.ConfState.Learners, id+1)
			}
		}
		snap := &pb.Snapshot{Metadata: md}
		switch c := r.byte(); c % 3 {
		case 0:
			// A well-formed snapshot at the metadata's index holding
			// "forged" under up to three keys.
			b := binary.AppendUvarint([]byte{1}, md.GetIndex())
			b = binary.AppendUvarint(b, uint64(c/3%4))
			for i := range c / 3 % 4 {
				b = append(b, 2, 'k', '0'+i, 6)
				b = append(b, "forged"...)
			}
			snap.Data = b
		case 1:
			snap.Data = r.take(uint64(r.byte() % 64))
		}
		m.Snapshot = snap
	}
	return m
}
