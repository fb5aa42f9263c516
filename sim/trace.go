package sim

import (
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// trace keeps the most recent events in a ring and a running hash of every
// event ever recorded, so determinism can be checked over long runs without
// keeping them all. The ring holds compact records (rec), not events: small
// ids and a fixed summary of the message an event is about, so recording
// an event copies a few words and keeps no message alive; an event's text
// is written only when it is read.
type trace struct {
	ring  []rec
	next  int // ring position of the next event
	count uint64
	sum   uint64 // running hash of every event
	off   bool   // record nothing (fast replay)
}

// rec is one event as the ring keeps it. Every event has the fixed fields;
// an event about a message (send, deliver, duplicate) also has the fixed
// summary of it that its text is written from (msgSummary). The rest, which
// routine events rarely have (texts, the entries of a message, an applied
// list), is in x, nil for most events.
type rec struct {
	seq, at                  uint64
	term, index, index2, msg uint64
	client                   int64
	node, peer               core.NodeID
	kind                     uint8 // position in wire.EventKinds
	hasMsg                   bool
	m                        msgSummary
	x                        *recExtra
}

// msgSummary is what an event's text says of its message: everything
// raft.DescribeMessage prints but the entries and snapshot (kept in
// recExtra when a message has them).
type msgSummary struct {
	from, to, term, logTerm, index, commit, vote, rejectHint uint64
	typ                                                      pb.MessageType
	reject                                                   bool
}

// recExtra is what few events have: texts written when the event happened,
// an EvApply's results, an EvConfChange's voters, a single appended entry,
// and the entries and snapshot of a message that carries them.
type recExtra struct {
	typ, text, output string
	outcome           wire.Outcome
	applied           []wire.AppliedEntry
	voters            []core.NodeID
	ent               *pb.Entry
	res               []statemachine.Result
	ents              []*pb.Entry
	snap              *pb.Snapshot
}

// kindIDs maps each event kind to its position in wire.EventKinds.
var kindIDs = func() map[wire.EventKind]uint8 {
	m := map[wire.EventKind]uint8{}
	for i, k := range wire.EventKinds() {
		m[k.Kind] = uint8(i)
	}
	return m
}()

// defaultTraceKeep is how many recent events the trace keeps.
const defaultTraceKeep = 20_000

func newTrace(keep int) *trace {
	return &trace{ring: make([]rec, 0, keep), sum: 0xcbf29ce484222325}
}

func (t *trace) add(e *wire.Event) {
	if t.off {
		return
	}
	t.count++
	e.Seq = t.count
	t.hashEvent(e)
	var r *rec
	if len(t.ring) < cap(t.ring) {
		t.ring = t.ring[:len(t.ring)+1]
		r = &t.ring[len(t.ring)-1]
	} else {
		r = &t.ring[t.next]
	}
	pack(r, e)
	t.next = (t.next + 1) % cap(t.ring)
}

// pack writes e into r.
func pack(r *rec, e *wire.Event) {
	kind, ok := kindIDs[e.Kind]
	if !ok {
		panic(fmt.Sprintf("sim: event of unknown kind %q", e.Kind))
	}
	*r = rec{seq: e.Seq, at: uint64(e.At), term: uint64(e.Term), index: uint64(e.Index), index2: uint64(e.Index2),
		msg: e.Msg, client: int64(e.Client), node: e.Node, peer: e.Peer, kind: kind}
	m := e.Message()
	var ents []*pb.Entry
	var snap *pb.Snapshot
	typ := e.Type
	if m != nil {
		r.hasMsg = true
		r.m = msgSummary{from: m.GetFrom(), to: m.GetTo(), term: m.GetTerm(), logTerm: m.GetLogTerm(), index: m.GetIndex(),
			commit: m.GetCommit(), vote: m.GetVote(), rejectHint: m.GetRejectHint(), typ: m.GetType(),
			reject: m.GetReject()}
		ents, snap = m.GetEntries(), m.GetSnapshot()
		if len(m.GetResponses()) > 0 {
			// Messages on the network never carry responses (they are
			// local to a node); a text must not silently lose them.
			panic(fmt.Sprintf("sim: %s event about a %s with responses", e.Kind, m.GetType()))
		}
		if typ == wire.MessageTypeName(m.GetType()) {
			typ = "" // said by the summary
		}
	}
	ent, res := e.Entry(), e.Results()
	if typ == "" && e.Text == "" && e.Output == "" && e.Outcome == "" && e.Applied == nil && e.Voters == nil &&
		ent == nil && res == nil && ents == nil && snap == nil {
		return // the most frequent events: nothing more to keep
	}
	r.x = &recExtra{typ: typ, text: e.Text, output: e.Output, outcome: e.Outcome, applied: e.Applied, voters: e.Voters,
		ent: ent, res: res, ents: ents, snap: snap}
}

// event returns the event r keeps, with its message rebuilt from the
// summary (to describe it), not yet read (wire.Event.Read).
func (r *rec) event() wire.Event {
	e := wire.Event{Seq: r.seq, At: int64(r.at), Kind: wire.EventKinds()[r.kind].Kind, Node: r.node, Peer: r.peer,
		Term: core.Term(r.term), Index: core.LogIndex(r.index), Index2: core.LogIndex(r.index2), Msg: r.msg, Client: int(r.client)}
	x := r.x
	if x == nil {
		x = &recExtra{}
	}
	if r.hasMsg {
		s := &r.m
		m := &pb.Message{Type: s.typ.Enum(), From: proto.Uint64(s.from), To: proto.Uint64(s.to), Term: proto.Uint64(s.term),
			LogTerm: proto.Uint64(s.logTerm), Index: proto.Uint64(s.index), Commit: proto.Uint64(s.commit),
			Vote: proto.Uint64(s.vote), Reject: proto.Bool(s.reject), RejectHint: proto.Uint64(s.rejectHint),
			Entries: x.ents, Snapshot: x.snap}
		e = e.WithMessage(m)
		e.Type = wire.MessageTypeName(s.typ)
	}
	if x.typ != "" {
		e.Type = x.typ
	}
	e.Text, e.Output, e.Outcome, e.Applied, e.Voters = x.text, x.output, x.outcome, x.applied, x.voters
	if x.ent != nil {
		e = e.WithEntry(x.ent)
	}
	if x.res != nil {
		e = e.WithApplied(x.res)
	}
	return e
}

// hashEvent folds an event into the running hash. Texts left for later
// (lazy) are functions of the hashed fields and message, so they are covered.
func (t *trace) hashEvent(e *wire.Event) {
	h := t.sum
	mix := func(v uint64) {
		h ^= v
		h *= 0x100000001b3
		h ^= h >> 29
	}
	mixString := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 0x100000001b3
		}
		mix(uint64(len(s)))
	}
	mix(e.Seq)
	mix(uint64(e.At))
	mixString(string(e.Kind))
	mix(uint64(e.Node))
	mix(uint64(e.Peer))
	mix(uint64(e.Term))
	mix(uint64(e.Index))
	mix(uint64(e.Index2))
	mix(e.Msg)
	mix(uint64(e.Client))
	mixString(e.Type)
	mixString(e.Text)
	if en := e.Entry(); en != nil {
		mix(en.GetIndex())
		mix(en.GetTerm())
		mix(uint64(en.GetType()))
		mixString(string(en.GetData()))
	}
	if m := e.Message(); m != nil {
		mix(uint64(m.GetType()))
		mix(m.GetTerm())
		mix(m.GetIndex())
		mix(m.GetLogTerm())
		mix(m.GetCommit())
		mix(uint64(len(m.GetEntries())))
		if m.GetReject() {
			mix(1)
		}
	}
	t.sum = h
}

// resize makes the trace keep up to keep events from now on, keeping the
// newest of those it has. Checkpoint replicas keep fewer events than the
// live cluster; a replica that goes live gets the full ring back.
func (t *trace) resize(keep int) {
	if cap(t.ring) == keep {
		return
	}
	n := len(t.ring)
	ring := make([]rec, 0, keep)
	for i := max(0, n-keep); i < n; i++ {
		ring = append(ring, t.ring[(t.next-n+i+cap(t.ring))%cap(t.ring)])
	}
	t.ring, t.next = ring, len(ring)%keep
}

// since returns the kept events with Seq > seq, oldest first, texts filled:
// only the newest max of them (0: no limit) and, with notable, none of the
// routine ones. Only the events returned are described.
func (t *trace) since(seq uint64, notable bool, max int) []wire.Event {
	n, size := len(t.ring), cap(t.ring)
	var picked []int // ring positions, newest first
	for i := n - 1; i >= 0 && (max <= 0 || len(picked) < max); i-- {
		at := (t.next - n + i + size) % size
		r := &t.ring[at]
		if r.seq <= seq {
			break // older events have smaller sequence numbers
		}
		if !notable || !wire.EventKinds()[r.kind].Routine {
			picked = append(picked, at)
		}
	}
	out := make([]wire.Event, 0, len(picked))
	for i := len(picked) - 1; i >= 0; i-- {
		out = append(out, t.ring[picked[i]].event().Read())
	}
	return out
}
