// Command interop is Seshat's second WebAssembly module, web/interop.wasm:
// package interop compiled with GOOS=js GOARCH=wasm and run in a Web
// Worker of its own (web/engine/interop-worker.js) that the page starts
// only when a person opens etcd's scripts player or picks an export format
// other than JSON. It plays etcd Raft's datadriven scripts in etcd's own
// rafttest.InteractionEnv and writes sessions in the formats of package
// export; the page's engine (package wasm, web/seshat.wasm) imports
// neither, which keeps its weight.
//
// It registers one function, globalThis.seshatInterop.call(op, argsJSON),
// which answers synchronously with interop.Call's JSON:
// {"ok": result} or {"error": {"kind", "message", "line"}}. The operations
// are play {name, text}, export {session, format, page_url} and formats
// {}. Anything but a string op and a string (or absent) argsJSON is a
// bad-request; a panic is recovered and answered as kind internal.
//
// Build it with `make wasm` (scripts/build-interop.sh web), which also
// copies etcd raft's scripts and licence into web/etcd-raft/.
package main
