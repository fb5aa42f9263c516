package sim

import (
	"fmt"

	"github.com/seshat-raft/seshat/wire"
)

// ExampleShrink shrinks a session to the commands a failure needs. Here
// the "failure" is a key the leader holds at the end, so the one command
// that sets it is all that is left of a session of five.
func ExampleShrink() {
	cfg := wire.DefaultConfig()
	cfg.Clients.Count = 0
	c, _ := New(cfg)
	for _, cmd := range []wire.Command{
		{Kind: wire.CmdSet, Key: "a", Value: "1"},
		{Kind: wire.CmdCrash, Node: 3},
		{Kind: wire.CmdSet, Key: "bug", Value: "yes"},
		{Kind: wire.CmdRestart, Node: 3},
		{Kind: wire.CmdSet, Key: "b", Value: "2"},
	} {
		_ = c.RunFor(1000)
		_ = c.Apply(cmd)
	}
	_ = c.RunFor(2000)
	hasBug := func(c *Cluster) bool {
		for _, n := range c.ViewWith(wire.ViewOptions{KVLimit: wire.MaxKVLimit}).Nodes {
			for _, kv := range n.KV.Pairs {
				if kv.Key == "bug" {
					return true
				}
			}
		}
		return false
	}
	r, err := Shrink(c.Export(), ShrinkOptions{Fails: hasBug})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("before:", r.Before.Commands, "commands")
	fmt.Println("after:", r.After.Commands, "command:", r.Session.Commands[0].Command.Kind, r.Session.Commands[0].Command.Key)
	// Output:
	// before: 5 commands
	// after: 1 command: set bug
}
