//go:build !js

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/internal/schemajs"
	"github.com/seshat-raft/seshat/native"
	"github.com/seshat-raft/seshat/wire"
)

// realFrames holds real frames, pruned, for the fake engine's test
// (web/engine/frame-shape.test.js).
var realFrames = golden{path: schemajs.FramesPath, test: "TestRealFrames"}

// TestRealFrames makes frames with the in-browser engine (this package,
// running the simulator) and with a native cluster, and checks that the
// committed web/engine/testdata/real-frames.json has the same fields at
// every level (with -update it rewrites the file). The page's fake engine
// is checked against that file (web/engine/frame-shape.test.js), so a field
// added, renamed or dropped in package wire fails here until the file is
// updated, and then there until the fake follows.
func TestRealFrames(t *testing.T) {
	maps := schemajs.MapFields()
	wasmF, wasmP := wasmFrames(t, maps)
	nativeF, nativeP := nativeFrames(t, maps)
	fresh := schemajs.RealFrames{
		Note:      "real frames and committed-log pages, pruned to one object per distinct set of fields; written by go test ./wasm -run TestRealFrames -update",
		MapFields: maps,
		Engines:   map[string][]any{"wasm": wasmF, "native": nativeF},
		LogPages:  map[string][]any{"wasm": wasmP, "native": nativeP},
	}
	checkGolden(t, realFrames, fresh, func(old, fresh schemajs.RealFrames) []string {
		var diffs []string
		if strings.Join(old.MapFields, ",") != strings.Join(maps, ",") {
			diffs = append(diffs, fmt.Sprintf("map_fields %v, the schema has %v", old.MapFields, maps))
		}
		// The simulator is deterministic: its frames must have exactly
		// the committed shape.
		if d := schemajs.ShapeDiff(schemajs.Shape(old.Engines["wasm"], maps), schemajs.Shape(fresh.Engines["wasm"], maps)); d != "" {
			diffs = append(diffs, "the in-browser engine's frames changed shape:\n"+strings.TrimSuffix(d, "\n"))
		}
		if d := schemajs.ShapeDiff(schemajs.Shape(old.LogPages["wasm"], maps), schemajs.Shape(fresh.LogPages["wasm"], maps)); d != "" {
			diffs = append(diffs, "the in-browser engine's committed-log pages changed shape:\n"+strings.TrimSuffix(d, "\n"))
		}
		// The native cluster runs in real time: which optional fields a
		// run shows (those of the messages in flight, say) varies, so its
		// frames may show fewer fields than the committed ones, but none
		// they lack.
		var added []string
		for _, what := range []struct {
			name      string
			old, real []any
		}{
			{"frames", append(slices.Clone(old.Engines["wasm"]), old.Engines["native"]...), fresh.Engines["native"]},
			{"committed-log pages", append(slices.Clone(old.LogPages["wasm"]), old.LogPages["native"]...), fresh.LogPages["native"]},
		} {
			known := schemajs.Shape(what.old, maps)
			for p, fields := range schemajs.Shape(what.real, maps) {
				for _, f := range fields {
					if !slices.Contains(known[p], f) {
						added = append(added, fmt.Sprintf("the native cluster's %s have a new field %q at %q", what.name, f, p))
					}
				}
			}
		}
		slices.Sort(added) // Shape is a map: say them in one order
		return append(diffs, added...)
	})
}

// decodeFrame turns f into plain JSON values and prunes it.
func decodeFrame(t *testing.T, f any, maps []string) any {
	t.Helper()
	raw, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return schemajs.Prune(v, maps)
}

// wasmFrames drives the engine the page runs through an election, client
// traffic, snapshots, a crash, a cut link and manual delivery, and reads
// pages of a node's committed log: one with more to read, the last one.
func wasmFrames(t *testing.T, maps []string) (frames, pages []any) {
	e := &Engine{}
	call := func(op, args string) any {
		var a struct {
			OK     bool            `json:"ok"`
			Error  string          `json:"error"`
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(e.Call(op, []byte(args)), &a); err != nil || !a.OK {
			t.Fatalf("%s %s: %v %s", op, args, err, a.Error)
		}
		var v any
		if err := json.Unmarshal(a.Result, &v); err != nil {
			t.Fatal(err)
		}
		return schemajs.Prune(v, maps)
	}
	frame := func(op, args string) { frames = append(frames, call(op, args)) }
	frame("create", `{"nodes": 5, "seed": 3, "clients": {"count": 3, "rate_per_sec": 20, "timeout_ms": 500, "keys": 5}, "raft": {"snapshot_interval_entries": 20, "snapshot_catchup_entries": 5}}`)
	frame("frame", `{"advance_ms": 3000, "log_window": 4}`)
	frame("command", `{"kind": "set", "key": "a", "value": "1"}`)
	frame("command", `{"kind": "crash", "node": 1}`)
	frame("command", `{"kind": "cut", "node": 2, "peer": 3}`)
	frame("frame", `{"advance_ms": 2000, "log_window": 4}`)
	frame("command", `{"kind": "restart", "node": 1}`)
	frame("command", `{"kind": "manual", "on": true}`)
	frame("frame", `{"advance_ms": 500, "log_window": 4, "kv_limit": 1}`)
	more := call("committed-log", `{"node": 2, "limit": 2}`)
	commit, _ := more.(map[string]any)["commit"].(float64)
	pages = append(pages, more, call("committed-log", fmt.Sprintf(`{"node": 2, "from": %d}`, int64(commit))))
	return frames, pages
}

// logPages reads a page of node 1's committed log with more to read and
// its last page.
func logPages(t *testing.T, c *native.Cluster, maps []string) []any {
	first, err := c.CommittedLog(1, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	last, err := c.CommittedLog(1, first.Commit, 0)
	if err != nil {
		t.Fatal(err)
	}
	if first.Next == 0 || last.Next != 0 {
		t.Fatalf("native committed-log pages %+v, %+v: want one with more to read and the last", first, last)
	}
	return []any{decodeFrame(t, first, maps), decodeFrame(t, last, maps)}
}

// nativeFrames runs a native cluster of three nodes until a write is
// applied, then crashes a node and cuts a link, and takes its frames and
// pages of its committed log.
func nativeFrames(t *testing.T, maps []string) (frames, pages []any) {
	cfg := wire.DefaultConfig()
	cfg.Nodes = 3
	cfg.Raft.HeartbeatIntervalMS = 10
	cfg.Raft.ElectionTimeoutMinMS = 100
	cfg.Raft.ElectionTimeoutMaxMS = 200
	c, err := native.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.Set(ctx, "a", "1"); err != nil {
		t.Fatal(err)
	}
	// Set returns once the leader applied the write: its view shows the
	// key, its progress and the events of the election.
	opts := wire.ViewOptions{LogWindow: 4}
	frames = []any{decodeFrame(t, c.Frame(0, false, 0, opts), maps)}
	pages = logPages(t, c, maps)
	for _, cmd := range []wire.Command{{Kind: wire.CmdCrash, Node: 3}, {Kind: wire.CmdCut, Node: 1, Peer: 2}} {
		if err := c.Apply(cmd); err != nil {
			t.Fatal(err)
		}
	}
	return append(frames, decodeFrame(t, c.Frame(0, false, 0, opts), maps)), pages
}
