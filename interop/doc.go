// Package interop is what Seshat's second WebAssembly module
// (web/interop.wasm, built from wasm/interop) does for the page, in plain
// Go: it plays etcd Raft's own datadriven scripts in etcd's own
// rafttest.InteractionEnv (Play, with package etcdscript), and writes a
// session of the simulator in the formats of other tools (Export, with
// package export: EDN for Jepsen, Chrome trace JSON, Porcupine's HTML,
// an etcd script).
//
// Both live apart from the page's engine (package wasm, web/seshat.wasm)
// because they pull in testing, datadriven and the exporters, which the
// engine's weight budget has no room for; the page loads this module only
// when a person opens the scripts player or picks an export format.
//
// Call is the module's one entry point: an operation name and its JSON
// arguments in, a JSON reply out, {"ok": result} or {"error": {"kind",
// "message", "line"}} (see Call for the operations). Every failure is an
// *Error with a kind from package wire: bad-script for a script that cannot
// be played (with the line at fault), bad-session for a session that cannot
// be replayed, impossible for a session that replays but cannot be written
// as an etcd script, bad-request for a malformed call, internal for a
// recovered panic (a bug). No input makes it panic out, and every input is
// bounded before work: a script by etcdscript's limits (MaxScriptBytes,
// MaxNodes, MaxDirectives, MaxOutputBytes) and the views kept
// (MaxViewEntries), a session by sim's (sim.MaxSessionBytes and the limits
// sim.Import checks), a call by MaxCallBytes.
//
// The package is pure Go: no syscall/js, no network, no wall clock. It
// runs natively, under GOOS=js GOARCH=wasm in node, and in the page's
// worker (web/engine/interop-worker.js).
package interop
