package core

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Config is everything a RaftNode starts from: who it is, which cluster it
// belongs to, and how Raft is tuned. Its JSON form uses the snake_case names
// shown on each field.
type Config struct {
	Node    NodeConfig    `json:"node"`
	Cluster ClusterConfig `json:"cluster"`
	Raft    RaftConfig    `json:"raft"`
}

// NodeConfig says who this node is and where it can be reached. Addresses are
// host:port strings; they may be left empty for nodes that live inside one
// process (the simulator), and are checked when set.
type NodeConfig struct {
	// ID is the node's Raft id, > 0 and unique in the cluster.
	ID NodeID `json:"id"`
	// ClientAddr is where clients send requests (listen address; port 0 picks one).
	ClientAddr string `json:"client_addr,omitempty"`
	// InternalAddr is where peers send Raft messages (listen address; port 0 picks one).
	InternalAddr string `json:"internal_addr,omitempty"`
	// DataDir holds durable state for native nodes; empty keeps everything in memory.
	DataDir string `json:"data_dir,omitempty"`
	// AdvertiseAddr is the internal address peers should dial, when it differs
	// from InternalAddr (for example when listening on 0.0.0.0).
	AdvertiseAddr string `json:"advertise_addr,omitempty"`
}

// ClusterConfig describes the cluster the node starts in.
type ClusterConfig struct {
	// Bootstrap is true when this node is one of the founding members listed in
	// InitialMembers and its storage is empty; false when it joins an existing
	// cluster (it is added with a configuration change and receives a snapshot).
	Bootstrap bool `json:"bootstrap"`
	// InitialMembers are the founding voters. Required when Bootstrap is set.
	InitialMembers []InitialMember `json:"initial_members,omitempty"`
	// ReplicationFactor is the number of voters. 0 means "as many as
	// InitialMembers"; 1 allows a single-node cluster, which otherwise is refused.
	ReplicationFactor int `json:"replication_factor,omitempty"`
	// AllowSmallCluster permits one or two initial members without
	// replication_factor 1. Such a cluster tolerates no failure; the
	// simulator uses it to show why three members are the minimum.
	AllowSmallCluster bool `json:"allow_small_cluster,omitempty"`
}

// InitialMember is one founding voter of a cluster.
type InitialMember struct {
	// ID is the member's Raft id, > 0.
	ID NodeID `json:"id"`
	// Addr is the member's internal (peer) address; empty for in-process nodes.
	Addr string `json:"addr,omitempty"`
}

// RaftConfig tunes etcd Raft and the node's snapshot policy.
//
// Raft counts time in ticks; a RaftNode is ticked once per HeartbeatIntervalMS,
// so etcd's HeartbeatTick is 1 and its ElectionTick is
// ElectionTimeoutMinMS / HeartbeatIntervalMS. etcd Raft draws each election
// timeout uniformly from [ElectionTick, 2*ElectionTick) ticks, which is why
// ElectionTimeoutMaxMS must be exactly twice ElectionTimeoutMinMS.
type RaftConfig struct {
	// HeartbeatIntervalMS is the tick length and the leader's heartbeat period.
	HeartbeatIntervalMS int `json:"heartbeat_interval_ms"`
	// ElectionTimeoutMinMS is the shortest election timeout, a multiple of the
	// heartbeat interval and at least twice it.
	ElectionTimeoutMinMS int `json:"election_timeout_min_ms"`
	// ElectionTimeoutMaxMS must equal 2 x ElectionTimeoutMinMS (see above).
	ElectionTimeoutMaxMS int `json:"election_timeout_max_ms"`
	// SnapshotIntervalEntries: a snapshot is taken once this many entries have
	// been applied since the last one.
	SnapshotIntervalEntries uint64 `json:"snapshot_interval_entries"`
	// SnapshotIntervalBytes: a snapshot is also taken once the log entries
	// after the last snapshot reach this many bytes.
	SnapshotIntervalBytes uint64 `json:"snapshot_interval_bytes"`
	// SnapshotCatchupEntries is how many entries before a new snapshot are kept
	// in the log after compaction, so a slightly slow follower can catch up from
	// the log instead of needing the whole snapshot.
	SnapshotCatchupEntries uint64 `json:"snapshot_catchup_entries"`
	// MaxLogSizeBytes caps the bytes of log entries kept in storage: past it a
	// snapshot is taken at once and the log compacted up to the applied index,
	// dropping the catch-up window.
	MaxLogSizeBytes uint64 `json:"max_log_size_bytes"`
	// PreVote runs a pre-election round so a partitioned node rejoining with a
	// higher term does not depose a healthy leader.
	PreVote bool `json:"pre_vote"`
	// CheckQuorum makes a leader step down when it has not heard from a quorum
	// within an election timeout.
	CheckQuorum bool `json:"check_quorum"`
	// ReadOnlyLeaseBased serves ReadIndex from the leader's lease instead of a
	// heartbeat round. It trusts bounded clock drift and requires CheckQuorum.
	ReadOnlyLeaseBased bool `json:"read_only_lease_based"`
	// MaxInflightMsgs is how many appends the leader keeps in flight to one
	// follower before it pauses sending to it (etcd's MaxInflightMsgs); 0
	// means DefaultMaxInflightMsgs.
	MaxInflightMsgs int `json:"max_inflight_msgs,omitempty"`
	// MaxSizePerMsg bounds the bytes of entries in one append (etcd's
	// MaxSizePerMsg; at least one entry is always sent); 0 means
	// DefaultMaxSizePerMsg.
	MaxSizePerMsg uint64 `json:"max_size_per_msg,omitempty"`
}

// Flow-control defaults and bounds.
const (
	// DefaultMaxInflightMsgs: 256 appends in flight per follower keep a
	// fast link busy without queueing without end on a slow one.
	DefaultMaxInflightMsgs = 256
	// DefaultMaxSizePerMsg: 1 MiB of entries per append.
	DefaultMaxSizePerMsg = 1 << 20
	// MaxMaxInflightMsgs and MaxMaxSizePerMsg bound what a configuration
	// may ask for: etcd allocates the in-flight window up front.
	MaxMaxInflightMsgs = 10_000
	MaxMaxSizePerMsg   = 64 << 20
)

// Inflight is MaxInflightMsgs with its default applied.
func (r RaftConfig) Inflight() int {
	if r.MaxInflightMsgs == 0 {
		return DefaultMaxInflightMsgs
	}
	return r.MaxInflightMsgs
}

// SizePerMsg is MaxSizePerMsg with its default applied.
func (r RaftConfig) SizePerMsg() uint64 {
	if r.MaxSizePerMsg == 0 {
		return DefaultMaxSizePerMsg
	}
	return r.MaxSizePerMsg
}

// Defaults, each with the reason for its value.
const (
	// DefaultHeartbeatIntervalMS: etcd's default; frequent enough to keep
	// followers from timing out on a LAN, rare enough to be cheap.
	DefaultHeartbeatIntervalMS = 100
	// DefaultElectionTimeoutMinMS: five heartbeats, so a few lost heartbeats do
	// not start an election; etcd draws from [500, 1000) ms.
	DefaultElectionTimeoutMinMS = 500
	// DefaultElectionTimeoutMaxMS: twice the minimum, as etcd Raft draws it.
	DefaultElectionTimeoutMaxMS = 2 * DefaultElectionTimeoutMinMS
	// DefaultSnapshotIntervalEntries: etcd's --snapshot-count scale; a snapshot
	// every 10,000 entries keeps restart replay short without snapshotting often.
	DefaultSnapshotIntervalEntries = 10_000
	// DefaultSnapshotIntervalBytes: 100 MiB of log since the last snapshot
	// bounds replay time for clusters with large values.
	DefaultSnapshotIntervalBytes = 100 << 20
	// DefaultSnapshotCatchupEntries: etcd server keeps 5,000 entries after
	// compaction so followers a little behind catch up from the log.
	DefaultSnapshotCatchupEntries = 5_000
	// DefaultMaxLogSizeBytes: 500 MiB is a hard ceiling well above the snapshot
	// interval, reached only if snapshots cannot keep up.
	DefaultMaxLogSizeBytes = 500 << 20
)

// DefaultRaftConfig returns the default Raft tuning. PreVote and CheckQuorum
// are on (they stop a rejoining partitioned node or a cut-off leader from
// disrupting the cluster, as etcd server does); lease-based reads are off
// because they depend on clocks.
func DefaultRaftConfig() RaftConfig {
	return RaftConfig{
		HeartbeatIntervalMS:     DefaultHeartbeatIntervalMS,
		ElectionTimeoutMinMS:    DefaultElectionTimeoutMinMS,
		ElectionTimeoutMaxMS:    DefaultElectionTimeoutMaxMS,
		SnapshotIntervalEntries: DefaultSnapshotIntervalEntries,
		SnapshotIntervalBytes:   DefaultSnapshotIntervalBytes,
		SnapshotCatchupEntries:  DefaultSnapshotCatchupEntries,
		MaxLogSizeBytes:         DefaultMaxLogSizeBytes,
		PreVote:                 true,
		CheckQuorum:             true,
	}
}

// DefaultConfig returns a configuration with the default Raft tuning and no
// node or cluster set; fill those in before Validate.
func DefaultConfig() Config { return Config{Raft: DefaultRaftConfig()} }

// ElectionTicks is etcd Raft's ElectionTick for this configuration.
func (r RaftConfig) ElectionTicks() int {
	if r.HeartbeatIntervalMS <= 0 {
		return 0
	}
	return r.ElectionTimeoutMinMS / r.HeartbeatIntervalMS
}

// ParseConfig decodes a JSON configuration on top of DefaultConfig, so fields
// left out keep their defaults, and validates it. Unknown fields are refused,
// since a misspelt field silently keeping its default is worse than an error.
func ParseConfig(data []byte) (Config, error) {
	cfg := DefaultConfig()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, serializationErr("parse configuration", fmt.Errorf("%w (fields use snake_case, e.g. \"heartbeat_interval_ms\")", err))
	}
	if dec.More() {
		return Config{}, serializationErr("parse configuration", fmt.Errorf("unexpected data after the JSON object"))
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}
