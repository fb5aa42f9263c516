package sim

import (
	"fmt"

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

	m   *pb.Message // for describing messages lazily
	ent *pb.Entry   // for describing a single appended entry lazily
}

// describe fills Text if it was left for later: the frequent events are
// described only when read, from their fields.
func (e *Event) describe() {
	if e.Text != "" {
		return
	}
	switch e.Kind {
	case EvTerm:
		e.Text = fmt.Sprintf("%s moved to term %d", e.Node, e.Term)
		return
	case EvVote:
		if e.Peer == e.Node {
			e.Text = fmt.Sprintf("%s voted for itself in term %d", e.Node, e.Term)
		} else {
			e.Text = fmt.Sprintf("%s voted for %s in term %d", e.Node, e.Peer, e.Term)
		}
		return
	case EvCommit:
		e.Text = fmt.Sprintf("%s learnt that entries up to %d are committed", e.Node, e.Index2)
		return
	case EvAppend:
		if e.ent != nil {
			e.Text = fmt.Sprintf("%s appended entry %s", e.Node, raft.DescribeEntry(e.ent, statemachine.FormatEntryData))
		} else {
			e.Text = fmt.Sprintf("%s appended entries %d..%d (term %d)", e.Node, e.Index, e.Index2, e.Term)
		}
		return
	case EvApply:
		if e.Index == e.Index2 {
			e.Text = fmt.Sprintf("%s applied entry %d", e.Node, e.Index)
		} else {
			e.Text = fmt.Sprintf("%s applied entries %d..%d", e.Node, e.Index, e.Index2)
		}
		if e.Type != "" {
			e.Text += ": " + e.Type
		}
		return
	}
	if e.m == nil {
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
	sum   uint64 // running hash of every event
	off   bool   // record nothing (fast replay)
}

// defaultTraceKeep is how many recent events the trace keeps.
const defaultTraceKeep = 20_000

func newTrace(keep int) *trace {
	return &trace{ring: make([]Event, 0, keep), sum: 0xcbf29ce484222325}
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

// hashEvent folds an event into the running hash. Texts left for later
// (lazy) are functions of the hashed fields and message, so they are covered.
func (t *trace) hashEvent(e *Event) {
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
	if en := e.ent; en != nil {
		mix(en.GetIndex())
		mix(en.GetTerm())
		mix(uint64(en.GetType()))
		mixString(string(en.GetData()))
	}
	if m := e.m; m != nil {
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
	ring := make([]Event, 0, keep)
	for i := max(0, n-keep); i < n; i++ {
		ring = append(ring, t.ring[(t.next-n+i+cap(t.ring))%cap(t.ring)])
	}
	t.ring, t.next = ring, len(ring)%keep
}

// Routine reports whether e is routine traffic, the bulk of a busy trace:
// a message sent, delivered, dropped or duplicated, or entries appended,
// committed or applied. Every other event (elections, faults, snapshots,
// membership, clients, commands, violations) is notable.
func (e *Event) Routine() bool {
	switch e.Kind {
	case EvSend, EvDeliver, EvDrop, EvDuplicate, EvAppend, EvCommit, EvApply:
		return true
	}
	return false
}

// since returns the kept events with Seq > seq, oldest first, texts filled:
// only the newest max of them (0: no limit) and, with notable, none of the
// routine ones. Only the events returned are described.
func (t *trace) since(seq uint64, notable bool, max int) []Event {
	n, size := len(t.ring), cap(t.ring)
	var picked []int // ring positions, newest first
	for i := n - 1; i >= 0 && (max <= 0 || len(picked) < max); i-- {
		at := (t.next - n + i + size) % size
		e := &t.ring[at]
		if e.Seq <= seq {
			break // older events have smaller sequence numbers
		}
		if !notable || !e.Routine() {
			picked = append(picked, at)
		}
	}
	out := make([]Event, 0, len(picked))
	for i := len(picked) - 1; i >= 0; i-- {
		e := t.ring[picked[i]]
		e.describe()
		e.m, e.ent = nil, nil
		if e.Kind == EvApply {
			e.Type = ""
		}
		out = append(out, e)
	}
	return out
}
