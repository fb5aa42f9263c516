//go:build js && wasm

package main

import (
	"encoding/json"
	"os"
	"strings"
	"syscall/js"
	"testing"

	"github.com/seshat-raft/seshat/etcdscript"
	"github.com/seshat-raft/seshat/interop"
)

// reply is seshatInterop.call's answer.
type reply struct {
	OK    json.RawMessage `json:"ok"`
	Error *interop.Error  `json:"error"`
}

// jsCall calls globalThis.seshatInterop.call from JS's side, as the worker
// does.
func jsCall(t *testing.T, args ...any) reply {
	t.Helper()
	out := js.Global().Get("seshatInterop").Call("call", args...)
	if out.Type() != js.TypeString {
		t.Fatalf("call(%.80v) returned a %s, not a string", args, out.Type())
	}
	var r reply
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		t.Fatalf("call(%.80v): answer is not JSON: %v", args, err)
	}
	if (r.OK == nil) == (r.Error == nil) {
		t.Fatalf("call(%.80v) = %.200s: want exactly one of ok and error", args, out.String())
	}
	return r
}

// TestPlayFromJS plays etcd's scripts through the registered function, as
// the worker calls it: the directives' goroutines and their *testing.T
// work inside a JS callback, every step matches, and refusals (including
// etcd's own, which stop a directive's goroutine) come back with a line.
func TestPlayFromJS(t *testing.T) {
	quietRaft()
	register()
	api := js.Global().Get("seshatInterop")
	if api.Get("call").Type() != js.TypeFunction || api.Get("version").Int() != 1 {
		t.Fatalf("globalThis.seshatInterop = %v", api)
	}
	dir, err := etcdscript.ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	names, err := etcdscript.ReadDir(os.DirFS(dir), etcdscript.ScriptsDir)
	if err != nil || len(names) != 28 {
		t.Fatalf("%d scripts: %v", len(names), err)
	}
	for _, name := range names {
		text, err := os.ReadFile(dir + "/" + etcdscript.ScriptsDir + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		args, _ := json.Marshal(map[string]string{"name": name, "text": string(text)})
		r := jsCall(t, "play", string(args))
		if r.Error != nil {
			t.Fatalf("%s: %+v", name, r.Error)
		}
		var res interop.PlayResult
		if err := json.Unmarshal(r.OK, &res); err != nil || res.Total == 0 || res.Matched != res.Total {
			t.Fatalf("%s: matched %d of %d (%v)", name, res.Matched, res.Total, err)
		}
	}
	tiny := "add-nodes 3 voters=(1,2,3) index=2\n----\nok\n\n"
	for _, tt := range []struct {
		directive string
		wline     int
	}{
		{"set-randomized-election-timeout 1 timeout=(3,4)", 6}, // InteractionEnv's t.Fatal
		{"compact 1 1000", 6}, // etcd panics
		{"campaign 7", 6},     // refused before etcd
	} {
		args, _ := json.Marshal(map[string]string{"name": "t", "text": interop.AppendDirective(tiny, tt.directive)})
		if r := jsCall(t, "play", string(args)); r.Error == nil || r.Error.Kind != "bad-script" || r.Error.Line != tt.wline {
			t.Errorf("%s: %+v, want bad-script at line %d", tt.directive, r.Error, tt.wline)
		}
	}
	// The module still plays after them.
	if r := jsCall(t, "play", `{"name": "t", "text": "add-nodes 1\n----\nok\n"}`); r.Error != nil {
		t.Errorf("after the refusals: %+v", r.Error)
	}
}

// TestBadCallsFromJS: anything but a string op and a string argsJSON is a
// bad request.
func TestBadCallsFromJS(t *testing.T) {
	register()
	if r := jsCall(t, "formats"); r.Error != nil || !strings.Contains(string(r.OK), "etcd-script") {
		t.Errorf("formats with no arguments: %+v", r)
	}
	if r := jsCall(t, "formats", js.Null()); r.Error != nil {
		t.Errorf("formats with null: %+v", r.Error)
	}
	for _, args := range [][]any{
		{},
		{42},
		{"play", map[string]any{"name": "x"}},
		{"play", 10},
		{"fly", "{}"},
	} {
		if r := jsCall(t, args...); r.Error == nil || r.Error.Kind != "bad-request" {
			t.Errorf("call(%v) = %+v, want bad-request", args, r)
		}
	}
}
