//go:build js && wasm

package main

import (
	"encoding/json"
	"syscall/js"
	"testing"
)

// jsCall calls globalThis.seshat.call from JS's side, as the worker does.
func jsCall(t *testing.T, args ...any) reply {
	t.Helper()
	out := js.Global().Get("seshat").Call("call", args...)
	if out.Type() != js.TypeString {
		t.Fatalf("call(%v) returned a %s, not a string", args, out.Type())
	}
	var r reply
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		t.Fatalf("call(%v): answer is not JSON: %v", args, err)
	}
	return r
}

func TestRegisteredCallFromJS(t *testing.T) {
	register(&Engine{})
	api := js.Global().Get("seshat")
	if api.Type() != js.TypeObject || api.Get("call").Type() != js.TypeFunction || api.Get("version").Int() != 1 {
		t.Fatalf("globalThis.seshat = %v", api)
	}
	if f := frameOf(t, jsCall(t, "create", `{"nodes":3,"seed":4}`)); len(f.View.Nodes) != 3 {
		t.Fatalf("create from JS: %d nodes", len(f.View.Nodes))
	}
	var f Frame
	for i := 0; i < 50 && leaderOf(f) == 0; i++ {
		f = frameOf(t, jsCall(t, "frame", `{"advance_ms":100}`))
	}
	if leaderOf(f) == 0 || f.View.Time > 5000 {
		t.Fatalf("no leader from JS by %d ms", f.View.Time)
	}
	// Arguments may be left out; anything but a JSON string is refused.
	frameOf(t, jsCall(t, "next"))
	frameOf(t, jsCall(t, "next", js.Undefined()))
	frameOf(t, jsCall(t, "next", js.Null()))
	for _, args := range [][]any{
		{},
		{42},
		{"frame", map[string]any{"advance_ms": 10}},
		{"frame", 10},
	} {
		if r := jsCall(t, args...); r.OK || r.Kind != "bad-request" {
			t.Errorf("call(%v) = %+v, want bad-request", args, r)
		}
	}
	if r := jsCall(t, "command", `{"kind":"crash","node":9}`); r.OK || r.Kind != "unknown-node" {
		t.Errorf("crash node 9 = %+v", r)
	}
}
