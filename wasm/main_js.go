//go:build js && wasm

package main

import "syscall/js"

func main() {
	register(&Engine{})
	select {}
}

// register installs globalThis.seshat = {call(op, argsJSON), version} for e.
// The function is never released: the engine lives as long as the worker.
func register(e *Engine) js.Func {
	call := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 1 || args[0].Type() != js.TypeString {
			return string(encode(answer{Error: "engine: call(op, argsJSON): op must be a string", Kind: "bad-request"}))
		}
		var in []byte
		if len(args) > 1 && args[1].Type() == js.TypeString {
			in = []byte(args[1].String())
		}
		return string(e.Call(args[0].String(), in))
	})
	api := js.Global().Get("Object").New()
	api.Set("call", call)
	api.Set("version", 1)
	js.Global().Set("seshat", api)
	return call
}
