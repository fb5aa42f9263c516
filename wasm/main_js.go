//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/seshat-raft/seshat/wire"
)

func main() {
	register(&Engine{})
	select {} // serve calls until the worker is terminated
}

// register installs globalThis.seshat = {call(op, argsJSON), version} for e
// and returns the function. It is never released: the engine serves calls
// for as long as the worker lives.
//
// call runs synchronously and returns the answer as a JSON string. That
// blocks the JS event loop for the length of the call, which is what a
// worker is for; the engine bounds each call (see the limits in engine.go).
func register(e *Engine) js.Func {
	call := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 1 || args[0].Type() != js.TypeString {
			return string(encode(answer{Error: "engine: call(op, argsJSON): op must be a string", Kind: wire.KindBadRequest}))
		}
		op := args[0].String()
		var in []byte
		if len(args) > 1 {
			switch a := args[1]; a.Type() {
			case js.TypeString:
				in = []byte(a.String())
			case js.TypeUndefined, js.TypeNull: // no arguments: {}
			default:
				return string(encode(answer{Error: "engine: call(" + op + ", argsJSON): argsJSON must be a string (JSON.stringify the arguments)", Kind: wire.KindBadRequest}))
			}
		}
		return string(e.Call(op, in))
	})
	api := js.Global().Get("Object").New()
	api.Set("call", call)
	api.Set("version", 1)
	js.Global().Set("seshat", api)
	return call
}
