// Command wasm is Seshat's in-browser engine: the simulator (package sim)
// compiled with GOOS=js GOARCH=wasm and run in a Web Worker
// (web/engine/worker.js). It is the only package that imports syscall/js.
//
// It registers one function, globalThis.seshat.call(op, argsJSON), which
// answers with JSON as described in docs/engine-protocol.md: the page
// creates a cluster, advances virtual time, sends commands, reads views and
// events, seeks, and exports or imports sessions.
//
// The member-* calls run one Raft node of the dev server's native cluster
// in the page (internal/member): member-start {id, raft} creates it with
// empty storage (it joins; no bootstrap), member-tick advances it one
// heartbeat, member-step {messages: [base64 raftpb.Message...]} steps what
// the bridge sent; each answers {messages, view, events}: the raftpb bytes
// to send back (base64), its view (role, term, vote, leader, commit,
// applied, log window, kv) and what it did. member-view and member-stop
// read and drop it. web/engine/page-member.js relays.
//
// Every error comes back as a value, {"ok": false, "error": ..., "kind": ...}:
// wire's sentinel errors give the kind (wire.KindOf); arguments that are
// not JSON, an unknown op, a call before create and out-of-range arguments are
// "bad-request", checked and worded by wire's request table
// (wire.RequestRules, wire.CheckRequest); JSON of the wrong shape is what sim would call it (a bad
// config, command or session). A panic is recovered at the boundary, reported
// as kind "internal", and the engine keeps working.
//
// Each call is bounded (at most a virtual minute per frame, 100,000 events
// per step) so one call cannot freeze the worker. A command's frame carries
// the events the command caused, since each call returns the events up to
// its end; calls that take no log_window, kv_from or kv_limit (create,
// import, command) use the last ones given. Frames are trimmed to
// wire.FrameBudget (wire.BoundFrame). The same calls give the same answers, byte for byte.
//
// The request handling (Engine, engine.go) is plain Go, tested natively;
// only main_js.go touches syscall/js. Build with `make wasm`, which writes
// web/seshat.wasm and copies Go's web/wasm_exec.js.
package main
