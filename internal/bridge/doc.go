// Package bridge serves a running cluster (an Engine: the dev server's
// native Raft nodes) to pages over a websocket and to curl over HTTP, as
// docs/bridge-protocol.md describes. Views and events use the engine
// protocol's schema (sim.Frame), so the page draws the native cluster with
// the renderer it uses for the in-browser simulator.
//
// # Websocket
//
// ServeWS accepts same-origin connections (or none named). Each client
// message is JSON text {"id", "op", "args"} of at most
// Options.ClientFrameLimit bytes and gets exactly one reply
// {"id", "reply": {"ok", "result" | "error", "kind"}}; a message that is too
// large, not JSON, binary, or names an unknown operation is answered with an
// error and changes nothing, and the connection stays open. The operations
// are hello, create, frame, command, subscribe and unsubscribe; the
// simulator's time-travel calls and message-by-id commands are refused with
// kind impossible.
//
// Error kinds are the engine protocol's (sim.ErrorKind) plus bad-request
// for malformed requests and unavailable for a cluster that cannot serve
// now (no leader, no quorum, timeout, or any Engine error that names no
// kind: see ErrUnavailable).
//
// # Pushed frames
//
// One hub goroutine ticks every Options.MinInterval. At a tick it builds a
// frame for each distinct (log_window, events) that a due subscriber asked
// for, once, and puts it in the single pending slot of every subscriber
// with that view. A frame that replaces one the subscriber's writer has not
// taken is counted in dropped.frames; its events are carried into the new
// one, up to Options.PendingEvents, and the oldest beyond that are counted
// in dropped.events. Each connection has its own writer goroutine, which
// writes with a deadline (Options.WriteTimeout) and ends the connection
// when a write does not finish in time, so a stalled page never blocks the
// hub, Raft or other pages. Pings detect dead peers.
//
// # HTTP
//
// API serves /api/kv/{key} (PUT, DELETE, GET), /api/command (POST) and
// /api/view (GET), answering JSON with the status codes of the protocol.
//
// Stats reports each connection's counters (frames and bytes sent, frames
// and events dropped) for load tests and the server's closing figures;
// Close ends every goroutine and connection.
package bridge
