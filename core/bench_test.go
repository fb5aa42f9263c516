package core

import (
	"strconv"
	"testing"

	"github.com/seshat-raft/seshat/statemachine"
)

// BenchmarkProposeApply measures one write from Propose on the leader to its
// application on every node, with messages routed in memory.
func BenchmarkProposeApply(b *testing.B) {
	for _, size := range []int{1, 3} {
		b.Run(strconv.Itoa(size)+"nodes", func(b *testing.B) {
			c := newTestCluster(b, size, nil)
			leader := c.waitLeader()
			c.quiet = true
			data := statemachine.Set("key", "value").Encode()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.nodes[leader].Propose(data); err != nil {
					b.Fatal(err)
				}
				c.process()
			}
			b.StopTimer()
			want := c.nodes[leader].StateMachine().AppliedIndex()
			for _, id := range c.ids {
				if got := c.nodes[id].StateMachine().AppliedIndex(); got != want {
					b.Fatalf("%s applied %d, leader %d", id, got, want)
				}
			}
		})
	}
}
