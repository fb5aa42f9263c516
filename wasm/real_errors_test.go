//go:build !js

package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// realErrors holds the engine's answers to bad calls, for the fake
// engine's test (web/engine/real-errors.test.js).
var realErrors = golden{path: "web/engine/testdata/real-errors.json", test: "TestRealErrors"}

// realError is one bad call and the engine's answer. Fresh calls go to an
// engine with no cluster; the others to one made by create {}.
type realError struct {
	Fresh bool            `json:"fresh,omitempty"`
	Op    string          `json:"op"`
	Args  json.RawMessage `json:"args"`
	Kind  string          `json:"kind"`
	Error string          `json:"error"`
}

// badCalls are calls whose answers do not depend on the run: the engine
// refuses each at once, whatever its cluster did.
var badCalls = []realError{
	{Fresh: true, Op: "frame", Args: json.RawMessage(`{}`)},
	{Fresh: true, Op: "step", Args: json.RawMessage(`{"n": 0}`)},
	{Fresh: true, Op: "fly", Args: json.RawMessage(`{}`)},
	{Op: "create", Args: json.RawMessage(`{"nodes": 12}`)},
	{Op: "create", Args: json.RawMessage(`{"network": {"min_latency_ms": 40, "max_latency_ms": 20}}`)},
	{Op: "frame", Args: json.RawMessage(`{"advance_ms": -1}`)},
	{Op: "frame", Args: json.RawMessage(`{"events": "some"}`)},
	{Op: "frame", Args: json.RawMessage(`{"max_events": -1}`)},
	{Op: "frame", Args: json.RawMessage(`{"advance_ms": 60001, "events": "notable"}`)},
	{Op: "frame", Args: json.RawMessage(`{"maintain_steps": 200001}`)},
	{Op: "frame", Args: json.RawMessage(`{"sinse": 1, "advance": 5, "max_events": -1}`)},
	{Op: "step", Args: json.RawMessage(`{"n": 1, "steps": 2}`)},
	{Op: "committed-log", Args: json.RawMessage(`{"node": 1, "page": 2}`)},
	{Op: "step", Args: json.RawMessage(`{"n": 0}`)},
	{Op: "step", Args: json.RawMessage(`{}`)},
	{Op: "step", Args: json.RawMessage(`{"n": 5, "max_events": -3}`)},
	{Op: "next", Args: json.RawMessage(`{"events": "routine"}`)},
	{Op: "seek", Args: json.RawMessage(`{"t": 0, "max_events": -1}`)},
	{Op: "seek", Args: json.RawMessage(`{"t": 1000000000}`)},
	{Op: "import", Args: json.RawMessage(`{"version": 2, "config": {}}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "teleport"}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "set", "key": ""}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "get", "key": "k", "value": "v"}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "crash", "node": 9}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "restart", "node": 1}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "cut", "node": 2, "peer": 2}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "heal", "node": 1, "peer": 7}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "drop", "msg": 999999}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "network"}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "network", "network": {"min_latency_ms": 30, "max_latency_ms": 10}}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "network", "network": {"min_latency_ms": 1, "max_latency_ms": 2, "drop_rate": 1.5}}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "reseed", "seed": 9007199254740992}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "add-clients", "count": 0}`)},
	{Op: "command", Args: json.RawMessage(`{"kind": "remove-clients", "count": 1}`)},
	{Fresh: true, Op: "committed-log", Args: json.RawMessage(`{"node": 1}`)},
	{Op: "committed-log", Args: json.RawMessage(`{}`)},
	{Op: "committed-log", Args: json.RawMessage(`{"node": 9}`)},
	{Op: "committed-log", Args: json.RawMessage(`{"node": 1, "from": 99}`)},
	{Op: "committed-log", Args: json.RawMessage(`{"node": 1, "limit": -1}`)},
	{Op: "committed-log", Args: json.RawMessage(`{"node": 1, "limit": 1001}`)},
	{Op: "committed-log", Args: json.RawMessage(`{"node": 1, "from": -1}`)},
}

// TestRealErrors asks the engine the bad calls of badCalls and checks its
// answers against the committed web/engine/testdata/real-errors.json
// (-update rewrites it). The fake engine must answer the same calls with
// the same kinds and texts (web/engine/real-errors.test.js).
func TestRealErrors(t *testing.T) {
	var got []realError
	var made *Engine
	for _, c := range badCalls {
		e := &Engine{}
		if !c.Fresh {
			if made == nil {
				made = &Engine{}
				if out := made.Call("create", []byte(`{}`)); !json.Valid(out) {
					t.Fatal("create failed")
				}
			}
			e = made
		}
		var a struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
			Kind  string `json:"kind"`
		}
		if err := json.Unmarshal(e.Call(c.Op, c.Args), &a); err != nil || a.OK {
			t.Fatalf("%s %s: %v, ok %v: the call must fail", c.Op, c.Args, err, a.OK)
		}
		c.Kind, c.Error = a.Kind, a.Error
		got = append(got, c)
	}
	checkGolden(t, realErrors, got, func(old, fresh []realError) []string {
		var diffs []string
		for i, c := range fresh {
			if i >= len(old) || !reflect.DeepEqual(compactArgs(t, old[i]), compactArgs(t, c)) {
				diffs = append(diffs, fmt.Sprintf("at call %d (%s %s) the engine answers %s %q", i, c.Op, c.Args, c.Kind, c.Error))
			}
		}
		if len(old) != len(fresh) {
			diffs = append(diffs, fmt.Sprintf("it holds %d calls, the test makes %d", len(old), len(fresh)))
		}
		return diffs
	})
}

// compactArgs is e with its arguments decoded, so spacing does not count.
func compactArgs(t *testing.T, e realError) any {
	var args any
	if err := json.Unmarshal(e.Args, &args); err != nil {
		t.Fatal(err)
	}
	return []any{e.Fresh, e.Op, args, e.Kind, e.Error}
}
