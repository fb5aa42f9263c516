package native

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/wire"
)

// BenchmarkNativeWrites pushes b.N acknowledged writes through a 5-node
// cluster on loopback (default Raft timing, no injected latency) from many
// concurrent writers, with or without a page reading every event, and
// reports writes per second and the p50 and p99 latency of one write.
func BenchmarkNativeWrites(b *testing.B) {
	for _, bc := range []struct {
		writers int
		page    bool
	}{{16, false}, {64, false}, {64, true}} {
		writers := bc.writers
		name := fmt.Sprintf("writers=%d", writers)
		if bc.page {
			name += "/page"
		}
		b.Run(name, func(b *testing.B) {
			cfg := wire.DefaultConfig()
			cfg.Network = wire.NetworkConfig{}
			c := startCluster(b, cfg)
			waitLeader(b, c)
			// With page, a reader takes a frame with every event every
			// 100 ms, as a page watching the traffic does.
			done := make(chan struct{})
			var pageWG sync.WaitGroup
			if bc.page {
				pageWG.Add(1)
				go func() {
					defer pageWG.Done()
					t := time.NewTicker(100 * time.Millisecond)
					defer t.Stop()
					var since uint64
					for {
						select {
						case <-done:
							return
						case <-t.C:
							since = c.Frame(since, false, 0, wire.ViewOptions{LogWindow: 40}).View.Events
						}
					}
				}()
			}
			defer func() {
				close(done)
				pageWG.Wait()
			}()
			var next atomic.Int64
			lat := make([][]time.Duration, writers)
			var wg sync.WaitGroup
			var failed atomic.Int64
			b.ResetTimer()
			start := time.Now()
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						t0 := time.Now()
						_, err := c.Set(ctx, fmt.Sprintf("k%d", i%1000), "value")
						cancel()
						if err != nil {
							failed.Add(1)
							continue
						}
						lat[w] = append(lat[w], time.Since(t0))
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d of %d writes failed", n, b.N)
			}
			all := slices.Concat(lat...)
			slices.Sort(all)
			pct := func(p float64) float64 {
				return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "writes/s")
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}
