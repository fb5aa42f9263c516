package export

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// TraceEvent is one event of the Chrome trace-event format (the JSON Object
// Format's traceEvents), with the fields WriteChromeTrace uses. Ts and Dur
// are microseconds.
type TraceEvent struct {
	Name string `json:"name"`
	Cat  string `json:"cat,omitempty"`
	// Ph is the phase: "M" metadata, "X" a complete slice, "i" an instant,
	// "s" and "f" the start and end of a flow arrow.
	Ph  string `json:"ph"`
	Ts  int64  `json:"ts"`
	Dur *int64 `json:"dur,omitempty"` // "X" only
	Pid int    `json:"pid"`
	Tid int    `json:"tid"`
	// ID ties the "s" and "f" events of one flow.
	ID string `json:"id,omitempty"`
	// S is an instant's scope ("t": its thread); Bp is a flow end's binding
	// point ("e": the slice enclosing it).
	S    string         `json:"s,omitempty"`
	Bp   string         `json:"bp,omitempty"`
	Args map[string]any `json:"args,omitempty"`
}

// ChromeTrace is the JSON Object Format of a Chrome trace.
type ChromeTrace struct {
	TraceEvents     []TraceEvent `json:"traceEvents"`
	DisplayTimeUnit string       `json:"displayTimeUnit"`
}

// TracePid is the process every track belongs to; NetworkTid is the track
// of events that belong to no node (partitions, heals, network settings,
// client requests sent from the console).
const (
	TracePid   = 1
	NetworkTid = 0
)

// instantKinds are the kinds WriteChromeTrace draws as instants on the
// node's track (or the network's, for an event with no node). Messages are
// flows; roles and terms are slices; appends and applies are left out as
// too many to read (commits stand for them).
var instantKinds = map[wire.EventKind]bool{
	wire.EvTimeout: true, wire.EvDrop: true, wire.EvVote: true, wire.EvLeader: true,
	wire.EvCommit: true, wire.EvSnapshotCreate: true, wire.EvSnapshotSend: true,
	wire.EvSnapshotInstall: true, wire.EvConfChange: true, wire.EvCrash: true,
	wire.EvRestart: true, wire.EvPartition: true, wire.EvHeal: true, wire.EvNetwork: true,
	wire.EvClientInvoke: true, wire.EvClientReturn: true, wire.EvViolation: true,
	wire.EvCommand: true,
}

// InstantKind reports whether WriteChromeTrace draws events of kind k as
// instants ("ph":"i").
func InstantKind(k wire.EventKind) bool { return instantKinds[k] }

// BuildChromeTrace is the trace WriteChromeTrace writes; see there.
func BuildChromeTrace(events []wire.Event, nodes int) ChromeTrace {
	tr := ChromeTrace{TraceEvents: []TraceEvent{}, DisplayTimeUnit: "ms"}
	add := func(e TraceEvent) { tr.TraceEvents = append(tr.TraceEvents, e) }

	// Tracks: the network, then every node named in the events or below nodes.
	maxNode := nodes
	for _, e := range events {
		maxNode = max(maxNode, int(e.Node), int(e.Peer))
	}
	add(TraceEvent{Name: "process_name", Ph: "M", Pid: TracePid, Tid: NetworkTid, Args: map[string]any{"name": "seshat"}})
	for tid := 0; tid <= maxNode; tid++ {
		name := "network"
		if tid > 0 {
			name = core.NodeID(tid).String()
		}
		add(TraceEvent{Name: "thread_name", Ph: "M", Pid: TracePid, Tid: tid, Args: map[string]any{"name": name}})
		add(TraceEvent{Name: "thread_sort_index", Ph: "M", Pid: TracePid, Tid: tid, Args: map[string]any{"sort_index": tid}})
	}
	if len(events) == 0 {
		return tr
	}

	// Slices: each node's role and term, from its first event to the end.
	type span struct {
		role  string
		term  core.Term
		since int64
		open  bool
	}
	spans := make([]span, maxNode+1)
	endAt := events[len(events)-1].At
	closeSpan := func(n int, at int64) {
		s := &spans[n]
		if !s.open {
			return
		}
		dur := us(at) - us(s.since)
		name := s.role
		if s.role != "down" {
			name = fmt.Sprintf("%s, term %d", s.role, s.term)
		}
		add(TraceEvent{Name: name, Cat: "role", Ph: "X", Ts: us(s.since), Dur: &dur, Pid: TracePid, Tid: n,
			Args: map[string]any{"role": s.role, "term": uint64(s.term)}})
		s.open = false
	}
	openSpan := func(n int, at int64, role string, term core.Term) {
		closeSpan(n, at)
		spans[n] = span{role: role, term: term, since: at, open: true}
	}
	starts := map[uint64]wire.Event{} // message id -> its send (or duplication)

	for _, e := range events {
		n := int(e.Node)
		if n > 0 && !spans[n].open {
			role := string(core.RoleFollower)
			if e.Kind == wire.EvCrash {
				role = "down"
			}
			openSpan(n, e.At, role, e.Term)
		}
		switch {
		case n == 0 && (e.Kind == wire.EvRole || e.Kind == wire.EvTerm || e.Kind == wire.EvCrash || e.Kind == wire.EvRestart):
			// a node's event without its node: no track to put it on
		case e.Kind == wire.EvRole:
			openSpan(n, e.At, e.Type, max(e.Term, spans[n].term))
		case e.Kind == wire.EvTerm:
			if e.Term != spans[n].term && spans[n].role != "down" {
				openSpan(n, e.At, spans[n].role, e.Term)
			}
		case e.Kind == wire.EvCrash:
			openSpan(n, e.At, "down", spans[n].term)
		case e.Kind == wire.EvRestart:
			openSpan(n, e.At, string(core.RoleFollower), e.Term)
		case e.Kind == wire.EvSend || e.Kind == wire.EvDuplicate:
			starts[e.Msg] = e
		case e.Kind == wire.EvDeliver:
			s, ok := starts[e.Msg]
			if !ok {
				break // sent before the first event kept
			}
			delete(starts, e.Msg)
			id := fmt.Sprintf("m%d", e.Msg)
			name := e.Type
			args := map[string]any{"msg": e.Msg, "from": s.Node.String(), "to": e.Node.String()}
			add(TraceEvent{Name: name, Cat: "message", Ph: "s", Ts: us(s.At), Pid: TracePid, Tid: int(s.Node), ID: id, Args: args})
			add(TraceEvent{Name: name, Cat: "message", Ph: "f", Bp: "e", Ts: us(e.At), Pid: TracePid, Tid: n, ID: id, Args: args})
		}
		if instantKinds[e.Kind] {
			add(TraceEvent{Name: string(e.Kind), Cat: "event", Ph: "i", S: "t", Ts: us(e.At), Pid: TracePid, Tid: n,
				Args: map[string]any{"seq": e.Seq, "text": e.Text}})
		}
	}
	for n := range spans {
		closeSpan(n, endAt)
	}
	return tr
}

// WriteChromeTrace writes events (a run's trace, as Cluster.Events returns
// it, in order) to w as Chrome trace-event JSON in the JSON Object Format
// ({"traceEvents": [...], "displayTimeUnit": "ms"}), which Perfetto and
// Chrome's about:tracing open. Times are virtual: ts is the event's At in
// microseconds.
//
// Everything is in process TracePid. Track NetworkTid ("network") holds
// events of no node; track i ("n1", "n2", ...) holds node i's, for every
// node up to nodes or named in an event (thread_name and thread_sort_index
// metadata name and order them). On a node's track:
//
//   - complete slices ("ph":"X", cat "role") for its role and term, from
//     the first event that names it to the end of the trace, a new slice at
//     each role or term change, and a "down" slice from a crash to the
//     restart;
//   - instants ("ph":"i", "s":"t", cat "event") for the kinds InstantKind
//     names: timeouts, votes, leader changes, commits, crashes, restarts,
//     drops, snapshots, membership changes, client requests, commands,
//     violations, partitions and heals;
//   - for each message delivered whose send (or duplication) is in events,
//     a flow ("ph":"s" on the sender's track at the send, "ph":"f" with
//     "bp":"e" on the receiver's at the delivery, cat "message", id "m" and
//     the message id). A message lost or still in flight has no arrow.
//
// The output is a pure function of events and nodes. The error is the
// first write error.
func WriteChromeTrace(w io.Writer, events []wire.Event, nodes int) error {
	enc := json.NewEncoder(w)
	return enc.Encode(BuildChromeTrace(events, nodes))
}

// us is virtual milliseconds in microseconds.
func us(ms int64) int64 { return ms * 1000 }
