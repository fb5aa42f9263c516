//go:build !seshat_engine

package core

import (
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/tracker"
)

// rawNode is what a RaftNode calls of etcd Raft's RawNode: the RawNode
// itself, or with WithRaftProbe a probedRaw around it. The page's engine
// is built with the seshat_engine tag (scripts/build-engine.sh), where
// rawNode is the RawNode itself (probe_engine.go): its calls into etcd Raft
// go through no interface, and none of the probe is linked.
type rawNode interface {
	Bootstrap(peers []raft.Peer) error
	Tick()
	Campaign() error
	Step(m *pb.Message) error
	Propose(data []byte) error
	ProposeConfChange(cc pb.ConfChangeI) error
	ApplyConfChange(cc pb.ConfChangeI) *pb.ConfState
	ReadIndex(rctx []byte)
	TransferLeader(transferee uint64)
	ReportUnreachable(id uint64)
	ReportSnapshot(id uint64, status raft.SnapshotStatus)
	HasReady() bool
	Ready() raft.Ready
	Advance(rd raft.Ready)
	BasicStatus() raft.BasicStatus
	Status() raft.Status
	WithProgress(visitor func(id uint64, typ raft.ProgressType, pr tracker.Progress))
}

// RaftCallKind names a RaftNode's call into etcd Raft's RawNode.
type RaftCallKind uint8

// The calls a RaftProbe sees.
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

// RaftCall is one call a RaftNode made into etcd Raft, shown to a
// RaftProbe just after it returned. A node's Raft state changes only in
// these calls, so the state after one is the state before the next.
type RaftCall struct {
	Kind RaftCallKind
	// Node is the calling node; Raw its RawNode. A probe may read Raw
	// (BasicStatus, Status, WithProgress) and must not change it.
	Node *RaftNode
	Raw  *raft.RawNode
	// Msg is CallStep's message; CC the change of CallProposeConfChange
	// and CallApplyConfChange. Both are etcd's: read them, never modify.
	Msg *pb.Message
	CC  pb.ConfChangeI
}

// RaftProbe sees every call a RaftNode makes into etcd Raft that can
// change it, in order, on the node's goroutine, after the call. It exists
// for exporters that rebuild what etcd Raft did at a finer grain than
// Update tells (export's TLA+ trace); it must not block or call the
// RaftNode.
type RaftProbe func(RaftCall)

// WithRaftProbe makes the node show each of its calls into etcd Raft to p.
//
// The probe wraps the RawNode (probedRaw), and only this function builds
// the wrapper: a program that never calls it, as the page's engine, links
// none of it.
func WithRaftProbe(p RaftProbe) Option {
	return func(o *options) {
		o.probe.wrap = func(rn *raft.RawNode, n *RaftNode) rawNode {
			r := &probedRaw{RawNode: rn, n: n, p: p}
			r.show(CallNew, nil, nil)
			return r
		}
	}
}

// WithRaftConfig lets f adjust etcd Raft's Config just before the node's
// RawNode is created from it: for a build of etcd Raft with options this
// package does not set (its TraceLogger under the with_tla build tag).
// Changing what core set (ID, Storage, Applied, ticks) breaks the node.
func WithRaftConfig(f func(*raft.Config)) Option { return func(o *options) { o.probe.raftConfig = f } }

// probeOptions are WithRaftProbe's wrapper and WithRaftConfig's change.
type probeOptions struct {
	wrap       func(*raft.RawNode, *RaftNode) rawNode
	raftConfig func(*raft.Config)
}

// adjust applies WithRaftConfig's change to rc.
func (p *probeOptions) adjust(rc *raft.Config) {
	if p.raftConfig != nil {
		p.raftConfig(rc)
	}
}

// wrapRaw is rn as node n calls it: wrapped by WithRaftProbe's probe, or
// itself.
func (p *probeOptions) wrapRaw(rn *raft.RawNode, n *RaftNode) rawNode {
	if p.wrap != nil {
		return p.wrap(rn, n)
	}
	return rn
}

// probedRaw is a RawNode that shows each call that can change it to a
// probe, after the call.
type probedRaw struct {
	*raft.RawNode
	n *RaftNode
	p RaftProbe
}

func (r *probedRaw) show(kind RaftCallKind, m *pb.Message, cc pb.ConfChangeI) {
	r.p(RaftCall{Kind: kind, Node: r.n, Raw: r.RawNode, Msg: m, CC: cc})
}

func (r *probedRaw) Bootstrap(peers []raft.Peer) error {
	err := r.RawNode.Bootstrap(peers)
	r.show(CallBootstrap, nil, nil)
	return err
}

func (r *probedRaw) Tick() { r.RawNode.Tick(); r.show(CallTick, nil, nil) }

func (r *probedRaw) Campaign() error {
	err := r.RawNode.Campaign()
	r.show(CallCampaign, nil, nil)
	return err
}

func (r *probedRaw) Step(m *pb.Message) error {
	err := r.RawNode.Step(m)
	r.show(CallStep, m, nil)
	return err
}

func (r *probedRaw) Propose(data []byte) error {
	err := r.RawNode.Propose(data)
	r.show(CallPropose, nil, nil)
	return err
}

func (r *probedRaw) ProposeConfChange(cc pb.ConfChangeI) error {
	err := r.RawNode.ProposeConfChange(cc)
	r.show(CallProposeConfChange, nil, cc)
	return err
}

func (r *probedRaw) ApplyConfChange(cc pb.ConfChangeI) *pb.ConfState {
	cs := r.RawNode.ApplyConfChange(cc)
	r.show(CallApplyConfChange, nil, cc)
	return cs
}

func (r *probedRaw) ReadIndex(rctx []byte) {
	r.RawNode.ReadIndex(rctx)
	r.show(CallReadIndex, nil, nil)
}

func (r *probedRaw) TransferLeader(to uint64) {
	r.RawNode.TransferLeader(to)
	r.show(CallTransferLeader, nil, nil)
}

func (r *probedRaw) ReportUnreachable(id uint64) {
	r.RawNode.ReportUnreachable(id)
	r.show(CallReportUnreachable, nil, nil)
}

func (r *probedRaw) ReportSnapshot(id uint64, status raft.SnapshotStatus) {
	r.RawNode.ReportSnapshot(id, status)
	r.show(CallReportSnapshot, nil, nil)
}

func (r *probedRaw) Ready() raft.Ready {
	rd := r.RawNode.Ready()
	r.show(CallReady, nil, nil)
	return rd
}

func (r *probedRaw) Advance(rd raft.Ready) { r.RawNode.Advance(rd); r.show(CallAdvance, nil, nil) }
