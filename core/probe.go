package core

import (
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// RaftCallKind names a RaftNode's call into etcd Raft's RawNode.
type RaftCallKind uint8

// The calls a RaftProbe sees. CallNew and CallBootstrap are seen once
// done only (before them there is no RawNode to read).
const (
	CallNew               RaftCallKind = iota + 1 // raft.NewRawNode
	CallBootstrap                                 // RawNode.Bootstrap
	CallTick                                      // RawNode.Tick
	CallCampaign                                  // RawNode.Campaign
	CallStep                                      // RawNode.Step(Msg)
	CallPropose                                   // RawNode.Propose
	CallProposeConfChange                         // RawNode.ProposeConfChange(CC)
	CallReadIndex                                 // RawNode.ReadIndex
	CallTransferLeader                            // RawNode.TransferLeader
	CallReportUnreachable                         // RawNode.ReportUnreachable
	CallReportSnapshot                            // RawNode.ReportSnapshot
	CallReady                                     // RawNode.Ready
	CallApplyConfChange                           // RawNode.ApplyConfChange(CC)
	CallAdvance                                   // RawNode.Advance
)

// RaftCall is one call a RaftNode makes into etcd Raft, shown to a
// RaftProbe just before it runs (Done false) and just after (Done true).
type RaftCall struct {
	Kind RaftCallKind
	Done bool
	// Node is the calling node; Raw its RawNode. A probe may read Raw
	// (BasicStatus, Status, WithProgress) and must not change it.
	Node *RaftNode
	Raw  *raft.RawNode
	// Msg is CallStep's message; CC the change of CallProposeConfChange
	// and CallApplyConfChange. Both are etcd's: read them, never modify.
	Msg *pb.Message
	CC  pb.ConfChangeI
}

// RaftProbe sees every call a RaftNode makes into etcd Raft, in order, on
// the node's goroutine. It exists for exporters that rebuild what etcd
// Raft did at a finer grain than Update tells (export's TLA+ trace); it
// must not block or call the RaftNode.
type RaftProbe func(RaftCall)

// WithRaftProbe makes the node show each of its calls into etcd Raft to p.
func WithRaftProbe(p RaftProbe) Option { return func(o *options) { o.probe = p } }

// WithRaftConfig lets f adjust etcd Raft's Config just before the node's
// RawNode is created from it: for a build of etcd Raft with options this
// package does not set (its TraceLogger under the with_tla build tag).
// Changing what core set (ID, Storage, Applied, ticks) breaks the node.
func WithRaftConfig(f func(*raft.Config)) Option { return func(o *options) { o.raftConfig = f } }

// call shows call kind of n to its probe, if it has one.
func (n *RaftNode) call(kind RaftCallKind, done bool, m *pb.Message, cc pb.ConfChangeI) {
	if n.probe != nil {
		n.probe(RaftCall{Kind: kind, Done: done, Node: n, Raw: n.rn, Msg: m, CC: cc})
	}
}
