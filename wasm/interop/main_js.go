//go:build js && wasm

package main

import (
	"encoding/json"
	"io"
	"log"
	"syscall/js"

	"go.etcd.io/raft/v3"

	"github.com/seshat-raft/seshat/interop"
	"github.com/seshat-raft/seshat/wire"
)

func main() {
	quietRaft()
	register()
	select {} // serve calls until the worker is terminated
}

// quietRaft gives etcd raft's package-level logger (the one its
// MemoryStorage panics through; each InteractionEnv node logs to the env)
// an output that goes nowhere, so a directive that makes etcd panic writes
// nothing to standard error. Writing there from inside a call could hang:
// under node, Go's stderr is node's asynchronous fs.write, whose callback
// needs the event loop the synchronous call is blocking. Panicf still
// panics, with its message, which etcdscript recovers.
func quietRaft() {
	raft.SetLogger(&raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)})
}

// register installs globalThis.seshatInterop = {call(op, argsJSON),
// version} and returns the function. It is never released: the module
// serves calls for as long as its worker lives.
//
// call runs synchronously and blocks the worker's event loop for its
// length (a play of etcd's biggest script takes well under a second). The
// directives run on goroutines of their own (etcdscript gives each a fresh
// *testing.T), which the call waits for: pure Go, no JS event loop needed.
func register() js.Func {
	call := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 1 || args[0].Type() != js.TypeString {
			return badRequest("interop: call(op, argsJSON): op must be a string")
		}
		op := args[0].String()
		var in []byte
		if len(args) > 1 {
			switch a := args[1]; a.Type() {
			case js.TypeString:
				in = []byte(a.String())
			case js.TypeUndefined, js.TypeNull: // no arguments: {}
			default:
				return badRequest("interop: call(" + op + ", argsJSON): argsJSON must be a string (JSON.stringify the arguments)")
			}
		}
		return string(interop.Call(op, in))
	})
	api := js.Global().Get("Object").New()
	api.Set("call", call)
	api.Set("version", 1)
	js.Global().Set("seshatInterop", api)
	return call
}

// badRequest is the reply to a call JavaScript made wrongly.
func badRequest(msg string) string {
	b, _ := json.Marshal(map[string]any{"error": &interop.Error{Kind: wire.KindBadRequest, Message: msg}})
	return string(b)
}
