package sim

import (
	"runtime"
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

// benchConfig is 5 nodes with 10 client operations per virtual second.
func benchConfig() wire.Config {
	cfg := wire.DefaultConfig()
	cfg.Clients.Count = 2
	cfg.Clients.RatePerSec = 5
	return cfg
}

// BenchmarkSimulate10Minutes simulates 10 virtual minutes of benchConfig.
func BenchmarkSimulate10Minutes(b *testing.B) {
	var msgs uint64
	for i := 0; i < b.N; i++ {
		c, err := New(benchConfig())
		if err != nil {
			b.Fatal(err)
		}
		if err := c.RunFor(10 * 60 * 1000); err != nil {
			b.Fatal(err)
		}
		msgs += c.nextMsg
	}
	reportSpeed(b, msgs, 10*60)
}

// reportSpeed reports messages per op, messages per wall second and virtual
// seconds per wall second.
func reportSpeed(b *testing.B, msgs uint64, virtualSeconds float64) {
	wall := b.Elapsed().Seconds()
	b.ReportMetric(float64(msgs)/float64(b.N), "msgs/op")
	b.ReportMetric(float64(msgs)/wall, "msgs/s")
	b.ReportMetric(virtualSeconds*float64(b.N)/wall, "vsec/s")
}

// BenchmarkHeapAfterOneHour simulates one virtual hour of 5 nodes with about
// 100 completed client operations per second (14 clients, each thinking 100
// ms on average between requests) and reports the live heap at the end:
// snapshots and log compaction must keep it bounded.
func BenchmarkHeapAfterOneHour(b *testing.B) {
	for i := 0; i < b.N; i++ {
		cfg := wire.DefaultConfig()
		cfg.Clients.Count = 14
		cfg.Clients.RatePerSec = 10
		c, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.RunFor(60 * 60 * 1000); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heapMB")
		b.ReportMetric(float64(len(c.history))/3600, "ops/s")
		runtime.KeepAlive(c)
	}
}
