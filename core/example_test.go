package core_test

import (
	"fmt"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
)

// A single-node cluster: tick until the node elects itself, propose a write,
// and run the Ready loop until it is applied.
func Example() {
	cfg := core.DefaultConfig()
	cfg.Node.ID = 1
	cfg.Cluster = core.ClusterConfig{Bootstrap: true, ReplicationFactor: 1, InitialMembers: []core.InitialMember{{ID: 1}}}
	n, err := core.New(cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for !n.IsLeader() {
		n.Tick()
		if _, err := n.HandleReady(); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := n.Propose(statemachine.Set("greeting", "hello").Encode()); err != nil {
		fmt.Println(err)
		return
	}
	for n.HasReady() {
		if _, err := n.HandleReady(); err != nil {
			fmt.Println(err)
			return
		}
	}
	v, _ := n.StateMachine().Get("greeting")
	st := n.Status()
	fmt.Printf("%s is %s in term %d; greeting=%s at index %d\n", st.ID, st.Role, st.Term, v, st.Applied)
	// Output:
	// n1 is leader in term 2; greeting=hello at index 3
}
