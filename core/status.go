package core

import (
	"cmp"
	"slices"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/tracker"
)

// Status is a node's state as Seshat shows it: plain values, ids as NodeID,
// peers sorted by id (unlike raft.Status, whose JSON prints ids in hex in map
// order). Building one does not allocate beyond the Progress slice.
type Status struct {
	ID     NodeID `json:"id"`
	Role   Role   `json:"role"`
	Term   Term   `json:"term"`
	Vote   NodeID `json:"vote"`
	Leader NodeID `json:"leader"`
	// Commit is the highest index known committed; Applied the highest applied
	// to the state machine; LastIndex the last index in the log.
	Commit    LogIndex `json:"commit"`
	Applied   LogIndex `json:"applied"`
	LastIndex LogIndex `json:"last_index"`
	// FirstIndex is the first index still in the log; entries before it are
	// compacted into the snapshot at SnapshotIndex.
	FirstIndex    LogIndex `json:"first_index"`
	SnapshotIndex LogIndex `json:"snapshot_index"`
	SnapshotTerm  Term     `json:"snapshot_term"`
	// LeadTransferee is the node leadership is being handed to, or 0.
	LeadTransferee NodeID `json:"lead_transferee,omitempty"`
	// Voters and Learners are the membership as of the last applied entry.
	// In a joint configuration Voters is the incoming configuration and
	// VotersOutgoing the outgoing one: a decision needs a majority of each.
	// LearnersNext are voters of the outgoing configuration that become
	// learners when the joint configuration is left; AutoLeave says etcd
	// Raft leaves it by itself (ConfChangeV2 transition auto or implicit).
	Voters         []NodeID `json:"voters"`
	Learners       []NodeID `json:"learners,omitempty"`
	VotersOutgoing []NodeID `json:"voters_outgoing,omitempty"`
	LearnersNext   []NodeID `json:"learners_next,omitempty"`
	AutoLeave      bool     `json:"auto_leave,omitempty"`
	// Progress is the leader's view of each member, sorted by id; empty on
	// other nodes.
	Progress []PeerProgress `json:"progress,omitempty"`
}

// PeerProgress is a leader's replication state for one member.
type PeerProgress struct {
	ID NodeID `json:"id"`
	// Match is the highest index known replicated on the peer; Next the next
	// index the leader will send.
	Match LogIndex `json:"match"`
	Next  LogIndex `json:"next"`
	// State is "probe", "replicate" or "snapshot".
	State           string   `json:"state"`
	PendingSnapshot LogIndex `json:"pending_snapshot,omitempty"`
	RecentActive    bool     `json:"recent_active"`
	Paused          bool     `json:"paused,omitempty"`
	Learner         bool     `json:"learner,omitempty"`
	// Inflight is how many appends are in flight to the peer, out of the
	// window of RaftConfig.MaxInflightMsgs; InflightFull says the window is
	// full, so the leader sends the peer no more until some are answered.
	// Status leaves them out (reading them copies etcd's windows): see
	// AddInflights.
	Inflight     int  `json:"inflight,omitempty"`
	InflightFull bool `json:"inflight_full,omitempty"`
}

// Status returns the node's current state.
func (n *RaftNode) Status() Status {
	bs := n.rn.BasicStatus()
	ss := n.storage.Stats()
	st := Status{
		ID:             n.id,
		Role:           roleOf(bs.RaftState),
		Term:           Term(bs.HardState.GetTerm()),
		Vote:           NodeID(bs.HardState.GetVote()),
		Leader:         NodeID(bs.Lead),
		Commit:         LogIndex(bs.HardState.GetCommit()),
		Applied:        LogIndex(n.sm.AppliedIndex()),
		LastIndex:      LogIndex(ss.LastIndex),
		FirstIndex:     LogIndex(ss.FirstIndex),
		SnapshotIndex:  LogIndex(ss.SnapshotIndex),
		SnapshotTerm:   Term(ss.SnapshotTerm),
		LeadTransferee: NodeID(bs.LeadTransferee),
		Voters:         toNodeIDs(n.confState.GetVoters()),
		Learners:       toNodeIDs(n.confState.GetLearners()),
		VotersOutgoing: toNodeIDs(n.confState.GetVotersOutgoing()),
		LearnersNext:   toNodeIDs(n.confState.GetLearnersNext()),
		AutoLeave:      n.confState.GetAutoLeave(),
	}
	if bs.RaftState == raft.StateLeader {
		n.rn.WithProgress(func(id uint64, typ raft.ProgressType, pr tracker.Progress) {
			st.Progress = append(st.Progress, PeerProgress{
				ID:              NodeID(id),
				Match:           LogIndex(pr.Match),
				Next:            LogIndex(pr.Next),
				State:           progressState(pr.State),
				PendingSnapshot: LogIndex(pr.PendingSnapshot),
				RecentActive:    pr.RecentActive,
				Paused:          pr.MsgAppFlowPaused,
				Learner:         typ == raft.ProgressTypeLearner,
			})
		})
		slices.SortFunc(st.Progress, func(a, b PeerProgress) int { return cmp.Compare(a.ID, b.ID) })
	}
	return st
}

// AddInflights fills in the Inflight and InflightFull of st's progress,
// st being this node's Status: it copies etcd Raft's in-flight windows, so
// it is for views, not for every round.
func (n *RaftNode) AddInflights(st *Status) {
	if len(st.Progress) == 0 {
		return
	}
	full := n.rn.Status()
	for i := range st.Progress {
		if pr, ok := full.Progress[uint64(st.Progress[i].ID)]; ok && pr.Inflights != nil {
			st.Progress[i].Inflight = pr.Inflights.Count()
			st.Progress[i].InflightFull = pr.Inflights.Full()
		}
	}
}

func toNodeIDs(ids []uint64) []NodeID {
	if len(ids) == 0 {
		return nil
	}
	out := make([]NodeID, len(ids))
	for i, id := range ids {
		out[i] = NodeID(id)
	}
	slices.Sort(out)
	return out
}

func progressState(s tracker.StateType) string {
	switch s {
	case tracker.StateReplicate:
		return "replicate"
	case tracker.StateSnapshot:
		return "snapshot"
	default:
		return "probe"
	}
}

// HandOffTarget is the voter a removed leader with status s hands
// leadership to: the voter of the configuration in force, other than
// itself, whose log matches most of the leader's (the lowest id on a tie),
// or 0 if there is none.
func (s Status) HandOffTarget() NodeID {
	var to NodeID
	var best LogIndex
	for _, p := range s.Progress {
		if p.ID == s.ID || p.Learner || !slices.Contains(s.Voters, p.ID) {
			continue
		}
		if to == 0 || p.Match > best {
			to, best = p.ID, p.Match
		}
	}
	return to
}

// EachMatch calls f with the match index (etcd's Progress.Match) this
// node, while it leads, tracks for each member, in no set order; on a node
// that does not lead it calls nothing. Unlike Status it allocates nothing,
// for checks run on every commit.
func (n *RaftNode) EachMatch(f func(id NodeID, match LogIndex)) {
	if n.rn.BasicStatus().RaftState != raft.StateLeader {
		return
	}
	n.rn.WithProgress(func(id uint64, _ raft.ProgressType, pr tracker.Progress) {
		f(NodeID(id), LogIndex(pr.Match))
	})
}
