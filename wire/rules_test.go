package wire

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
)

// TestEveryCommandKindHasOneRule checks the table: one rule per kind, no
// kind twice, and every field a rule names is a field of Command's JSON.
func TestEveryCommandKindHasOneRule(t *testing.T) {
	fields := map[string]bool{}
	ct := reflect.TypeFor[Command]()
	for i := range ct.NumField() {
		fields[strings.Split(ct.Field(i).Tag.Get("json"), ",")[0]] = true
	}
	seen := map[CommandKind]bool{}
	for _, r := range CommandRules() {
		if seen[r.Kind] {
			t.Errorf("%s has two rules", r.Kind)
		}
		seen[r.Kind] = true
		if r.check == nil || r.Doc == "" {
			t.Errorf("%s: no check or no doc", r.Kind)
		}
		for _, f := range r.Fields {
			if !fields[f] || f == "kind" {
				t.Errorf("%s names field %q, not one of Command's", r.Kind, f)
			}
		}
	}
	for _, k := range []CommandKind{CmdSet, CmdDel, CmdGet, CmdCrash, CmdRestart, CmdPartition, CmdHeal, CmdCut, CmdIsolate, CmdCampaign,
		CmdTransfer, CmdDeliver, CmdDrop, CmdDuplicate, CmdNetwork, CmdManual, CmdAddClients, CmdRemoveClients,
		CmdAddNode, CmdAddLearner, CmdPromote, CmdRemoveNode, CmdReplace, CmdChange, CmdLeaveJoint, CmdReseed} {
		if !seen[k] {
			t.Errorf("%s has no rule", k)
		}
	}
	if len(seen) != 26 {
		t.Errorf("%d rules; want the 26 kinds", len(seen))
	}
}

// fakeState is a CommandState of three nodes, node 2 down, leader 1, a
// member 4 hosted outside that refuses crash.
type fakeState struct{ realTime bool }

func (fakeState) Nodes() int                              { return 3 }
func (fakeState) Up(id core.NodeID) bool                  { return id != 2 }
func (fakeState) Leader() core.NodeID                     { return 1 }
func (fakeState) Config() Config                          { return DefaultConfig() }
func (s fakeState) RealTime() bool                        { return s.realTime }
func (fakeState) InFlight(msg uint64) (core.NodeID, bool) { return 2, msg == 7 }
func (fakeState) Clients() int                            { return 1 }
func (fakeState) Hosted(id core.NodeID) bool              { return id == 4 }
func (fakeState) Membership() Membership {
	return Membership{Voters: []core.NodeID{1, 2, 3}, Learners: []core.NodeID{4}}
}
func (fakeState) CheckConfChange(pb.ConfChangeI) error { return nil }
func (fakeState) Refusal(id core.NodeID, kind CommandKind) string {
	if id == 4 && kind != CmdTransfer {
		return "n4 is hosted elsewhere"
	}
	return ""
}

// TestCheckCommandRefusesInOneVoice checks CheckCommand's errors: their
// kind and their words, for a simulated and a real-time cluster.
func TestCheckCommandRefusesInOneVoice(t *testing.T) {
	for _, tt := range []struct {
		cmd      Command
		realTime bool
		want     error
		text     string
	}{
		{Command{Kind: CmdSet, Key: "k", Value: "v"}, false, nil, ""},
		{Command{}, false, ErrBadCommand, "sim: invalid command: : kind is missing"},
		{Command{Kind: "explode"}, false, ErrBadCommand, `sim: invalid command: unknown kind "explode"`},
		{Command{Kind: CmdDel, Key: "k", Value: "v"}, false, ErrBadCommand, "sim: invalid command: del: takes no value"},
		{Command{Kind: CmdGet, Key: "k", Node: 2}, false, ErrImpossible, "sim: impossible now: get: n2 is down"},
		{Command{Kind: CmdCrash, Node: 9}, false, ErrUnknownNode, "sim: unknown node: crash: node 9; nodes are 1 to 3"},
		{Command{Kind: CmdCrash, Node: 4}, true, ErrImpossible, "sim: impossible now: crash: n4 is hosted elsewhere"},
		{Command{Kind: CmdRestart, Node: 1}, false, ErrImpossible, "sim: impossible now: restart: n1 is running; crash it first"},
		{Command{Kind: CmdTransfer, Node: 1}, false, ErrImpossible, "sim: impossible now: transfer: n1 is already the leader"},
		{Command{Kind: CmdTransfer, Node: 4}, true, nil, ""},
		{Command{Kind: CmdCut, Node: 1, Peer: 1}, false, ErrBadCommand, "sim: invalid command: cut: node and peer are both n1; a link joins two nodes"},
		{Command{Kind: CmdHeal}, false, nil, ""},
		{Command{Kind: CmdPartition, Groups: [][]core.NodeID{{1, 4}}}, true, ErrImpossible, "sim: impossible now: partition: n4 is hosted elsewhere"},
		{Command{Kind: CmdDeliver, Msg: 7}, false, ErrImpossible, "sim: impossible now: deliver: n2 is down; the message can only be dropped"},
		{Command{Kind: CmdDrop, Msg: 8}, false, ErrUnknownMessage, "sim: unknown message: drop: message 8 is not in flight"},
		{Command{Kind: CmdDrop, Msg: 7}, true, ErrImpossible, "sim: impossible now: drop: " + realTimeMessages},
		{Command{Kind: CmdAddClients, Count: 100}, false, ErrBadCommand, "sim: invalid command: add-clients: count 100 must be at least 1 and keep the clients at most 100 (now 1)"},
		{Command{Kind: CmdRemoveClients, Count: 1}, true, ErrImpossible, "sim: impossible now: remove-clients: " + realTimeClients},
		{Command{Kind: CmdNetwork}, false, ErrBadCommand, "sim: invalid command: network: network settings are missing"},
	} {
		err := CheckCommand(tt.cmd, fakeState{realTime: tt.realTime})
		if tt.want == nil {
			if err != nil {
				t.Errorf("%+v: %v", tt.cmd, err)
			}
			continue
		}
		if !errors.Is(err, tt.want) || err.Error() != tt.text {
			t.Errorf("%+v (real time %v): %v; want %q", tt.cmd, tt.realTime, err, tt.text)
		}
		if tt.realTime {
			continue
		}
		if rt := RealTimeRefusal(tt.cmd); (rt != nil) != (RealTimeRefusals()[tt.cmd.Kind] != "") {
			t.Errorf("%s: RealTimeRefusal %v disagrees with RealTimeRefusals", tt.cmd.Kind, rt)
		}
	}
}
