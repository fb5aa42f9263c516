package sim

import (
	"bytes"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// linHistory60s runs 60 virtual seconds of a 5-node cluster with 5 clients
// at 10 requests per second each over 3 keys, a lossy network, a crash, a
// partition and an isolation, and returns its client history.
func linHistory60s(tb testing.TB, seed uint64) []HistoryOp {
	tb.Helper()
	cfg := wire.DefaultConfig()
	cfg.Seed = seed
	cfg.Clients = wire.ClientConfig{Count: 5, RatePerSec: 10, TimeoutMS: 1000, Keys: 3}
	cfg.Network = wire.NetworkConfig{MinLatencyMS: 5, MaxLatencyMS: 40, DropRate: 0.02, DuplicateRate: 0.02, ReorderRate: 0.05}
	c, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	script := map[int64]wire.Command{
		10_000: {Kind: wire.CmdCrash, Node: core.NodeID(1 + seed%5)},
		15_000: {Kind: wire.CmdRestart, Node: core.NodeID(1 + seed%5)},
		25_000: {Kind: wire.CmdPartition, Groups: [][]core.NodeID{{1, 2}, {3, 4, 5}}},
		35_000: {Kind: wire.CmdHeal},
		45_000: {Kind: wire.CmdIsolate, Node: 4},
		50_000: {Kind: wire.CmdHeal},
	}
	for at := int64(5_000); at <= 60_000; at += 5_000 {
		if err := c.RunUntil(at); err != nil {
			tb.Fatal(err)
		}
		if cmd, ok := script[at]; ok {
			if err := c.Apply(cmd); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return c.History()
}

// BenchmarkCheckHistory60s measures the linearizability check of a 60
// virtual second history (about 2,500 operations).
func BenchmarkCheckHistory60s(b *testing.B) {
	h := linHistory60s(b, 1)
	unknown := 0
	for _, op := range h {
		if op.Unknown || (op.Return < 0 && !op.Failed) {
			unknown++
		}
	}
	b.ResetTimer()
	var r LinearizabilityResult
	for b.Loop() {
		r = CheckHistory(h)
	}
	if !r.OK {
		b.Fatal(r.Text)
	}
	b.ReportMetric(float64(r.Ops), "histops")
	b.ReportMetric(float64(unknown), "unknown")
}

// BenchmarkWriteHistoryHTML60s measures the verbose check and Porcupine's
// visualization of the same history.
func BenchmarkWriteHistoryHTML60s(b *testing.B) {
	h := linHistory60s(b, 1)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteHistoryHTML(&buf, h); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "htmlbytes")
}
