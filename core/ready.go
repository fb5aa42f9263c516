package core

import (
	"fmt"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/statemachine"
)

// Update is everything one round of HandleReady did, in the order it did it.
// The simulator turns it into trace events; a plain owner needs only Messages.
// Entries, messages and snapshots are shared with etcd Raft and storage: read
// them, never modify them.
type Update struct {
	// Role and Leader changed (RoleChanged is true) in this round.
	RoleChanged bool
	Role        Role
	Leader      NodeID
	// HardState is the new term, vote and commit index, or nil if unchanged.
	HardState *pb.HardState
	// SnapshotInstalled is the metadata of a leader's snapshot installed into
	// storage and the state machine, or nil.
	SnapshotInstalled *pb.SnapshotMetadata
	// Entries were appended to storage (possibly replacing a conflicting suffix).
	Entries []*pb.Entry
	// Messages are to be delivered to peers. They may be sent now: everything
	// they depend on is in storage.
	Messages []*pb.Message
	// Committed are the committed entries handed to the state machine in
	// this round, in log order (Applied has the results of those it applied).
	Committed []*pb.Entry
	// Applied lists the committed entries applied to the state machine, in
	// log order, with each one's result.
	Applied []statemachine.Result
	// ConfChanges lists the membership changes applied, in log order.
	ConfChanges []AppliedConfChange
	// ReadStates are answers to ReadIndex requests.
	ReadStates []raft.ReadState
	// SnapshotCreated is the metadata of a snapshot this node took after
	// applying, or nil; CompactedTo is then the new first index minus one.
	SnapshotCreated *pb.SnapshotMetadata
	CompactedTo     LogIndex
	// Refusals are the vote and pre-vote requests this node turned down
	// since the last round, in the order it did, each with etcd Raft's reason.
	Refusals []VoteRefusal
	// LostQuorum is true when this node, a leader with CheckQuorum on,
	// stepped down since the last round because it heard from no quorum
	// of voters within an election timeout.
	LostQuorum bool
}

// Reset makes u the zero Update again, writing only the fields that are
// set: most rounds set few of them.
func (u *Update) Reset() {
	if u.RoleChanged || u.Role != "" || u.Leader != 0 {
		u.RoleChanged, u.Role, u.Leader = false, "", 0
	}
	if u.HardState != nil {
		u.HardState = nil
	}
	if u.SnapshotInstalled != nil {
		u.SnapshotInstalled = nil
	}
	if u.Entries != nil {
		u.Entries = nil
	}
	if u.Messages != nil {
		u.Messages = nil
	}
	if u.Committed != nil {
		u.Committed = nil
	}
	if u.Applied != nil {
		u.Applied = nil
	}
	if u.ConfChanges != nil {
		u.ConfChanges = nil
	}
	if u.ReadStates != nil {
		u.ReadStates = nil
	}
	if u.SnapshotCreated != nil {
		u.SnapshotCreated = nil
	}
	u.CompactedTo = 0
	if u.Refusals != nil {
		u.Refusals = nil
	}
	u.LostQuorum = false
}

// AppliedConfChange is a membership change applied at Index.
type AppliedConfChange struct {
	Index LogIndex
	// Change is a *raftpb.ConfChange or *raftpb.ConfChangeV2.
	Change pb.ConfChangeI
	// ConfState is the membership after the change.
	ConfState *pb.ConfState
}

// HasReady reports whether HandleReady has work to do, or something to tell
// (a refused vote, a lost quorum).
func (n *RaftNode) HasReady() bool {
	if n.readySeen || n.rn.HasReady() {
		n.readySeen = true
		return true
	}
	return len(n.refusals) > 0 || n.lostQuorum
}

// HandleReady does one round of etcd Raft's Ready loop and returns the
// messages to send. See Process for the order of work.
func (n *RaftNode) HandleReady() ([]*pb.Message, error) {
	u, err := n.Process()
	return u.Messages, err
}

// Process does one round of etcd Raft's Ready loop, in the order etcd requires:
//
//  1. persist: install an incoming snapshot (storage, then state machine),
//     append new entries, save the hard state;
//  2. apply committed entries to the state machine, passing configuration
//     changes (V1 and V2) to ApplyConfChange;
//  3. Advance, which lets Raft count this node's own acknowledgements;
//  4. take a snapshot and compact the log if a snapshot threshold is reached.
//
// The returned messages may be sent once Process returns. With nothing to do
// it returns an empty Update. An error means storage or decoding failed; the
// node should then be stopped (etcd Raft cannot continue from a half-handled
// Ready).
func (n *RaftNode) Process() (Update, error) {
	var u Update
	err := n.ProcessInto(&u)
	return u, err
}

// ProcessInto is Process writing the round into *u, which must be the zero
// Update (Reset clears one): a caller that keeps one Update for every round
// saves copying it, a notable cost under WebAssembly.
func (n *RaftNode) ProcessInto(u *Update) error {
	u.Refusals, u.LostQuorum = n.refusals, n.lostQuorum
	n.refusals, n.lostQuorum = nil, false
	ready := n.readySeen || n.rn.HasReady()
	n.readySeen = false
	if !ready {
		return nil
	}
	rd := n.rn.Ready()
	if rd.SoftState != nil {
		u.RoleChanged = true
		u.Role = roleOf(rd.SoftState.RaftState)
		u.Leader = NodeID(rd.SoftState.Lead)
	}

	// 1. Persist.
	if !raft.IsEmptySnap(rd.Snapshot) {
		if err := n.storage.ApplySnapshot(rd.Snapshot); err != nil {
			return storageErr("install snapshot", err)
		}
		if err := n.restoreStateMachine(rd.Snapshot); err != nil {
			return err
		}
		md := rd.Snapshot.GetMetadata()
		n.snapIndex = md.GetIndex()
		n.confState = proto.Clone(pb.EnsureConfState(md.GetConfState())).(*pb.ConfState)
		u.SnapshotInstalled = md
	}
	if len(rd.Entries) > 0 {
		if err := n.storage.Append(rd.Entries); err != nil {
			return storageErr("append entries", err)
		}
		u.Entries = rd.Entries
	}
	if !raft.IsEmptyHardState(rd.HardState) {
		if err := n.storage.SetHardState(rd.HardState); err != nil {
			return storageErr("save hard state", err)
		}
		u.HardState = rd.HardState
	}
	u.Messages = rd.Messages
	u.ReadStates = rd.ReadStates

	// 2. Apply.
	u.Committed = rd.CommittedEntries
	for _, e := range rd.CommittedEntries {
		switch e.GetType() {
		case pb.EntryConfChange:
			var cc pb.ConfChange
			if err := proto.Unmarshal(e.GetData(), &cc); err != nil {
				return serializationErr(fmt.Sprintf("decode conf change at index %d", e.GetIndex()), err)
			}
			n.applyConfChange(u, e, &cc)
		case pb.EntryConfChangeV2:
			var cc pb.ConfChangeV2
			if err := proto.Unmarshal(e.GetData(), &cc); err != nil {
				return serializationErr(fmt.Sprintf("decode conf change v2 at index %d", e.GetIndex()), err)
			}
			n.applyConfChange(u, e, &cc)
		}
		res, applied, err := n.sm.Apply(e)
		if err != nil {
			// The state machine refused an entry out of order: it and the
			// log in storage disagree, which only broken storage causes.
			return storageErr(fmt.Sprintf("apply entry %d to the state machine", e.GetIndex()), err)
		}
		if applied {
			u.Applied = append(u.Applied, res)
		}
	}

	// 3. Advance.
	n.rn.Advance(rd)

	// 4. Snapshot and compact.
	if err := n.maybeSnapshot(u, len(u.ConfChanges) > 0); err != nil {
		return err
	}
	return nil
}

func (n *RaftNode) applyConfChange(u *Update, e *pb.Entry, cc pb.ConfChangeI) {
	cs := n.rn.ApplyConfChange(cc)
	n.confState = cs
	u.ConfChanges = append(u.ConfChanges, AppliedConfChange{Index: LogIndex(e.GetIndex()), Change: cc, ConfState: cs})
}

// maybeSnapshot takes a snapshot of the state machine at its applied index
// when a threshold is reached, then compacts the log, keeping
// SnapshotCatchupEntries entries before the snapshot unless the log is over
// MaxLogSizeBytes.
//
// membershipChanged forces a snapshot (once the log has been compacted at
// all): a node added by a configuration change must be sent a snapshot whose
// membership includes it, or etcd Raft on that node refuses the snapshot and
// the leader keeps resending it.
func (n *RaftNode) maybeSnapshot(u *Update, membershipChanged bool) error {
	applied := n.sm.AppliedIndex()
	if applied <= n.snapIndex {
		return nil
	}
	r := n.cfg.Raft
	appliedBytes := n.storage.BytesAfter(n.snapIndex) - n.storage.BytesAfter(applied)
	overMax := n.storage.LogBytes() > r.MaxLogSizeBytes
	forced := membershipChanged && n.snapIndex > 0
	if applied-n.snapIndex < r.SnapshotIntervalEntries && appliedBytes < r.SnapshotIntervalBytes && !overMax && !forced {
		return nil
	}
	snap, err := n.storage.CreateSnapshot(applied, n.confState, n.sm.Snapshot())
	if err != nil {
		return storageErr(fmt.Sprintf("create snapshot at index %d", applied), err)
	}
	n.snapIndex = applied
	u.SnapshotCreated = snap.GetMetadata()

	compactTo := applied
	if !overMax {
		if applied <= r.SnapshotCatchupEntries {
			return nil
		}
		compactTo = applied - r.SnapshotCatchupEntries
	}
	first, err := n.storage.FirstIndex()
	if err != nil {
		return storageErr("read first index", err)
	}
	if compactTo < first {
		return nil
	}
	if err := n.storage.Compact(compactTo); err != nil {
		return storageErr(fmt.Sprintf("compact log to index %d", compactTo), err)
	}
	u.CompactedTo = LogIndex(compactTo)
	return nil
}

func roleOf(s raft.StateType) Role {
	switch s {
	case raft.StateLeader:
		return RoleLeader
	case raft.StateCandidate:
		return RoleCandidate
	case raft.StatePreCandidate:
		return RolePreCandidate
	default:
		return RoleFollower
	}
}
