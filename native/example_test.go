package native_test

import (
	"context"
	"fmt"
	"time"

	"github.com/seshat-raft/seshat/native"
	"github.com/seshat-raft/seshat/wire"
)

// Three nodes on loopback elect a leader; a write goes through the Raft log
// and a linearizable read sees it.
func Example() {
	cfg := wire.DefaultConfig()
	cfg.Nodes = 3
	cfg.Raft.HeartbeatIntervalMS = 10
	cfg.Raft.ElectionTimeoutMinMS = 100
	cfg.Raft.ElectionTimeoutMaxMS = 200
	c, err := native.Start(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Stop()

	// Set waits out the first election, then returns once the leader has
	// applied the write.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Set(ctx, "greeting", "hello"); err != nil {
		fmt.Println(err)
		return
	}
	v, found, err := c.Get(ctx, "greeting")
	fmt.Println(v, found, err)
	// Output: hello true <nil>
}
