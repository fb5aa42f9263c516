//go:build js && wasm

package main

import (
	"encoding/json"
	"syscall/js"
	"testing"
)

func TestRegisteredCallFromJS(t *testing.T) {
	register(&Engine{})
	api := js.Global().Get("seshat")
	if api.Get("version").Int() != 1 {
		t.Fatal("globalThis.seshat.version is not 1")
	}
	out := api.Call("call", "create", `{"nodes":3,"seed":4}`).String()
	var a struct {
		OK     bool  `json:"ok"`
		Result Frame `json:"result"`
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil || !a.OK || len(a.Result.View.Nodes) != 3 {
		t.Fatalf("create from JS: %s (%v)", out, err)
	}
	out = api.Call("call", 42).String()
	if err := json.Unmarshal([]byte(out), &a); err != nil || a.OK {
		t.Fatalf("call(42) = %s", out)
	}
}
