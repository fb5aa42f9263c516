package main

import (
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkFrame9Nodes measures one frame call as the page makes it at 10x
// speed (167 virtual ms per animation frame) with 9 nodes, slow links and 10
// clients, about 140 messages in flight: run, build checkpoints, build the
// view and encode the answer (decoding it, as the page does, is not
// timed). events=all is what a page showing every
// message costs; events=notable is the page's default.
func BenchmarkFrame9Nodes(b *testing.B) {
	for _, events := range []string{"all", "notable"} {
		b.Run("events="+events, func(b *testing.B) {
			var e Engine
			create := `{"nodes": 9, "seed": 1, "network": {"min_latency_ms": 200, "max_latency_ms": 300}, "clients": {"count": 10, "rate_per_sec": 1}}`
			if r := e.Call("create", []byte(create)); !json.Valid(r) {
				b.Fatalf("create: %s", r)
			}
			var since uint64
			frame := func() (Frame, int) {
				args := fmt.Appendf(nil, `{"advance_ms": 167, "maintain_steps": 2000, "log_window": 40, "events": %q, "max_events": 500, "since": %d}`, events, since)
				b.StartTimer()
				out := e.Call("frame", args)
				b.StopTimer()
				var a struct {
					OK     bool   `json:"ok"`
					Error  string `json:"error"`
					Result Frame  `json:"result"`
				}
				if err := json.Unmarshal(out, &a); err != nil || !a.OK {
					b.Fatalf("frame: %v %s", err, a.Error)
				}
				since = a.Result.View.Events
				return a.Result, len(out)
			}
			for range 120 { // 20 virtual seconds: leader elected, clients busy
				frame()
			}
			bytes, evs, msgs := 0, 0, 0
			b.ResetTimer()
			b.StopTimer() // only the engine's call is timed
			for range b.N {
				f, n := frame()
				bytes += n
				evs += len(f.Events)
				msgs += len(f.View.Messages)
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "B/frame")
			b.ReportMetric(float64(evs)/float64(b.N), "events/frame")
			b.ReportMetric(float64(msgs)/float64(b.N), "inflight")
		})
	}
}
