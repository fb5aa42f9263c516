package sim

import (
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
)

// This file exports small pure pieces of the simulator's view and trace
// building, so that another producer of the same schema (the dev server's
// native cluster, package native) describes nodes, entries, messages and
// events exactly as the simulator does.

// WithEntry returns e carrying ent, for an EvAppend event of a single entry
// whose Text (left empty) is described from it only when read with
// Described, as the simulator does. ent must not be modified afterwards.
func (e Event) WithEntry(ent *pb.Entry) Event {
	e.ent = ent
	return e
}

// Described returns e as the simulator's Events returns it: Text filled if
// it was left for later (from the fields, or from the entry given with
// WithEntry), that reference dropped, and the applied operations that an
// EvApply event keeps in Type moved into its Text. The text is cut at
// MaxTextBytes, as views cut texts: a producer that keeps described events
// keeps at most that much of each.
func (e Event) Described() Event {
	e.describe()
	e.m, e.ent = nil, nil
	if e.Kind == EvApply {
		e.Type = ""
	}
	e.Text, e.Type = CutText(e.Text), CutText(e.Type)
	return e
}

// EntryViewOf returns the view of one log entry: index, term, type and the
// decoded operation or membership change.
func EntryViewOf(e *pb.Entry) EntryView { return entryView(e) }

// DescribeConfChange says what a membership change does, in words: "add
// n4", "remove n2", "leave joint configuration".
func DescribeConfChange(cc pb.ConfChangeI) string { return describeConfChange(cc) }

// MessageTypeName returns etcd's name of a message type, e.g. "MsgApp",
// without going through protobuf reflection.
func MessageTypeName(t pb.MessageType) string { return msgTypeName(t) }

// AppliedOps lists the operations among applied entries as an EvApply event
// carries them in Type: "5:set k=v→OK, 6:del k→1".
func AppliedOps(rs []statemachine.Result) string { return appliedOps(rs) }

// DescribeOp formats a client operation: "set k=v", "get k", "del k".
func DescribeOp(kind OpKind, key, value string) string { return describeOp(kind, key, value) }

// NodeList formats node ids sorted and deduplicated: "n1, n3, n5".
func NodeList(ids []core.NodeID) string { return nodeList(ids) }

// MessageViewOf returns the view of message m as the simulator shows a
// message in flight, with every field taken from m filled (From, To, Type,
// Term, Index, LogTerm, Commit, Entries, Response, Reject, Text); the caller
// sets ID, SentAt, DeliverAt and Lost.
func MessageViewOf(m *pb.Message) MessageView {
	return MessageView{
		From: core.NodeID(m.GetFrom()), To: core.NodeID(m.GetTo()), Type: msgTypeName(m.GetType()), Term: core.Term(m.GetTerm()),
		Index: core.LogIndex(m.GetIndex()), LogTerm: core.Term(m.GetLogTerm()), Commit: core.LogIndex(m.GetCommit()),
		Entries: len(m.GetEntries()), Response: raft.IsResponseMsg(m.GetType()), Reject: m.GetReject(),
		Text: raft.DescribeMessage(m, statemachine.FormatEntryData),
	}
}
