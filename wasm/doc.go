// Command wasm is Seshat's in-browser engine: the simulator (package sim)
// compiled with GOOS=js GOARCH=wasm and run in a Web Worker. It is the only
// package that imports syscall/js.
//
// It registers one function, globalThis.seshat.call(op, argsJSON), which
// answers with JSON as described in docs/engine-protocol.md: the page
// creates a cluster, advances virtual time, sends commands, reads views and
// events, seeks, and exports or imports sessions. Every error comes back as
// a value ({"ok": false, "error": ..., "kind": ...}); a panic is recovered at
// the boundary, reported as kind "internal", and the engine keeps working.
//
// The request handling (Engine) is plain Go, tested natively; only
// main_js.go touches syscall/js. Build with `make wasm`.
package main
