package sim

import (
	"encoding/binary"
	"hash"
	"hash/fnv"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
)

// EventKind names what happened.
type EventKind string

// The kinds of trace events.
const (
	EvTimeout         EventKind = "timeout"          // a node's election timeout fired
	EvSend            EventKind = "send"             // a message left a node
	EvDeliver         EventKind = "deliver"          // a message reached its destination
	EvDrop            EventKind = "drop"             // a message was lost
	EvDuplicate       EventKind = "duplicate"        // the network duplicated a message
	EvRole            EventKind = "role"             // a node changed role
	EvTerm            EventKind = "term"             // a node moved to a new term
	EvVote            EventKind = "vote"             // a node voted
	EvLeader          EventKind = "leader"           // a node learnt of a (new) leader, or lost it
	EvAppend          EventKind = "append"           // entries were appended to a node's log
	EvCommit          EventKind = "commit"           // a node's commit index advanced
	EvApply           EventKind = "apply"            // a node applied committed entries
	EvSnapshotCreate  EventKind = "snapshot-create"  // a node took a snapshot (and compacted)
	EvSnapshotSend    EventKind = "snapshot-send"    // a leader sent a snapshot
	EvSnapshotInstall EventKind = "snapshot-install" // a node installed a leader's snapshot
	EvConfChange      EventKind = "conf-change"      // a membership change was applied
	EvCrash           EventKind = "crash"            // a node crashed
	EvRestart         EventKind = "restart"          // a node restarted from its storage
	EvPartition       EventKind = "partition"        // links were cut
	EvHeal            EventKind = "heal"             // links were restored
	EvNetwork         EventKind = "network"          // network parameters changed
	EvClientInvoke    EventKind = "client-invoke"    // a client sent a request
	EvClientReturn    EventKind = "client-return"    // a client got an answer or gave up
	EvViolation       EventKind = "violation"        // a safety checker found a violation
	EvCommand         EventKind = "command"          // a command from outside was applied
)

// Event is one thing that happened, at virtual time At (ms). Seq numbers
// events from 1 in the order they happened. Fields that do not apply are zero.
type Event struct {
	Seq    uint64        `json:"seq"`
	At     int64         `json:"at"`
	Kind   EventKind     `json:"kind"`
	Node   core.NodeID   `json:"node,omitempty"`
	Peer   core.NodeID   `json:"peer,omitempty"`
	Term   core.Term     `json:"term,omitempty"`
	Index  core.LogIndex `json:"index,omitempty"`
	Index2 core.LogIndex `json:"index2,omitempty"` // end of a range of indexes
	Msg    uint64        `json:"msg,omitempty"`    // message id
	Type   string        `json:"type,omitempty"`   // message type, role, client operation...
	Client int           `json:"client,omitempty"` // client id
	Text   string        `json:"text"`             // one-line human description

	m *pb.Message // for describing messages lazily
}

// describe fills Text if it was left for later.
func (e *Event) describe() {
	if e.Text != "" || e.m == nil {
		return
	}
	d := raft.DescribeMessage(e.m, statemachine.FormatEntryData)
	switch e.Kind {
	case EvSend:
		e.Text = "sent " + d
	case EvDeliver:
		e.Text = "delivered " + d
	case EvDuplicate:
		e.Text = "network duplicated " + d
	default:
		e.Text = d
	}
}

// trace keeps the most recent events in a ring and a running hash of every
// event ever recorded, so determinism can be checked over long runs without
// keeping them all.
type trace struct {
	ring  []Event
	next  int // ring position of the next event
	count uint64
	h     hash.Hash64
	buf   []byte
	off   bool // record nothing (fast replay)
}

// defaultTraceKeep is how many recent events the trace keeps.
const defaultTraceKeep = 20_000

func newTrace(keep int) *trace {
	return &trace{ring: make([]Event, 0, keep), h: fnv.New64a()}
}

func (t *trace) add(e Event) {
	if t.off {
		return
	}
	t.count++
	e.Seq = t.count
	t.hashEvent(&e)
	if len(t.ring) < cap(t.ring) {
		t.ring = append(t.ring, e)
	} else {
		t.ring[t.next] = e
	}
	t.next = (t.next + 1) % cap(t.ring)
}

func (t *trace) hashEvent(e *Event) {
	b := t.buf[:0]
	b = binary.AppendUvarint(b, e.Seq)
	b = binary.AppendVarint(b, e.At)
	b = append(b, e.Kind...)
	b = append(b, 0)
	for _, v := range []uint64{uint64(e.Node), uint64(e.Peer), uint64(e.Term), uint64(e.Index), uint64(e.Index2), e.Msg, uint64(e.Client)} {
		b = binary.AppendUvarint(b, v)
	}
	b = append(b, e.Type...)
	b = append(b, 0)
	b = append(b, e.Text...)
	if e.m != nil {
		b = binary.AppendUvarint(b, uint64(e.m.GetType()))
		b = binary.AppendUvarint(b, e.m.GetTerm())
		b = binary.AppendUvarint(b, e.m.GetIndex())
		b = binary.AppendUvarint(b, e.m.GetLogTerm())
		b = binary.AppendUvarint(b, e.m.GetCommit())
		b = binary.AppendUvarint(b, uint64(len(e.m.GetEntries())))
		if e.m.GetReject() {
			b = append(b, 1)
		}
	}
	t.h.Write(b)
	t.buf = b
}

// since returns the kept events with Seq > seq, oldest first, texts filled.
func (t *trace) since(seq uint64) []Event {
	n := len(t.ring)
	var out []Event
	for i := 0; i < n; i++ {
		e := t.ring[(t.next-n+i+cap(t.ring))%cap(t.ring)]
		if e.Seq <= seq {
			continue
		}
		e.describe()
		e.m = nil
		out = append(out, e)
	}
	return out
}
