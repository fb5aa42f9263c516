package core

import (
	"encoding/json"
	"errors"
	"fmt"
	pb "go.etcd.io/raft/v3/raftpb"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/statemachine"
)

func validConfig() Config {
	cfg := DefaultConfig()
	cfg.Node = NodeConfig{ID: 2, ClientAddr: "127.0.0.1:2379", InternalAddr: "127.0.0.1:2380"}
	cfg.Cluster = ClusterConfig{Bootstrap: true, InitialMembers: []InitialMember{
		{ID: 1, Addr: "127.0.0.1:12380"}, {ID: 2, Addr: "127.0.0.1:2380"}, {ID: 3, Addr: "127.0.0.1:32380"},
	}}
	return cfg
}

func TestValidateAcceptsGoodConfigs(t *testing.T) {
	for name, cfg := range map[string]Config{
		"three members": validConfig(),
		"single node": func() Config {
			c := validConfig()
			c.Cluster = ClusterConfig{Bootstrap: true, ReplicationFactor: 1, InitialMembers: []InitialMember{{ID: 2}}}
			return c
		}(),
		"joining node": func() Config {
			c := validConfig()
			c.Cluster = ClusterConfig{}
			return c
		}(),
		"matching replication factor": func() Config {
			c := validConfig()
			c.Cluster.ReplicationFactor = 3
			return c
		}(),
		"two members, explicitly small": func() Config {
			c := validConfig()
			c.Cluster.InitialMembers = c.Cluster.InitialMembers[:2]
			c.Cluster.AllowSmallCluster = true
			return c
		}(),
		"lease reads with check quorum": func() Config {
			c := validConfig()
			c.Raft.ReadOnlyLeaseBased, c.Raft.CheckQuorum = true, true
			return c
		}(),
		"ipv6 and port 0 listen": func() Config {
			c := validConfig()
			c.Node.ClientAddr = "[::1]:0"
			return c
		}(),
		"in-process addresses left empty": func() Config {
			c := validConfig()
			c.Node.ClientAddr, c.Node.InternalAddr = "", ""
			for i := range c.Cluster.InitialMembers {
				c.Cluster.InitialMembers[i].Addr = ""
			}
			return c
		}(),
	} {
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", name, err)
		}
	}
}

func TestValidateRejectsNamingFieldAndRule(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		wfield string
		wrule  string // a phrase the rule must contain
	}{
		{"zero id", func(c *Config) { c.Node.ID = 0 }, "node.id", "greater than 0"},
		{"bad client addr", func(c *Config) { c.Node.ClientAddr = "localhost" }, "node.client_addr", "host:port"},
		{"unbracketed ipv6", func(c *Config) { c.Node.ClientAddr = "::1:80" }, "node.client_addr", "brackets"},
		{"unclosed bracket", func(c *Config) { c.Node.ClientAddr = "[::1:80" }, "node.client_addr", "host:port"},
		{"bad port", func(c *Config) { c.Node.InternalAddr = "127.0.0.1:http" }, "node.internal_addr", "port must be a number"},
		{"port out of range", func(c *Config) { c.Node.InternalAddr = "127.0.0.1:70000" }, "node.internal_addr", "1 to 65535"},
		{"advertise port 0", func(c *Config) { c.Node.AdvertiseAddr = "10.0.0.1:0" }, "node.advertise_addr", "port 0"},
		{"two members", func(c *Config) { c.Cluster.InitialMembers = c.Cluster.InitialMembers[:2] }, "cluster.initial_members", "at least 3"},
		{"one member without factor 1", func(c *Config) {
			c.Cluster.InitialMembers = []InitialMember{{ID: 2}}
		}, "cluster.initial_members", "replication_factor to 1"},
		{"factor 1 with three", func(c *Config) { c.Cluster.ReplicationFactor = 1 }, "cluster.replication_factor", "single-node"},
		{"factor mismatch", func(c *Config) { c.Cluster.ReplicationFactor = 5 }, "cluster.replication_factor", "must match"},
		{"negative factor", func(c *Config) { c.Cluster.ReplicationFactor = -1 }, "cluster.replication_factor", "negative"},
		{"duplicate id", func(c *Config) { c.Cluster.InitialMembers[2].ID = 1 }, "cluster.initial_members[2].id", "unique"},
		{"duplicate addr", func(c *Config) { c.Cluster.InitialMembers[2].Addr = "127.0.0.1:12380" }, "cluster.initial_members[2].addr", "unique"},
		{"member id 0", func(c *Config) { c.Cluster.InitialMembers[0].ID = 0 }, "cluster.initial_members[0].id", "greater than 0"},
		{"member bad addr", func(c *Config) { c.Cluster.InitialMembers[0].Addr = "nope" }, "cluster.initial_members[0].addr", "host:port"},
		{"not a member", func(c *Config) { c.Node.ID = 9 }, "cluster.initial_members", "must include this node"},
		{"bootstrap without members", func(c *Config) { c.Cluster.InitialMembers = nil }, "cluster.initial_members", "founding members"},
		{"zero heartbeat", func(c *Config) { c.Raft.HeartbeatIntervalMS = 0 }, "raft.heartbeat_interval_ms", "greater than 0"},
		{"election below 2x heartbeat", func(c *Config) {
			c.Raft.ElectionTimeoutMinMS, c.Raft.ElectionTimeoutMaxMS = 150, 300
		}, "raft.election_timeout_min_ms", "at least 2 x heartbeat"},
		{"election not a multiple", func(c *Config) {
			c.Raft.ElectionTimeoutMinMS, c.Raft.ElectionTimeoutMaxMS = 550, 1100
		}, "raft.election_timeout_min_ms", "multiple of heartbeat"},
		{"max not 2x min", func(c *Config) { c.Raft.ElectionTimeoutMaxMS = 1500 }, "raft.election_timeout_max_ms", "[min, 2 x min)"},
		{"zero snapshot entries", func(c *Config) { c.Raft.SnapshotIntervalEntries = 0 }, "raft.snapshot_interval_entries", "greater than 0"},
		{"zero snapshot bytes", func(c *Config) { c.Raft.SnapshotIntervalBytes = 0 }, "raft.snapshot_interval_bytes", "greater than 0"},
		{"log ceiling below interval", func(c *Config) { c.Raft.MaxLogSizeBytes = 1 }, "raft.max_log_size_bytes", "at least snapshot_interval_bytes"},
		{"lease without check quorum", func(c *Config) {
			c.Raft.ReadOnlyLeaseBased, c.Raft.CheckQuorum = true, false
		}, "raft.read_only_lease_based", "requires check_quorum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			cfg.Cluster.InitialMembers = append([]InitialMember(nil), cfg.Cluster.InitialMembers...)
			tt.mutate(&cfg)
			err := cfg.Validate()
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("Validate() = %v, want ErrConfig", err)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("no *ConfigError in %v", err)
			}
			found := false
			for _, e := range unjoin(err) {
				if errors.As(e, &ce) && ce.Field == tt.wfield && strings.Contains(ce.Rule, tt.wrule) {
					found = true
				}
			}
			if !found {
				t.Fatalf("Validate() = %q, want field %q with rule containing %q", err, tt.wfield, tt.wrule)
			}
		})
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := validConfig()
	cfg.Node.ID = 0
	cfg.Raft.HeartbeatIntervalMS = 0
	cfg.Raft.SnapshotIntervalEntries = 0
	if got := len(unjoin(cfg.Validate())); got < 3 {
		t.Fatalf("Validate reported %d problems, want at least 3", got)
	}
}

func TestValidateDataDir(t *testing.T) {
	cfg := validConfig()
	cfg.Node.DataDir = filepath.Join(t.TempDir(), "new", "dir")
	if err := cfg.Validate(); err != nil {
		t.Fatalf("creatable data_dir: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Node.DataDir = filepath.Join(file, "sub")
	var ce *ConfigError
	if err := cfg.Validate(); !errors.As(err, &ce) || ce.Field != "node.data_dir" {
		t.Fatalf("data_dir under a file: %v, want a node.data_dir ConfigError", err)
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	cfg := validConfig()
	cfg.Node.DataDir = t.TempDir()
	cfg.Node.AdvertiseAddr = "192.0.2.1:2380"
	cfg.Raft.PreVote = false
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"heartbeat_interval_ms":100`, `"initial_members"`, `"client_addr"`, `"pre_vote":false`} {
		if !strings.Contains(string(data), field) {
			t.Errorf("JSON %s lacks %s", data, field)
		}
	}
	got, err := ParseConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, cfg) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, cfg)
	}
}

func TestParseConfigDefaultsAndErrors(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"node":{"id":1},"cluster":{"bootstrap":true,"replication_factor":1,"initial_members":[{"id":1}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Raft, DefaultRaftConfig()) {
		t.Fatalf("missing raft section did not keep defaults: %+v", cfg.Raft)
	}
	if cfg.Raft.ElectionTicks() != 5 {
		t.Fatalf("ElectionTicks = %d, want 5 for 500 ms / 100 ms", cfg.Raft.ElectionTicks())
	}
	for _, tt := range []struct {
		in    string
		wkind error
		wtext string
	}{
		{`{"node":{"id":1},"raft":{"heartbeat_interval":5}}`, ErrSerialization, "heartbeat_interval"},
		{`{"node":`, ErrSerialization, "unexpected EOF"},
		{`{"node":{"id":"one"}}`, ErrSerialization, "id"},
		{`{"node":{"id":1}} {}`, ErrSerialization, "after the JSON object"},
		{`{"node":{"id":0}}`, ErrConfig, "node.id"},
	} {
		_, err := ParseConfig([]byte(tt.in))
		if !errors.Is(err, tt.wkind) || !strings.Contains(err.Error(), tt.wtext) {
			t.Errorf("ParseConfig(%s) = %v, want %v mentioning %q", tt.in, err, tt.wkind, tt.wtext)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	cause := errors.New("disk on fire")
	for _, tt := range []struct {
		err   error
		wkind error
	}{
		{storageErr("append", cause), ErrStorage},
		{raftErr("step", cause), ErrRaft},
		{serializationErr("decode", cause), ErrSerialization},
	} {
		if !errors.Is(tt.err, tt.wkind) || !errors.Is(tt.err, cause) {
			t.Errorf("%v: Is(kind)=%v Is(cause)=%v", tt.err, errors.Is(tt.err, tt.wkind), errors.Is(tt.err, cause))
		}
		for _, other := range []error{ErrStorage, ErrRaft, ErrSerialization, ErrConfig, ErrNotLeader, ErrNoQuorum} {
			if other != tt.wkind && errors.Is(tt.err, other) {
				t.Errorf("%v also matches %v", tt.err, other)
			}
		}
	}
	if raftErr("x", nil) != nil || storageErr("x", nil) != nil || serializationErr("x", nil) != nil {
		t.Error("wrapping nil must give nil")
	}
	nl := error(&NotLeaderError{Leader: 3})
	if !errors.Is(nl, ErrNotLeader) || !strings.Contains(nl.Error(), "n3") {
		t.Errorf("NotLeaderError = %v", nl)
	}
	if NodeID(7).String() != "n7" {
		t.Errorf("NodeID(7) = %s", NodeID(7))
	}
}

func TestFlowControlBounds(t *testing.T) {
	for _, tc := range []struct {
		inflight int
		size     uint64
		field    string
	}{
		{-1, 0, "raft.max_inflight_msgs"}, {MaxMaxInflightMsgs + 1, 0, "raft.max_inflight_msgs"}, {0, MaxMaxSizePerMsg + 1, "raft.max_size_per_msg"},
	} {
		r := DefaultRaftConfig()
		r.MaxInflightMsgs, r.MaxSizePerMsg = tc.inflight, tc.size
		err := r.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("inflight %d size %d: %v, want an error naming %s", tc.inflight, tc.size, err, tc.field)
		}
	}
	r := DefaultRaftConfig()
	if r.Inflight() != DefaultMaxInflightMsgs || r.SizePerMsg() != DefaultMaxSizePerMsg {
		t.Fatalf("defaults: %d, %d", r.Inflight(), r.SizePerMsg())
	}
	r.MaxInflightMsgs, r.MaxSizePerMsg = 3, 100
	if err := r.Validate(); err != nil || r.Inflight() != 3 || r.SizePerMsg() != 100 {
		t.Fatalf("3 and 100: %v, %d, %d", err, r.Inflight(), r.SizePerMsg())
	}
}

// TestInflightWindowFills: with MaxInflightMsgs 2, a leader sends a
// follower that stopped answering two appends, then pauses; the status
// says the window is full.
func TestInflightWindowFills(t *testing.T) {
	c := newTestCluster(t, 3, func(r *RaftConfig) { r.MaxInflightMsgs = 2 })
	leader := c.waitLeader()
	for i := range 3 {
		c.propose(leader, statemachine.Set(fmt.Sprint("a", i), "v"))
	}
	follower := followerOf(c, leader)
	c.cut[follower] = true
	for i := range 5 {
		c.propose(leader, statemachine.Set(fmt.Sprint("b", i), "v"))
	}
	st := c.nodes[leader].Status()
	c.nodes[leader].AddInflights(&st)
	for _, p := range st.Progress {
		if p.ID != follower {
			continue
		}
		if p.State != "replicate" || p.Inflight != 2 || !p.InflightFull || !p.Paused {
			t.Fatalf("progress of the silent follower %s: %+v; want replicate with 2 in flight, full and paused", follower, p)
		}
		return
	}
	t.Fatalf("no progress for %s in %+v", follower, st.Progress)
}

// TestEachMatchIsStatusProgress: EachMatch reports the leader's match
// index of every member, as Status does, and nothing on a follower.
func TestEachMatchIsStatusProgress(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	leader := c.waitLeader()
	follower := followerOf(c, leader)
	c.cut[follower] = true
	for i := range 4 {
		c.propose(leader, statemachine.Set(fmt.Sprint("k", i), "v"))
	}
	got := map[NodeID]LogIndex{}
	c.nodes[leader].EachMatch(func(id NodeID, m LogIndex) { got[id] = m })
	want := map[NodeID]LogIndex{}
	for _, p := range c.nodes[leader].Status().Progress {
		want[p.ID] = p.Match
	}
	if len(got) != 3 || !maps.Equal(got, want) {
		t.Fatalf("EachMatch %v, Status progress %v", got, want)
	}
	if got[follower] >= got[leader] {
		t.Fatalf("the cut follower %s matches %d, the leader %d: want it behind", follower, got[follower], got[leader])
	}
	calls := 0
	c.nodes[follower].EachMatch(func(NodeID, LogIndex) { calls++ })
	if calls != 0 {
		t.Fatalf("EachMatch on a follower called f %d times", calls)
	}
}

// TestChangeRefusalIsEtcdsChanger: ChangeRefusal gives etcd's changer's
// verdict on a change applied to a configuration.
func TestChangeRefusalIsEtcdsChanger(t *testing.T) {
	one := &pb.ConfState{Voters: []uint64{1}}
	joint := &pb.ConfState{Voters: []uint64{1, 2, 4}, VotersOutgoing: []uint64{1, 2, 3}}
	remove := func(id uint64) *pb.ConfChange {
		return &pb.ConfChange{Type: pb.ConfChangeRemoveNode.Enum(), NodeId: &id}
	}
	add := func(id uint64) *pb.ConfChange { return &pb.ConfChange{Type: pb.ConfChangeAddNode.Enum(), NodeId: &id} }
	for _, tc := range []struct {
		cs   *pb.ConfState
		cc   pb.ConfChangeI
		want string
	}{
		{one, add(2), ""},
		{one, remove(1), "removed all voters"},
		{joint, add(5), "can't apply simple config change in joint config"},
		{joint, &pb.ConfChangeV2{}, ""},
		{one, &pb.ConfChangeV2{}, "can't leave a non-joint config"},
	} {
		err := ChangeRefusal(tc.cs, tc.cc)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v on %v: %v, want accepted", tc.cc, tc.cs, err)
		case tc.want != "" && (!errors.Is(err, ErrConfChangeRefused) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v on %v: %v, want refused with %q", tc.cc, tc.cs, err, tc.want)
		}
	}
}
