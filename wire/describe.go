package wire

import (
	"slices"
	"strconv"
	"strings"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
)

// This file describes the parts of a view and of events in words, so that
// every producer of the schema (the simulator, the native cluster, a hosted
// member) describes nodes, entries, messages and operations alike.

// EntryViewOf returns the view of one log entry: index, term, type and the
// decoded operation or membership change.
func EntryViewOf(e *pb.Entry) EntryView {
	ev := EntryView{Index: core.LogIndex(e.GetIndex()), Term: core.Term(e.GetTerm())}
	switch e.GetType() {
	case pb.EntryConfChange:
		ev.Type = "conf-change"
		var cc pb.ConfChange
		if err := proto.Unmarshal(e.GetData(), &cc); err == nil {
			ev.Op = DescribeConfChange(&cc)
		}
	case pb.EntryConfChangeV2:
		ev.Type = "conf-change-v2"
		var cc pb.ConfChangeV2
		if err := proto.Unmarshal(e.GetData(), &cc); err == nil {
			ev.Op = DescribeConfChange(&cc)
		}
	default:
		ev.Type = "normal"
		ev.Op = statemachine.FormatEntryData(e.GetData())
	}
	ev.Op = CutText(ev.Op)
	return ev
}

// DescribeConfChange says what a membership change does, in words: "add n4",
// "remove n2", "add learner n5, remove n1", "leave joint configuration".
func DescribeConfChange(cc pb.ConfChangeI) string {
	v2 := cc.AsV2()
	if len(v2.GetChanges()) == 0 {
		return "leave joint configuration"
	}
	parts := make([]string, 0, len(v2.GetChanges()))
	for _, ch := range v2.GetChanges() {
		id := core.NodeID(ch.GetNodeId()).String()
		switch ch.GetType() {
		case pb.ConfChangeAddNode:
			parts = append(parts, "add "+id)
		case pb.ConfChangeRemoveNode:
			parts = append(parts, "remove "+id)
		case pb.ConfChangeAddLearnerNode:
			parts = append(parts, "add learner "+id)
		default:
			parts = append(parts, "update "+id)
		}
	}
	s := strings.Join(parts, ", ")
	if _, joint := v2.EnterJoint(); joint {
		s += " (joint)"
	}
	return s
}

// MessageViewOf returns the view of message m as the simulator shows a
// message in flight, with every field taken from m filled (From, To, Type,
// Term, Index, LogTerm, Commit, Entries, Response, Reject, Text); the caller
// sets ID, SentAt, DeliverAt and Lost.
func MessageViewOf(m *pb.Message) MessageView {
	return MessageView{
		From: core.NodeID(m.GetFrom()), To: core.NodeID(m.GetTo()), Type: MessageTypeName(m.GetType()), Term: core.Term(m.GetTerm()),
		Index: core.LogIndex(m.GetIndex()), LogTerm: core.Term(m.GetLogTerm()), Commit: core.LogIndex(m.GetCommit()),
		Entries: len(m.GetEntries()), Response: raft.IsResponseMsg(m.GetType()), Reject: m.GetReject(),
		Text: DescribeMessage(m), Bytes: len(m.GetSnapshot().GetData()),
	}
}

// msgTypeNames caches etcd's message type names: the protobuf enum's String
// goes through reflection, too slow for every trace event.
var msgTypeNames = func() []string {
	names := make([]string, 0, 32)
	for i := int32(0); ; i++ {
		name, ok := pb.MessageType_name[i]
		if !ok {
			return names
		}
		names = append(names, name)
	}
}()

// MessageTypeName returns etcd's name of a message type, e.g. "MsgApp",
// without going through protobuf reflection.
func MessageTypeName(t pb.MessageType) string {
	if int(t) < len(msgTypeNames) {
		return msgTypeNames[t]
	}
	return t.String()
}

// OpKind is a client operation: "set", "del" or "get".
type OpKind string

// Client operations.
const (
	OpSet OpKind = "set"
	OpDel OpKind = "del"
	OpGet OpKind = "get"
)

// DescribeOp formats a client operation: "set k=v", "get k", "del k".
func DescribeOp(kind OpKind, key, value string) string {
	switch kind {
	case OpSet:
		return "set " + key + "=" + value
	default:
		return string(kind) + " " + key
	}
}

// NodeList formats ids sorted and deduplicated: "n1, n3, n5".
func NodeList(ids []core.NodeID) string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
	}
	return strings.Join(parts, ", ")
}

// AppliedOps lists the operations among applied entries as an EvApply
// event carries them in Type: "5:set k=v→OK, 6:del k→1".
func AppliedOps(rs []statemachine.Result) string {
	var buf [256]byte // most lists fit: the string is then the only allocation
	b := buf[:0]
	for _, r := range rs {
		if r.Op == nil {
			continue
		}
		if len(b) > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendUint(b, r.Index, 10)
		b = append(b, ':')
		b = r.Op.AppendTo(b)
		b = append(b, "→"...)
		b = append(b, r.Output...)
	}
	return string(b)
}

// DescribeMessage returns raft.DescribeMessage(m,
// statemachine.FormatEntryData), the words views and the trace show a
// message in. The messages a cluster sends most (between nodes, with no
// snapshot and no responses) are written here with strconv, not fmt:
// describing the messages in flight was a good part of a frame's work.
// Others are left to raft.DescribeMessage.
func DescribeMessage(m *pb.Message) string {
	if s := m.GetSnapshot(); (s != nil && !raft.IsEmptySnap(s)) || len(m.GetResponses()) > 0 || !isNodeID(m.GetFrom()) || !isNodeID(m.GetTo()) {
		return raft.DescribeMessage(m, statemachine.FormatEntryData)
	}
	w := words(make([]byte, 0, 128))
	w.num("", m.GetFrom(), 16)
	w.num("->", m.GetTo(), 16)
	w.add(" ", MessageTypeName(m.GetType()))
	w.num(" Term:", m.GetTerm(), 10)
	w.num(" Log:", m.GetLogTerm(), 10)
	w.num("/", m.GetIndex(), 10)
	if m.GetReject() {
		w.num(" Rejected (Hint: ", m.GetRejectHint(), 10)
		w.add(")", "")
	}
	if c := m.GetCommit(); c != 0 {
		w.num(" Commit:", c, 10)
	}
	if v := m.GetVote(); v != 0 {
		w.num(" Vote:", v, 10)
	}
	// One entry is written inside the brackets, several one a line.
	ents := m.GetEntries()
	sep, end := "", "]"
	if len(ents) > 1 {
		sep, end = "\n  ", "\n]"
	}
	for i, e := range ents {
		if i == 0 {
			w.add(" Entries:[", "")
		}
		if e.GetType() != pb.EntryNormal {
			w.add(sep, raft.DescribeEntry(e, statemachine.FormatEntryData))
			continue
		}
		w.num(sep, e.GetTerm(), 10)
		w.num("/", e.GetIndex(), 10)
		w.add(" EntryNormal", "")
		if op := statemachine.FormatEntryData(e.GetData()); op != "" {
			w.add(" ", op)
		}
	}
	if len(ents) > 0 {
		w.add(end, "")
	}
	return string(w)
}

// isNodeID reports whether raft.DescribeMessage writes id as a number (in
// hex): it names raft.None and its local threads instead.
func isNodeID(id uint64) bool {
	return id != raft.None && id != raft.LocalAppendThread && id != raft.LocalApplyThread
}

// words is a text being written. Its methods are kept out of line: each
// append written inline grows the engine by a few hundred bytes.
type words []byte

// add appends a and b.
//
//go:noinline
func (w *words) add(a, b string) { *w = append(append(*w, a...), b...) }

// num appends s and v in base.
//
//go:noinline
func (w *words) num(s string, v uint64, base int) { *w = strconv.AppendUint(append(*w, s...), v, base) }
