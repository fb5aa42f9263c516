package etcdscript_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/seshat-raft/seshat/etcdscript"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// ExampleExport exports a three-node run with one write and prints the
// script's directives that change the cluster.
func ExampleExport() {
	cfg := wire.DefaultConfig()
	cfg.Nodes = 3
	c, err := sim.New(cfg)
	if err != nil {
		panic(err)
	}
	_ = c.RunUntil(2000)
	_ = c.Apply(wire.Command{Kind: wire.CmdSet, Key: "greeting", Value: "hello world"})
	_ = c.RunUntil(4000)
	var buf bytes.Buffer
	if err := etcdscript.Export(&buf, c); err != nil {
		panic(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		for _, cmd := range []string{"add-nodes", "campaign", "propose"} {
			if strings.HasPrefix(line, cmd+" ") {
				fmt.Println(line)
			}
		}
	}
	// Output:
	// add-nodes 3 voters=(1,2,3) index=3 prevote=true checkquorum=true inflight=256 read-only=safe step-down-on-removal=true
	// campaign 1
	// campaign 1
	// propose 1 set:1:greeting:hello+world
}
