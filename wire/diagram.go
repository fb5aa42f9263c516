package wire

import (
	"cmp"
	"fmt"
	"iter"
	"slices"

	"github.com/seshat-raft/seshat/core"
)

// This file is the space-time diagram's data: for a window of virtual
// time, every message as a line from its sender's lane to its receiver's
// (sent, then delivered or lost), and the notable events as marks on the
// lanes, read from the kept trace. The page draws them (web/ui/diagram.js).

const (
	// MaxDiagramSpanMS is the longest window of virtual time a diagram
	// covers, in ms.
	MaxDiagramSpanMS = 60_000
	// DefaultDiagramMessages is how many messages a diagram lists when the
	// request does not say (the newest).
	DefaultDiagramMessages = 3000
	// MaxDiagramMessages is the most messages a diagram may list.
	MaxDiagramMessages = 20_000
	// MaxDiagramMarks is the most marks a diagram lists (the newest).
	MaxDiagramMarks = 2000
	// DefaultForkMS is how long past the fork point a fork is compared
	// with the original run (sim.StartFork) when the call does not say;
	// MaxForkMS bounds it.
	DefaultForkMS = 10_000
	MaxForkMS     = 600_000
)

// DiagramQuery asks for the diagram of the window of Span virtual ms that
// ends at To (0: now). Heartbeats asks for heartbeats and their answers
// too (left out by default: they are most of the lines and say little);
// Max bounds the messages listed (0: DefaultDiagramMessages).
type DiagramQuery struct {
	To         int64 `json:"to,omitempty"`
	Span       int64 `json:"span"`
	Heartbeats bool  `json:"heartbeats,omitempty"`
	Max        int   `json:"max,omitempty"`
}

// Message fates in a diagram (DiagramMessage.Fate).
const (
	// FateFlight is a message still in flight at the window's end (or
	// held, under manual delivery).
	FateFlight = 0
	// FateDelivered is a message delivered to its receiver at End.
	FateDelivered = 1
	// FateLost is a message lost at End (the network lost it, the
	// receiver was down or the link was cut, or a command dropped it).
	FateLost = 2
)

// DiagramMessage is one message of a diagram: ID, sent by From to To at
// Sent, of type Types[Type]; Fate and End say how and when it ended
// (End 0 while in flight); Due is when a message in flight at the
// window's end is due to arrive (0: held, or not known); Reject marks an answer that refuses (a vote
// refused, an append rejected).
type DiagramMessage struct {
	ID     uint64      `json:"id"`
	From   core.NodeID `json:"from"`
	To     core.NodeID `json:"to"`
	Type   int         `json:"type"`
	Sent   int64       `json:"sent"`
	End    int64       `json:"end,omitempty"`
	Fate   int         `json:"fate,omitempty"`
	Due    int64       `json:"due,omitempty"`
	Reject bool        `json:"reject,omitempty"`
}

// DiagramMark is a notable event on a node's lane: its Seq (the event log
// and the "why?" answers name it), time, node and kind, and Type (a role,
// a command kind...) as on the Event.
type DiagramMark struct {
	Seq  uint64      `json:"seq"`
	At   int64       `json:"at"`
	Node core.NodeID `json:"node,omitempty"`
	Kind EventKind   `json:"kind"`
	Type string      `json:"type,omitempty"`
}

// Diagram is the answer to a DiagramQuery: the window From..To (virtual
// ms), the lanes (Nodes, in id order), the message types (Types, which
// DiagramMessage.Type indexes), the messages that lived in the window,
// oldest first, and the marks in it. Kept is the time of the oldest event
// the trace still holds: before it the diagram knows nothing (a seek
// there rebuilds it). Cut counts messages left out by the query's Max (the
// oldest), CutMarks marks left out by MaxDiagramMarks.
type Diagram struct {
	From     int64            `json:"from"`
	To       int64            `json:"to"`
	Kept     int64            `json:"kept"`
	Nodes    []core.NodeID    `json:"nodes"`
	Types    []string         `json:"types"`
	Messages []DiagramMessage `json:"messages"`
	Marks    []DiagramMark    `json:"marks"`
	Cut      int              `json:"cut,omitempty"`
	CutMarks int              `json:"cut_marks,omitempty"`
}

// IsHeartbeat says whether a message type is a heartbeat or its answer
// (what DiagramQuery.Heartbeats leaves out by default).
func IsHeartbeat(typ string) bool { return typ == "MsgHeartbeat" || typ == "MsgHeartbeatResp" }

// BuildDiagram answers q from events (oldest first, as the trace keeps
// them), for a cluster whose lanes are nodes and whose time is now. It
// reads each event once and keeps one record per message sent.
func BuildDiagram(events iter.Seq[*Event], nodes []core.NodeID, now int64, q DiagramQuery) (Diagram, error) {
	if q.Span < 1 || q.Span > MaxDiagramSpanMS {
		return Diagram{}, fmt.Errorf("%w: diagram: span %d ms; from 1 to %d", ErrBadCommand, q.Span, MaxDiagramSpanMS)
	}
	if q.Max < 0 || q.Max > MaxDiagramMessages {
		return Diagram{}, fmt.Errorf("%w: diagram: max %d messages; from 0 (the default, %d) to %d", ErrBadCommand, q.Max, DefaultDiagramMessages, MaxDiagramMessages)
	}
	if q.To < 0 {
		return Diagram{}, fmt.Errorf("%w: diagram: to %d ms; 0 (now) or a time", ErrBadCommand, q.To)
	}
	to := q.To
	if to == 0 || to > now {
		to = now
	}
	d := Diagram{From: max(0, to-q.Span), To: to, Kept: -1, Nodes: slices.Clone(nodes), Types: []string{}, Messages: []DiagramMessage{}, Marks: []DiagramMark{}}
	types := map[string]int{}
	at := map[uint64]int{} // message id -> its place in d.Messages
	for e := range events {
		if d.Kept < 0 {
			d.Kept = e.At
		}
		if e.At > to {
			break
		}
		switch e.Kind {
		case EvSend, EvDuplicate:
			if !q.Heartbeats && IsHeartbeat(e.Type) {
				continue
			}
			t, ok := types[e.Type]
			if !ok {
				t = len(d.Types)
				types[e.Type] = t
				d.Types = append(d.Types, e.Type)
			}
			at[e.Msg] = len(d.Messages)
			m := e.Message()
			d.Messages = append(d.Messages, DiagramMessage{ID: e.Msg, From: e.Node, To: e.Peer, Type: t, Sent: e.At, Reject: m != nil && m.GetReject()})
		case EvDeliver, EvDrop:
			if i, ok := at[e.Msg]; ok {
				d.Messages[i].End, d.Messages[i].Fate = e.At, FateDelivered
				if e.Kind == EvDrop {
					d.Messages[i].Fate = FateLost
				}
			}
		default:
			if e.At >= d.From && !e.Routine() {
				d.Marks = append(d.Marks, DiagramMark{Seq: e.Seq, At: e.At, Node: e.Node, Kind: e.Kind, Type: e.Type})
			}
		}
	}
	if d.Kept < 0 {
		d.Kept = now
	}
	// The messages that lived in the window: ended in it or after, or
	// still in flight.
	live := d.Messages[:0]
	for _, m := range d.Messages {
		if m.Fate == FateFlight || m.End >= d.From {
			live = append(live, m)
		}
	}
	limit := cmp.Or(q.Max, DefaultDiagramMessages)
	if n := len(live); n > limit {
		d.Cut, live = n-limit, live[n-limit:]
	}
	d.Messages = live
	if n := len(d.Marks); n > MaxDiagramMarks {
		d.CutMarks, d.Marks = n-MaxDiagramMarks, d.Marks[n-MaxDiagramMarks:]
	}
	return d, nil
}
