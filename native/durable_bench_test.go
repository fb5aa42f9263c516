package native

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/wire"
)

// BenchmarkDurableWrites pushes b.N acknowledged writes through a 3-node
// durable cluster (StartDurable: every Ready round saved and synced to the
// node's log before its writes are acknowledged) on loopback, from 16
// concurrent writers, and reports acknowledged writes per second.
func BenchmarkDurableWrites(b *testing.B) {
	cfg := wire.DefaultConfig()
	cfg.Nodes = 3
	cfg.Network = wire.NetworkConfig{}
	c := startDurableCluster(b, cfg, b.TempDir())
	waitLeader(b, c)
	const writers = 16
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := c.Set(ctx, fmt.Sprintf("k%d", i%1000), "value")
				cancel()
				if err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d writes failed", n, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "writes/s")
}
