package wire

import (
	"fmt"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
)

// EventKind names what happened.
type EventKind string

// The kinds of trace events; EventKinds says what each means and which
// are routine.
const (
	EvTimeout         EventKind = "timeout"
	EvSend            EventKind = "send"
	EvDeliver         EventKind = "deliver"
	EvDrop            EventKind = "drop"
	EvDuplicate       EventKind = "duplicate"
	EvRole            EventKind = "role"
	EvTerm            EventKind = "term"
	EvVote            EventKind = "vote"
	EvLeader          EventKind = "leader"
	EvAppend          EventKind = "append"
	EvCommit          EventKind = "commit"
	EvApply           EventKind = "apply"
	EvSnapshotCreate  EventKind = "snapshot-create"
	EvSnapshotSend    EventKind = "snapshot-send"
	EvSnapshotInstall EventKind = "snapshot-install"
	EvConfChange      EventKind = "conf-change"
	EvCrash           EventKind = "crash"
	EvRestart         EventKind = "restart"
	EvPartition       EventKind = "partition"
	EvHeal            EventKind = "heal"
	EvNetwork         EventKind = "network"
	EvClientInvoke    EventKind = "client-invoke"
	EvClientReturn    EventKind = "client-return"
	EvViolation       EventKind = "violation"
	EvCommand         EventKind = "command"
)

// EventKindInfo is what the schema says of one kind of event: a line
// saying what it means, and whether it is routine traffic (the bulk of a
// busy trace, left out when a caller asks for notable events only).
type EventKindInfo struct {
	Kind    EventKind `json:"kind"`
	Doc     string    `json:"doc"`
	Routine bool      `json:"routine,omitempty"`
}

// eventKinds is the one table of event kinds, in the order of the Ev
// constants. Routine kinds: a message sent, delivered, dropped or
// duplicated, entries appended, committed or applied; every other event
// (elections, faults, snapshots, membership, clients, commands,
// violations) is notable.
var eventKinds = []EventKindInfo{
	{EvTimeout, "a node's election timeout fired", false},
	{EvSend, "a message left a node", true},
	{EvDeliver, "a message reached its destination", true},
	{EvDrop, "a message was lost", true},
	{EvDuplicate, "the network duplicated a message", true},
	{EvRole, "a node changed role", false},
	{EvTerm, "a node moved to a new term", false},
	{EvVote, "a node voted, or refused a vote", false},
	{EvLeader, "a node learnt of a (new) leader, or lost it", false},
	{EvAppend, "entries were appended to a node's log", true},
	{EvCommit, "a node's commit index advanced", true},
	{EvApply, "a node applied committed entries", true},
	{EvSnapshotCreate, "a node took a snapshot (and compacted)", false},
	{EvSnapshotSend, "a leader sent a snapshot", false},
	{EvSnapshotInstall, "a node installed a leader's snapshot", false},
	{EvConfChange, "a membership change was applied", false},
	{EvCrash, "a node crashed", false},
	{EvRestart, "a node restarted from its storage", false},
	{EvPartition, "links were cut", false},
	{EvHeal, "links were restored", false},
	{EvNetwork, "network parameters changed", false},
	{EvClientInvoke, "a client sent a request", false},
	{EvClientReturn, "a client got an answer or gave up", false},
	{EvViolation, "a safety checker found a violation", false},
	{EvCommand, "a command from outside was applied", false},
}

// routineKinds is the set of routine kinds, from eventKinds.
var routineKinds = func() map[EventKind]bool {
	m := map[EventKind]bool{}
	for _, k := range eventKinds {
		if k.Routine {
			m[k.Kind] = true
		}
	}
	return m
}()

// EventKinds returns the table of event kinds, in a fixed order. The
// caller may not modify it.
func EventKinds() []EventKindInfo { return eventKinds }

// Routine reports whether events of kind k are routine traffic (see
// EventKinds).
func (k EventKind) Routine() bool { return routineKinds[k] }

// Outcome is how a client request ended, as its EvClientReturn event says.
type Outcome string

// The outcomes of a client request.
const (
	// OutcomeOK is a request answered: Output is the answer ("OK" for a
	// set, "1" or "0" for a del, the value for a get).
	OutcomeOK Outcome = "ok"
	// OutcomeNotFound is a get of a key the store does not hold.
	OutcomeNotFound Outcome = "not-found"
	// OutcomeUnknown is a write given up on after a leader accepted it: it
	// may or may not be applied.
	OutcomeUnknown Outcome = "unknown"
	// OutcomeFailed is a request given up on that certainly had no effect.
	OutcomeFailed Outcome = "failed"
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
	Msg    uint64        `json:"msg,omitempty"`    // message id; for a client event, the request id
	Type   string        `json:"type,omitempty"`   // message type, role, client operation...
	Client int           `json:"client,omitempty"` // client id
	Text   string        `json:"text"`             // one-line human description
	// Outcome is how a client request ended, on its EvClientReturn event;
	// Output is its answer when it has one (OutcomeOK).
	Outcome Outcome `json:"outcome,omitempty"`
	Output  string  `json:"output,omitempty"`
	// Applied lists, on an EvApply event, the applied entries that carried
	// a client operation, each with its facts as fields (the Text says the
	// same in words). It is filled when the event is read (Read); the trace
	// hash does not cover it, as it says nothing the hashed Type does not.
	Applied []AppliedEntry `json:"applied,omitempty"`
	// Voters are, on an EvConfChange event, the voters once the change
	// applied (the Text says the same in words). The trace hash does not
	// cover it: it follows from the hashed Text.
	Voters []core.NodeID `json:"voters,omitempty"`

	m   *pb.Message           // for describing messages lazily
	ent *pb.Entry             // for describing a single appended entry lazily
	res []statemachine.Result // for listing applied entries lazily
}

// AppliedEntry is one applied log entry that carried a client operation.
type AppliedEntry struct {
	Index core.LogIndex `json:"index"`
	Term  core.Term     `json:"term"`
	// Request is the request id the client put in the operation (0: none).
	Request uint64 `json:"request,omitempty"`
	Op      OpKind `json:"op"`
	Key     string `json:"key"`
	Value   string `json:"value,omitempty"` // a set's value
	// Output is the state machine's answer: "OK" for a set, "1" or "0" for
	// a del (whether the key existed).
	Output string `json:"output"`
}

// WithApplied returns e, an EvApply event, carrying rs, the results of the
// entries it applied, listed in Applied when e is read. rs must not be
// modified afterwards.
func (e Event) WithApplied(rs []statemachine.Result) Event {
	e.res = rs
	return e
}

// appliedEntries lists the results that carry an operation.
func appliedEntries(rs []statemachine.Result) []AppliedEntry {
	var out []AppliedEntry
	for _, r := range rs {
		if r.Op == nil {
			continue
		}
		out = append(out, AppliedEntry{Index: core.LogIndex(r.Index), Term: core.Term(r.Term), Request: r.Op.ID,
			Op: OpKind(r.Op.Kind.String()), Key: r.Op.Key, Value: r.Op.Value, Output: r.Output})
	}
	return out
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
	d := DescribeMessage(e.m)
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

// Routine reports whether e is routine traffic, the bulk of a busy trace:
// a message sent, delivered, dropped or duplicated, or entries appended,
// committed or applied (EventKind.Routine, from the table EventKinds).
func (e *Event) Routine() bool { return e.Kind.Routine() }

// WithMessage returns e carrying m, for an event about a message (EvSend,
// EvDeliver, EvDuplicate) whose Text (left empty) is described from m only
// when read. m must not be modified afterwards.
func (e Event) WithMessage(m *pb.Message) Event {
	e.m = m
	return e
}

// WithEntry returns e carrying ent, for an EvAppend event of a single entry
// whose Text (left empty) is described from it only when read.
// ent must not be modified afterwards.
func (e Event) WithEntry(ent *pb.Entry) Event {
	e.ent = ent
	return e
}

// CopyTo sets *dst to e, as *dst = *e does, but skips the string, slice
// and pointer fields that are empty in both. A trace that recycles a ring
// of events uses it: most fields of most events are empty, and each pointer
// written costs the garbage collector a write barrier while it marks, a
// notable cost under WebAssembly. A field added to Event must be added here.
func (e *Event) CopyTo(dst *Event) {
	dst.Seq, dst.At, dst.Node, dst.Peer, dst.Term = e.Seq, e.At, e.Node, e.Peer, e.Term
	dst.Index, dst.Index2, dst.Msg, dst.Client = e.Index, e.Index2, e.Msg, e.Client
	dst.Kind, dst.Type = e.Kind, e.Type // (almost) always set
	if len(dst.Text) != 0 || len(e.Text) != 0 {
		dst.Text = e.Text
	}
	if len(dst.Outcome) != 0 || len(e.Outcome) != 0 {
		dst.Outcome = e.Outcome
	}
	if len(dst.Output) != 0 || len(e.Output) != 0 {
		dst.Output = e.Output
	}
	if dst.Applied != nil || e.Applied != nil {
		dst.Applied = e.Applied
	}
	if dst.Voters != nil || e.Voters != nil {
		dst.Voters = e.Voters
	}
	if dst.m != nil || e.m != nil {
		dst.m = e.m
	}
	if dst.ent != nil || e.ent != nil {
		dst.ent = e.ent
	}
	if dst.res != nil || e.res != nil {
		dst.res = e.res
	}
}

// Message returns the message e carries for its description (WithMessage),
// or nil.
func (e *Event) Message() *pb.Message { return e.m }

// Entry returns the entry e carries for its description (WithEntry), or
// nil.
func (e *Event) Entry() *pb.Entry { return e.ent }

// Read returns e as a trace returns it: Text filled if it was left for
// later (from the fields, or from the message or entry it carries), those
// references dropped, and the applied operations that an EvApply event
// keeps in Type moved into its Text.
func (e Event) Read() Event {
	e.describe()
	if e.res != nil {
		e.Applied = appliedEntries(e.res)
	}
	e.m, e.ent, e.res = nil, nil, nil
	if e.Kind == EvApply {
		e.Type = ""
	}
	return e
}

// Described returns e as Read does, with Text, Type and Output cut at
// MaxTextBytes, as views cut texts: a producer that keeps described events
// keeps at most that much of each.
func (e Event) Described() Event {
	e = e.Read()
	e.Text, e.Type, e.Output = CutText(e.Text), CutText(e.Type), CutText(e.Output)
	for i := range e.Applied {
		a := &e.Applied[i]
		a.Key, a.Value, a.Output = CutText(a.Key), CutText(a.Value), CutText(a.Output)
	}
	return e
}
