package main

import (
	"encoding/json"
	"slices"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// memberResult is a member-* call's result as the page reads it.
type memberResult struct {
	Messages [][]byte      `json:"messages"`
	View     wire.NodeView `json:"view"`
	Events   []wire.Event  `json:"events"`
	Refused  []string      `json:"refused"`
}

func memberCall(t *testing.T, e *Engine, op string, args any) memberResult {
	t.Helper()
	data, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	r := call(t, e, op, string(data))
	if !r.OK {
		t.Fatalf("%s: %s (%s)", op, r.Error, r.Kind)
	}
	var res memberResult
	if err := json.Unmarshal(r.Result, &res); err != nil {
		t.Fatalf("%s: %v: %s", op, err, r.Result)
	}
	return res
}

// TestMemberCalls drives a page-hosted member through the engine's JSON
// calls: a single-node core cluster adds it as a voter, after which every
// write needs its acknowledgement (2 voters), so it commits only if the
// member's answers, base64 raftpb bytes, are right.
func TestMemberCalls(t *testing.T) {
	rc := core.DefaultRaftConfig()
	rc.HeartbeatIntervalMS, rc.ElectionTimeoutMinMS, rc.ElectionTimeoutMaxMS = 10, 100, 200
	cfg := core.Config{Node: core.NodeConfig{ID: 1}, Raft: rc,
		Cluster: core.ClusterConfig{Bootstrap: true, InitialMembers: []core.InitialMember{{ID: 1}}, ReplicationFactor: 1}}
	leader, err := core.New(cfg, storage.NewMemStorage())
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{}
	if r := call(t, e, "member-tick", `{}`); r.OK || r.Kind != "bad-request" {
		t.Fatalf("member-tick before member-start: %+v", r)
	}
	if r := call(t, e, "member-start", `{"id":0}`); r.OK || r.Kind != "bad-config" {
		t.Fatalf("member-start id 0: %+v", r)
	}
	start := memberCall(t, e, "member-start", map[string]any{"id": 2, "raft": map[string]any{"heartbeat_interval_ms": 10, "election_timeout_min_ms": 100, "election_timeout_max_ms": 200}})
	if start.View.ID != 2 || len(start.View.Voters) != 0 || len(start.Messages) != 0 {
		t.Fatalf("member-start: %+v", start)
	}

	// Messages between the leader (in this test) and the member (through
	// the engine's calls), until both have nothing more to say.
	var view wire.NodeView
	exchange := func(toMember []*pb.Message) {
		for round := 0; len(toMember) > 0; round++ {
			if round > 1000 {
				t.Fatal("the exchange never ends")
			}
			var args struct {
				Messages [][]byte `json:"messages"`
			}
			for _, m := range toMember {
				data, err := proto.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				args.Messages = append(args.Messages, data)
			}
			res := memberCall(t, e, "member-step", args)
			if len(res.Refused) > 0 {
				t.Fatalf("refused: %v", res.Refused)
			}
			view = res.View
			toMember = nil
			for _, data := range res.Messages {
				var m pb.Message
				if err := proto.Unmarshal(data, &m); err != nil {
					t.Fatal(err)
				}
				_ = leader.Step(&m)
			}
			toMember = append(toMember, ready(t, leader)...)
		}
	}
	ready(t, leader)
	for i := 0; i < 100 && !leader.IsLeader(); i++ {
		leader.Tick()
		ready(t, leader)
	}
	if !leader.IsLeader() {
		t.Fatal("no leader")
	}
	if err := leader.ProposeConfChange(&pb.ConfChange{Type: pb.ConfChangeAddNode.Enum(), NodeId: proto.Uint64(2)}); err != nil {
		t.Fatal(err)
	}
	exchange(ready(t, leader))
	for i := 0; i < 20 && !slices.Equal(view.Voters, []core.NodeID{1, 2}); i++ {
		leader.Tick()
		exchange(ready(t, leader))
		tick := memberCall(t, e, "member-tick", nil)
		view = tick.View
	}
	if !slices.Equal(view.Voters, []core.NodeID{1, 2}) {
		t.Fatalf("the member's voters: %+v", view)
	}
	op := statemachine.Operation{Kind: statemachine.OpSet, Key: "k", Value: "from the leader", ID: 7}
	if err := leader.Propose(op.Encode()); err != nil {
		t.Fatal(err)
	}
	exchange(ready(t, leader))
	leader.Tick() // the next heartbeat carries the commit index
	exchange(ready(t, leader))
	if got, ok := leader.StateMachine().Get("k"); !ok || got != "from the leader" {
		t.Fatalf("the leader did not commit with the member's acknowledgement: %q %v", got, ok)
	}
	v := memberCall(t, e, "member-view", nil).View
	if !slices.Contains(v.KV.Pairs, wire.KVPair{Key: "k", Value: "from the leader"}) || v.Leader != 1 || v.Role != core.RoleFollower {
		t.Fatalf("member view %+v", v)
	}
	if res := memberCall(t, e, "member-step", map[string]any{"message": []byte{0xff}}); len(res.Refused) != 1 {
		t.Fatalf("a malformed message: %+v", res)
	}
	memberCall(t, e, "member-stop", nil)
	if r := call(t, e, "member-view", `{}`); r.OK {
		t.Fatalf("member-view after member-stop: %+v", r)
	}
}

// ready handles the node's Ready rounds and returns their messages.
func ready(t *testing.T, n *core.RaftNode) []*pb.Message {
	t.Helper()
	var out []*pb.Message
	for n.HasReady() {
		msgs, err := n.HandleReady()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, msgs...)
	}
	return out
}
