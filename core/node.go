package core

import (
	"errors"
	"fmt"
	"io"
	"log"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/storage"
)

// RaftNode is one Raft replica: an etcd Raft RawNode, its MemStorage and its
// key-value StateMachine.
//
// A RaftNode is not safe for concurrent use: one owner calls its methods from
// one goroutine. Input comes through Tick, Step and the proposal methods;
// output comes from HandleReady (or Process), which the owner calls after input
// and whose messages it delivers.
type RaftNode struct {
	id      NodeID
	cfg     Config
	rn      rawNode // etcd's RawNode, or a probe around it (WithRaftProbe)
	storage *storage.MemStorage
	sm      *statemachine.StateMachine

	// confState is the membership as of the last applied entry; it is stored
	// with every snapshot this node creates.
	confState *pb.ConfState
	// snapIndex is the index of the newest snapshot in storage (created here
	// or installed from the leader).
	snapIndex uint64
	// restartApplied is the Config.Applied this node was started with.
	restartApplied uint64

	// ticks counts Tick calls; lastHeard records, per peer, the tick count when
	// a message from it was last stepped (for ErrNoQuorum).
	ticks     uint64
	lastHeard map[NodeID]uint64
	// readySeen is set when HasReady found etcd Raft ready and nothing has
	// stepped or ticked it since: the next ProcessInto does not ask again
	// (etcd Raft's HasReady is a notable cost, and once it is ready only a
	// round makes it not ready).
	readySeen bool

	// stepping is the message being stepped, for the explainer; refusals
	// and lostQuorum are what it noted since the last Process.
	stepping   *pb.Message
	refusals   []VoteRefusal
	lostQuorum bool
	// confRefused is etcd's reason for ignoring the change being proposed,
	// noted by the explainer during ProposeConfChange.
	confRefused string
}

// Option adjusts how New builds a RaftNode.
type Option func(*options)

type options struct {
	// probe holds WithRaftProbe's and WithRaftConfig's settings (empty in
	// the page's engine: probe_engine.go).
	probe        probeOptions
	logger       raft.Logger
	keepOnRemove bool
	noCCCheck    bool
}

// WithoutConfChangeValidation turns off etcd Raft's check of a proposed
// membership change (its Config.DisableConfChangeValidation): a leader then
// appends a change while another is pending. It is a fault to plant, for
// the tests that show the safety checkers catching it; nothing else uses it.
func WithoutConfChangeValidation() Option { return func(o *options) { o.noCCCheck = true } }

// KeepLeadershipOnRemoval makes a leader removed from the configuration
// keep leading (etcd Raft's StepDownOnRemoval off) until its owner hands
// leadership on with TransferLeadership, as an etcd server does before it
// stops. By default it steps down as soon as it applies its removal, which
// can leave the remaining voters unable to learn that the change committed
// (etcd-io/etcd#11038): in a joint configuration whose old voters are the
// removed leader alone, the one voter left needs its vote, and it refuses
// when its log is longer.
func KeepLeadershipOnRemoval() Option { return func(o *options) { o.keepOnRemove = true } }

// WithLogger sends etcd Raft's own log lines to l. By default they are
// discarded: Seshat reports what Raft does through Process's Update instead.
func WithLogger(l raft.Logger) Option { return func(o *options) { o.logger = l } }

// New creates a RaftNode from cfg on top of st.
//
// If st is nil or empty, the node starts fresh: with cfg.Cluster.Bootstrap it
// writes the initial members into its log as configuration changes at indexes
// 1..n (committed in term 1, applied by the first HandleReady, after which the
// node can campaign); without it the node waits, with no membership, to be
// added to an existing cluster, then receives the log or a snapshot.
//
// If st already holds Raft state (the node is restarting after a crash), the
// state machine is rebuilt from st's snapshot and etcd Raft's Config.Applied is
// set to the snapshot's index, so every committed entry after it is applied
// exactly once, and cfg.Cluster is ignored.
func New(cfg Config, st *storage.MemStorage, opts ...Option) (*RaftNode, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := options{logger: &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}}
	for _, opt := range opts {
		opt(&o)
	}
	if st == nil {
		st = storage.NewMemStorage()
	}
	n := &RaftNode{id: cfg.Node.ID, cfg: cfg, storage: st, sm: statemachine.New(), lastHeard: make(map[NodeID]uint64)}

	hs, cs, err := st.InitialState()
	if err != nil {
		return nil, storageErr("read initial state", err)
	}
	last, err := st.LastIndex()
	if err != nil {
		return nil, storageErr("read last index", err)
	}
	fresh := raft.IsEmptyHardState(hs) && last == 0 && len(cs.GetVoters()) == 0 && len(cs.GetLearners()) == 0
	snap, err := st.Snapshot()
	if err != nil {
		return nil, storageErr("read snapshot", err)
	}
	if !fresh {
		if err := n.restoreStateMachine(snap); err != nil {
			return nil, err
		}
		n.restartApplied = snap.GetMetadata().GetIndex()
	}
	n.snapIndex = snap.GetMetadata().GetIndex()
	n.confState = pb.EnsureConfState(snap.GetMetadata().GetConfState())

	ro := raft.ReadOnlySafe
	if cfg.Raft.ReadOnlyLeaseBased {
		ro = raft.ReadOnlyLeaseBased
	}
	rc := &raft.Config{
		ID:                          uint64(cfg.Node.ID),
		ElectionTick:                cfg.Raft.ElectionTicks(),
		HeartbeatTick:               1,
		Storage:                     st,
		Applied:                     n.restartApplied,
		MaxSizePerMsg:               cfg.Raft.SizePerMsg(),
		MaxInflightMsgs:             cfg.Raft.Inflight(),
		MaxUncommittedEntriesSize:   cfg.Raft.MaxLogSizeBytes,
		CheckQuorum:                 cfg.Raft.CheckQuorum,
		PreVote:                     cfg.Raft.PreVote,
		ReadOnlyOption:              ro,
		Logger:                      &explainer{Logger: o.logger, n: n},
		StepDownOnRemoval:           !o.keepOnRemove,
		DisableConfChangeValidation: o.noCCCheck,
	}
	o.probe.adjust(rc)
	rn, err := raft.NewRawNode(rc)
	if err != nil {
		return nil, raftErr("start raft", err)
	}
	n.rn = o.probe.wrapRaw(rn, n)
	if fresh && cfg.Cluster.Bootstrap {
		// The founding membership goes into the log as configuration changes
		// at indexes 1..n, committed in term 1: a node that later joins and
		// replays the log from index 1 learns the whole membership history.
		peers := make([]raft.Peer, len(cfg.Cluster.InitialMembers))
		for i, m := range cfg.Cluster.InitialMembers {
			peers[i] = raft.Peer{ID: uint64(m.ID)}
		}
		if err := n.rn.Bootstrap(peers); err != nil {
			return nil, raftErr("bootstrap", err)
		}
	}
	return n, nil
}

// restoreStateMachine replaces the state machine's contents with a snapshot's.
func (n *RaftNode) restoreStateMachine(snap *pb.Snapshot) error {
	data := snap.GetData()
	idx := snap.GetMetadata().GetIndex()
	if len(data) == 0 {
		if idx != 0 {
			return serializationErr("restore state machine", fmt.Errorf("snapshot at index %d carries no state machine data", idx))
		}
		n.sm = statemachine.New()
		return nil
	}
	got, err := statemachine.SnapshotIndex(data)
	if err != nil {
		return serializationErr("restore state machine", err)
	}
	if got != idx {
		return serializationErr("restore state machine", fmt.Errorf("snapshot metadata says index %d but its data was taken at index %d", idx, got))
	}
	sm := statemachine.New()
	if err := sm.Restore(data); err != nil {
		return serializationErr("restore state machine", err)
	}
	n.sm = sm
	return nil
}

// ID returns the node's id.
func (n *RaftNode) ID() NodeID { return n.id }

// Config returns the configuration the node was created with.
func (n *RaftNode) Config() Config { return n.cfg }

// Storage returns the node's storage. It survives the node: a crashed node is
// restarted by passing the same storage to New. Callers may read it; writing
// to it behind the node's back breaks Raft.
func (n *RaftNode) Storage() *storage.MemStorage { return n.storage }

// StateMachine returns the node's key-value state machine for reading (Get,
// Pairs, AppliedIndex). Only the node applies entries to it.
func (n *RaftNode) StateMachine() *statemachine.StateMachine { return n.sm }

// RestartApplied is the applied index the node was started with: 0 for a fresh
// node, the snapshot index for a restarted one.
func (n *RaftNode) RestartApplied() LogIndex { return LogIndex(n.restartApplied) }

// Tick advances the node's logical clock by one heartbeat interval. Followers
// count towards an election timeout; leaders send heartbeats.
func (n *RaftNode) Tick() {
	n.ticks++
	n.readySeen = false
	n.rn.Tick()
}

// Campaign makes the node start an election (a pre-vote first, with PreVote).
// It does nothing on a node that is not a voter, and a nil error does not mean
// an election started: watch the node's role.
func (n *RaftNode) Campaign() error {
	n.readySeen = false // a role change, like Step and Tick
	return raftErr("campaign", n.rn.Campaign())
}

// Step hands the node a message from a peer.
func (n *RaftNode) Step(m *pb.Message) error {
	if from := NodeID(m.GetFrom()); from != 0 && from != n.id {
		// Most messages come from a peer already heard this tick: a lookup
		// costs less than storing the same value again.
		if at, ok := n.lastHeard[from]; !ok || at != n.ticks {
			n.lastHeard[from] = n.ticks
		}
	}
	n.stepping = m
	n.readySeen = false
	err := n.rn.Step(m)
	n.stepping = nil
	return raftErr("step", err)
}

// Propose asks the leader to append data to the log. It returns a
// *NotLeaderError (ErrNotLeader) on any other node, naming the leader if one
// is known. A nil error means the entry was appended to the leader's log, not
// that it will commit: it commits only if a quorum replicates it before the
// leader loses its term. With CheckQuorum on, a leader that has not heard from
// a majority of voters within an election timeout (and so is about to step
// down) refuses with ErrNoQuorum; with it off, proposals reach even a
// cut-off leader's log, where they wait and may later be overwritten. Proposals are refused with raft.ErrProposalDropped
// (wrapped as ErrRaft) while leadership is being transferred.
func (n *RaftNode) Propose(data []byte) error {
	if err := n.leaderOnly(); err != nil {
		return err
	}
	return raftErr("propose", n.rn.Propose(data))
}

// ProposeConfChange asks the leader to change the membership. Like Propose it
// returns ErrNotLeader on other nodes. etcd Raft allows one change in flight at
// a time: a change it refuses (see CheckConfChange) is turned into an empty
// entry, which is appended all the same, and ProposeConfChange returns
// ErrConfChangeRefused with etcd's reason. Call CheckConfChange first to
// refuse a change without touching the log.
func (n *RaftNode) ProposeConfChange(cc pb.ConfChangeI) error {
	if err := n.leaderOnly(); err != nil {
		return err
	}
	n.confRefused = ""
	if err := n.rn.ProposeConfChange(cc); err != nil {
		return raftErr("propose conf change", err)
	}
	if why := n.confRefused; why != "" {
		n.confRefused = ""
		return refusedErr(errors.New(why))
	}
	return nil
}

// ReadIndex asks for a linearizable read point. The answer comes back in a
// later Update's ReadStates carrying the same rctx: once the state machine has
// applied up to its Index, a read reflects every write acknowledged before the
// request. Followers forward the request to the leader; with no leader known
// it returns ErrNotLeader.
func (n *RaftNode) ReadIndex(rctx []byte) error {
	if n.LeaderID() == 0 {
		return &NotLeaderError{}
	}
	n.rn.ReadIndex(rctx)
	return nil
}

// TransferLeadership asks the leader to hand leadership to the given voter.
// It returns ErrNotLeader on other nodes. The transfer may fail silently (the
// transferee is unreachable); watch the leader.
func (n *RaftNode) TransferLeadership(to NodeID) error {
	if err := n.leaderOnly(); err != nil {
		return err
	}
	n.readySeen = false
	n.rn.TransferLeader(uint64(to))
	return nil
}

// ReportUnreachable tells the node that the last message to id was not
// delivered, so a replicating leader goes back to probing it.
func (n *RaftNode) ReportUnreachable(id NodeID) { n.rn.ReportUnreachable(uint64(id)) }

// ReportSnapshot tells a leader whether the snapshot it sent to id arrived.
// The owner must call it after delivering or losing every MsgSnap.
func (n *RaftNode) ReportSnapshot(id NodeID, delivered bool) {
	status := raft.SnapshotFinish
	if !delivered {
		status = raft.SnapshotFailure
	}
	n.rn.ReportSnapshot(uint64(id), status)
}

// IsLeader reports whether the node is the leader of its current term.
func (n *RaftNode) IsLeader() bool { return n.rn.BasicStatus().RaftState == raft.StateLeader }

// LeaderID returns the leader the node knows of, or 0.
func (n *RaftNode) LeaderID() NodeID { return NodeID(n.rn.BasicStatus().Lead) }

func (n *RaftNode) leaderOnly() error {
	st := n.rn.BasicStatus()
	if st.RaftState != raft.StateLeader {
		return &NotLeaderError{Leader: NodeID(st.Lead)}
	}
	if n.cfg.Raft.CheckQuorum && !n.quorumActive() {
		return fmt.Errorf("%w: the leader has not heard from a majority of voters within an election timeout; retry once the cluster heals or a new leader is elected", ErrNoQuorum)
	}
	return nil
}

// quorumActive reports whether this node has heard from a majority of the
// voters (itself included) within the last election timeout, in the current
// membership and, during a joint change, the outgoing one too. This is the
// condition under which a CheckQuorum leader keeps its leadership.
func (n *RaftNode) quorumActive() bool {
	window := uint64(n.cfg.Raft.ElectionTicks())
	majority := func(voters []uint64) bool {
		if len(voters) == 0 {
			return true
		}
		count := 0
		for _, v := range voters {
			at, ok := n.lastHeard[NodeID(v)]
			if NodeID(v) == n.id || (ok && n.ticks-at < window) {
				count++
			}
		}
		return count > len(voters)/2
	}
	return majority(n.confState.GetVoters()) && majority(n.confState.GetVotersOutgoing())
}

// Role returns the node's current role, cheaply (no allocation).
func (n *RaftNode) Role() Role { return roleOf(n.rn.BasicStatus().RaftState) }

// Term returns the node's current term, cheaply.
func (n *RaftNode) Term() Term { return Term(n.rn.BasicStatus().HardState.GetTerm()) }
