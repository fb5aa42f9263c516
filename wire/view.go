package wire

import "github.com/seshat-raft/seshat/core"

// Frame is what a page draws after a call: the cluster's view, the trace
// events it has not seen yet (those it asked for: the view's event count is
// the since of its next call), the end of the time-travel slider, and the
// safety violation that stopped the run, if any. The wasm engine and the dev
// server's native cluster both answer in this schema
// (docs/engine-protocol.md), so the page has one renderer.
type Frame struct {
	View    View       `json:"view"`
	Events  []Event    `json:"events"`
	Horizon int64      `json:"horizon"`
	Halted  *Violation `json:"halted"`
	// Trimmed says BoundFrame removed parts of the frame to keep it within
	// FrameBudget (oldest events, older log entries, keys of a page,
	// messages).
	Trimmed bool `json:"trimmed,omitempty"`
}

// View is the cluster's state as the page draws it. The same schema is
// produced by the in-browser engine and the dev server. Ids are small
// numbers; times are virtual milliseconds.
type View struct {
	Time     int64         `json:"time"`
	Steps    uint64        `json:"steps"`
	Events   uint64        `json:"events"` // events recorded so far; Seq of the newest
	Seed     uint64        `json:"seed"`
	Manual   bool          `json:"manual"`
	Nodes    []NodeView    `json:"nodes"`
	Messages []MessageView `json:"messages"`
	Cuts     []Link        `json:"cuts"` // links that are cut, one entry per direction
	Clients  []ClientView  `json:"clients"`
	Safety   SafetyView    `json:"safety"`
	Network  NetworkConfig `json:"network"`
	Timing   TimingView    `json:"timing"`
	// Raft is the Raft tuning the cluster runs with.
	Raft RaftView `json:"raft"`
	// Faults are the faults planted in the simulated nodes (Config.Faults):
	// a run with any is not etcd Raft as it is.
	Faults []FaultKind `json:"faults,omitempty"`
	// Limits are the command limits (MaxKeyBytes, MaxValueBytes).
	Limits LimitsView `json:"limits"`
}

// TimingView gives the page what it needs to draw timers.
type TimingView struct {
	HeartbeatMS int `json:"heartbeat_ms"`
	// ElectionTicks is etcd's ElectionTick: a follower's timeout is drawn
	// from [ElectionTicks, 2*ElectionTicks) ticks.
	ElectionTicks int `json:"election_ticks"`
}

// RaftView is the Raft tuning a cluster runs with, as the page's switches
// show it: the core.RaftConfig fields of the same names, defaults applied.
type RaftView struct {
	PreVote                 bool   `json:"pre_vote"`
	CheckQuorum             bool   `json:"check_quorum"`
	ReadOnlyLeaseBased      bool   `json:"read_only_lease_based"`
	MaxInflightMsgs         int    `json:"max_inflight_msgs"`
	MaxSizePerMsg           uint64 `json:"max_size_per_msg"`
	SnapshotIntervalEntries uint64 `json:"snapshot_interval_entries"`
	SnapshotCatchupEntries  uint64 `json:"snapshot_catchup_entries"`
}

// RaftViewOf returns the view of r.
func RaftViewOf(r core.RaftConfig) RaftView {
	return RaftView{PreVote: r.PreVote, CheckQuorum: r.CheckQuorum, ReadOnlyLeaseBased: r.ReadOnlyLeaseBased,
		MaxInflightMsgs: r.Inflight(), MaxSizePerMsg: r.SizePerMsg(),
		SnapshotIntervalEntries: r.SnapshotIntervalEntries, SnapshotCatchupEntries: r.SnapshotCatchupEntries}
}

// NodeView is one node. A crashed node (Up false) shows what its storage
// holds: term, vote, commit and log survive a crash.
type NodeView struct {
	ID     core.NodeID   `json:"id"`
	Up     bool          `json:"up"`
	Role   core.Role     `json:"role,omitempty"`
	Term   core.Term     `json:"term"`
	Vote   core.NodeID   `json:"vote"`
	Leader core.NodeID   `json:"leader"`
	Commit core.LogIndex `json:"commit"`
	// Applied is 0 for a crashed node: its state machine is gone.
	Applied       core.LogIndex `json:"applied"`
	LastIndex     core.LogIndex `json:"last_index"`
	FirstIndex    core.LogIndex `json:"first_index"` // entries before it are compacted
	SnapshotIndex core.LogIndex `json:"snapshot_index"`
	SnapshotTerm  core.Term     `json:"snapshot_term"`
	// ElectionElapsed is the ticks since the node last heard from a leader,
	// voted or campaigned (an approximation of etcd's private counter).
	ElectionElapsed int           `json:"election_elapsed"`
	Voters          []core.NodeID `json:"voters,omitempty"`
	// Learners, VotersOutgoing and LearnersNext complete the
	// configuration the node applied (core.Status): in a joint
	// configuration Voters are the incoming voters and VotersOutgoing the
	// outgoing ones.
	Learners       []core.NodeID       `json:"learners,omitempty"`
	VotersOutgoing []core.NodeID       `json:"voters_outgoing,omitempty"`
	LearnersNext   []core.NodeID       `json:"learners_next,omitempty"`
	Log            []EntryView         `json:"log"`
	LogOmitted     int                 `json:"log_omitted"` // entries in the log before the shown window
	KV             KVView              `json:"kv"`
	Progress       []core.PeerProgress `json:"progress,omitempty"` // leader only
	Error          string              `json:"error,omitempty"`
	// Member is set, in a native cluster's view, on a member hosted outside
	// the process (by a page or a `devserver -join` process): the cluster
	// carries its traffic but does not run it.
	Member bool `json:"member,omitempty"`
	// Left is set on a member that has left the cluster (its host went
	// away, or it was removed from the membership). It stays in the view,
	// as its id is never reused, but is down for good: nothing can act on it.
	Left bool `json:"left,omitempty"`
	// Unavailable maps each node command (crash, restart, isolate,
	// campaign, transfer; cut for its links) that cannot apply to this
	// node, whatever its state, to why, in the words the engine refuses
	// the command with. The simulator sets none.
	Unavailable map[CommandKind]string `json:"unavailable,omitempty"`
}

// EntryView is one log entry.
type EntryView struct {
	Index core.LogIndex `json:"index"`
	Term  core.Term     `json:"term"`
	// Type is "normal", "conf-change" or "conf-change-v2".
	Type string `json:"type"`
	// Op is the decoded operation ("set k=v #3", "del k"), a membership
	// change, or "" for the empty entry a new leader appends.
	Op string `json:"op"`
}

// MessageView is a message in flight.
type MessageView struct {
	ID      uint64        `json:"id"`
	From    core.NodeID   `json:"from"`
	To      core.NodeID   `json:"to"`
	Type    string        `json:"type"` // etcd's name, e.g. "MsgApp"
	Term    core.Term     `json:"term"`
	Index   core.LogIndex `json:"index,omitempty"`
	LogTerm core.Term     `json:"log_term,omitempty"`
	Commit  core.LogIndex `json:"commit,omitempty"`
	Entries int           `json:"entries,omitempty"`
	// Response is true for responses (MsgAppResp, MsgVoteResp, ...); Reject
	// tells a rejected response from an accepted one.
	Response bool  `json:"response,omitempty"`
	Reject   bool  `json:"reject,omitempty"`
	SentAt   int64 `json:"sent_at"`
	// DeliverAt is when it arrives; 0 while it waits for a command (manual).
	DeliverAt int64 `json:"deliver_at"`
	// Lost is true when the network will lose it on the way.
	Lost bool   `json:"lost,omitempty"`
	Text string `json:"text"`
	// Bytes is, for a snapshot (MsgSnap), the size of the state it carries.
	Bytes int `json:"bytes,omitempty"`
}

// Link is a directed link between two nodes.
type Link struct {
	From core.NodeID `json:"from"`
	To   core.NodeID `json:"to"`
}

// ClientView is one client.
type ClientView struct {
	ID      int         `json:"id"`
	Leader  core.NodeID `json:"leader"` // who it believes leads
	Pending string      `json:"pending,omitempty"`
	Issued  int         `json:"issued"`
}

// SafetyView is the checkers' state: OK, or the violation that halted the run.
type SafetyView struct {
	OK        bool       `json:"ok"`
	Violation *Violation `json:"violation,omitempty"`
}

// DefaultLogWindow is how many of the newest entries a node's view shows.
const DefaultLogWindow = 200
