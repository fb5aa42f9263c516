package native

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// The seeds of FuzzMemberFrames, in the record format of decodeFrames. They
// live in testdata/fuzz/FuzzMemberFrames (run by every `go test`), written
// by TestWriteFuzzMemberSeeds; seeds a member must not be able to hurt the
// cluster with but still does (pending) go to
// testdata/fuzz-pending/FuzzMemberFrames until the guard refusing them
// lands, then move to testdata/fuzz/FuzzMemberFrames.

// relv is a rel value: a mode (0: base + d, 1: base - d, 2: d, 3:
// 2^64-1 - d) and d.
type relv struct {
	mode byte
	d    uint64
}

var same = relv{}

func plus(d uint64) relv  { return relv{0, d} }
func minus(d uint64) relv { return relv{1, d} }
func maxTerm() relv       { return relv{3, 0} }

// builtSeed is one built record.
type builtSeed struct {
	typ                        pb.MessageType
	to                         byte // native node 1 + to mod n
	term, logTerm, index, comm relv
	reject                     bool
	hint                       relv
	ents                       []seedEntry
	// MsgSnap only.
	snapIndex, snapTerm relv
	voters, learners    byte // bit i: node i+1
	snapKeys            byte // 0-3 keys holding "forged"
	snapNoData          bool // no state machine data at all
}

// seedEntry is a built entry: Set key=value at the message's term.
type seedEntry struct{ key, value string }

func (s builtSeed) encode() []byte {
	b := []byte{recBuilt}
	idx := -1
	for i, t := range fuzzTypes {
		if t == s.typ {
			idx = i
		}
	}
	if idx < 0 {
		panic(fmt.Sprintf("no fuzz type %s", s.typ))
	}
	b = append(b, byte(idx), s.to)
	rel := func(v relv) { b = binary.AppendUvarint(append(b, v.mode), v.d) }
	rel(s.term)
	rel(s.logTerm)
	rel(s.index)
	rel(s.comm)
	if s.reject {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	rel(s.hint)
	b = append(b, byte(len(s.ents)))
	for _, e := range s.ents {
		rel(same)
		b = append(b, byte(len(e.key)*4))
		b = append(b, e.key...)
		b = append(b, byte(len(e.value)))
		b = append(b, e.value...)
	}
	if s.typ == pb.MsgSnap {
		rel(s.snapIndex)
		rel(s.snapTerm)
		if s.snapNoData {
			b = append(b, s.voters, s.learners, 2)
		} else {
			b = append(b, s.voters, s.learners, s.snapKeys*3)
		}
	}
	return b
}

// rawSeed is a raw frame of m, readdressed from the member if readdress.
func rawSeed(m *pb.Message, readdress bool) []byte {
	data, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	op := byte(recRaw)
	if readdress {
		op = recReaddress
	}
	return append(binary.AppendUvarint([]byte{op}, uint64(len(data))), data...)
}

// toAll is the record for each native node of a three-node cluster.
func toAll(s builtSeed) []byte {
	var b []byte
	for to := range byte(3) {
		s.to = to
		b = append(b, s.encode()...)
	}
	return b
}

type fuzzSeed struct {
	name    string
	pending bool // still hurts the cluster without the guard (issue 9)
	data    []byte
}

func fuzzSeeds() []fuzzSeed {
	var (
		// Realistic messages: at each node's term, about its log.
		hb      = builtSeed{typ: pb.MsgHeartbeat, term: same, logTerm: same, index: same, comm: same, hint: same}
		app     = builtSeed{typ: pb.MsgApp, term: same, logTerm: same, index: same, comm: same, hint: same, ents: []seedEntry{{"m", "from-member"}}}
		vote    = builtSeed{typ: pb.MsgVote, term: plus(1), logTerm: same, index: same, comm: same, hint: same}
		prevote = builtSeed{typ: pb.MsgPreVote, term: plus(1), logTerm: same, index: same, comm: same, hint: same}
		appResp = builtSeed{typ: pb.MsgAppResp, term: same, logTerm: same, index: same, comm: same, hint: same}
		hbResp  = builtSeed{typ: pb.MsgHeartbeatResp, term: same, logTerm: same, index: same, comm: same, hint: same}
		// Local messages a follower forwards to its leader carry no term.
		transf  = builtSeed{typ: pb.MsgTransferLeader, term: relv{2, 0}, logTerm: same, index: same, comm: same, hint: same}
		readIdx = builtSeed{typ: pb.MsgReadIndex, term: relv{2, 0}, logTerm: same, index: same, comm: same, hint: same}
		// A snapshot at the node's commit is older than what it has: ignored.
		oldSnap = builtSeed{typ: pb.MsgSnap, term: same, logTerm: same, index: same, comm: same, hint: same,
			snapIndex: minus(1), snapTerm: same, voters: 0b1111, snapKeys: 1}
	)
	appReject := appResp
	appReject.reject, appReject.index, appReject.hint = true, minus(1), minus(2)
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	hbCommitPast := hb
	hbCommitPast.comm = plus(1000)
	hbMaxTerm := hb
	hbMaxTerm.term = maxTerm()
	forgedSnap := oldSnap
	forgedSnap.term, forgedSnap.snapIndex, forgedSnap.snapTerm, forgedSnap.snapKeys = plus(1), plus(50), plus(1), 2
	transfTerm := transf
	transfTerm.term = same
	snapMaxIndex := forgedSnap
	snapMaxIndex.snapIndex = relv{3, 0}
	appRespPast := appResp
	appRespPast.index = plus(40)
	appRespNoTerm := appRespPast
	appRespNoTerm.term = relv{2, 0}
	snapNoData := forgedSnap
	snapNoData.snapNoData = true
	readIdxTerm := readIdx
	readIdxTerm.term = same
	appNextTerm := app
	appNextTerm.term, appNextTerm.comm = plus(1), plus(1)
	appNextTerm.ents = []seedEntry{{"fz1", "forged"}}
	return []fuzzSeed{
		{name: "heartbeat-same-term", data: toAll(hb)},
		{name: "vote-next-term", data: toAll(vote)},
		{name: "prevote-next-term", data: toAll(prevote)},
		{name: "append-responses", data: cat(toAll(appResp), toAll(appReject), toAll(hbResp))},
		{name: "transfer-leader-and-read-index", data: cat(toAll(transf), toAll(readIdx))},
		{name: "stale-snapshot", data: toAll(oldSnap)},
		{name: "raw-frames", data: cat(
			rawSeed(&pb.Message{Type: pb.MsgHeartbeatResp.Enum(), To: proto.Uint64(1)}, true),
			rawSeed(&pb.Message{Type: pb.MsgAppResp.Enum(), From: proto.Uint64(4), To: proto.Uint64(1), Term: proto.Uint64(1)}, false),
			rawSeed(&pb.Message{Type: pb.MsgHup.Enum(), To: proto.Uint64(2)}, true),
			[]byte{recRaw, 3, 0xff, 0xff, 0xff},
		)},
		// issue 9: etcd Raft panics (commitTo past the last index).
		{name: "heartbeat-commit-past-last-index", data: toAll(hbCommitPast)},
		// issue 9: etcd Raft panics on a term of 2^64-1.
		{name: "heartbeat-max-term", data: toAll(hbMaxTerm)},
		// A follower forwarding a MsgTransferLeader that carries a term
		// to its leader makes etcd Raft panic ("term should not be set").
		{name: "transfer-leader-with-term", data: toAll(transfTerm)},
		// The same with a MsgReadIndex ("term should not be set when
		// sending MsgReadIndex"), found by the fuzzer.
		{name: "read-index-with-term", data: toAll(readIdxTerm)},
		// A member appending as a second leader in the current term: its
		// entry at the next index has the same term as the real leader's,
		// so the follower keeps it when the leader's arrives and commits it
		// (two entries at one index and term break Log Matching).
		{name: "append-same-term", data: toAll(app)},
		// issue 9: a forged snapshot installed on a follower wipes keys.
		{name: "forged-snapshot", data: toAll(forgedSnap)},
		// Found by the fuzzer: a snapshot at index 2^64-1 makes etcd Raft
		// panic (index out of range in unstable.maybeTerm, from restore).
		{name: "snapshot-max-index", data: toAll(snapMaxIndex)},
		// Found by the fuzzer: a member acknowledging an index past the
		// leader's last makes the leader look for entries it does not have
		// and send a snapshot it does not have either: etcd Raft panics
		// ("need non-empty snapshot").
		{name: "append-response-past-last-index", data: toAll(appRespPast)},
		// Found by the fuzzer: the same without a term, which etcd Raft
		// takes for the leader's own message and so skips its term
		// checks: the leader panicked ("need non-empty snapshot").
		{name: "append-response-without-term", data: toAll(appRespNoTerm)},
		// Found by the fuzzer: a snapshot with no state machine data stops
		// the node that installs it (core refuses to restore it).
		{name: "snapshot-without-data", data: toAll(snapNoData)},
		// issue 9: a forged leader at term+1 commits its own entry.
		{name: "append-next-term-commits", data: toAll(appNextTerm)},
	}
}

// TestWriteFuzzMemberSeeds writes the seed corpus of FuzzMemberFrames when
// SESHAT_WRITE_FUZZ_SEEDS=1:
//
//	SESHAT_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzMemberSeeds ./native
func TestWriteFuzzMemberSeeds(t *testing.T) {
	if os.Getenv("SESHAT_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set SESHAT_WRITE_FUZZ_SEEDS=1 to write the seed corpus")
	}
	for _, s := range fuzzSeeds() {
		dir := filepath.Join("testdata", "fuzz", "FuzzMemberFrames")
		if s.pending {
			dir = filepath.Join("testdata", "fuzz-pending", "FuzzMemberFrames")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s.data)
		if err := os.WriteFile(filepath.Join(dir, s.name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
