// Package bridge serves a running cluster (an Engine: the dev server's
// native Raft nodes) to pages over a websocket and to curl over HTTP, as
// docs/bridge-protocol.md describes. Views and events use the engine
// protocol's schema (wire.Frame), so the page draws the native cluster with
// the renderer it uses for the in-browser simulator.
//
// # Websocket
//
// ServeWS accepts connections from the server's own origin (scheme, host
// and port exactly) or with no Origin, up to Options.MaxConns at once. Each client
// message is JSON text {"id", "op", "args"} of at most
// Options.ClientFrameLimit bytes and gets exactly one reply
// {"id", "reply": {"ok", "result" | "error", "kind"}}; a message that is too
// large, not JSON, binary (before join), or names an unknown operation is answered with an
// error and changes nothing, and the connection stays open. The operations
// are hello, create, frame, command, committed-log (a page of a native
// node's committed log, wire.LogPage), subscribe and unsubscribe (and join
// and report, below); the
// simulator's time-travel calls and message-by-id commands are refused with
// kind impossible.
//
// # Members hosted by a page
//
// With Options.Join set, join adds a Raft member for the connection (the
// native cluster's AddRemote: a voter, or a learner once the native nodes
// would no longer make a quorum of their own) and answers its id, peers,
// Raft tuning and whether it is a learner.
// From then on binary frames carry that member's raft traffic, one
// raftpb.Message in protobuf binary per frame, both ways: the page's
// frames (at most Options.RaftFrameLimit bytes) are handed to the engine
// with no reply, or, when too large, not a raftpb.Message or refused by
// the engine, answered with an error (id 0) and dropped; the cluster's are
// queued for the connection's writer (Options.RaftQueue), which drops
// them when the queue is full (Raft retries), counting drops in Stats.
// report takes the page's account of its node (a wire.NodeView) for every
// page's view. When the connection ends the member is removed
// (ConfChange RemoveNode), waiting up to Options.RequestTimeout.
//
// MemberClient is the other end, for a member hosted outside a page
// (`devserver -join`): DialMember, Join, then Frames, SendRaft and Report,
// ended by Close or by its context.
//
// Error kinds are the engine protocol's (wire.KindOf) plus bad-request
// for malformed requests, unavailable for a cluster that cannot serve now
// and did nothing (no leader, no quorum, timeout, or any Engine error that
// names no kind: see ErrUnavailable; HTTP 503 with Retry-After), and
// unknown-outcome for a write that may or may not be applied
// (wire.ErrOutcomeUnknown; HTTP 504).
//
// # Pushed frames
//
// One hub goroutine ticks every Options.MinInterval. At a tick it builds a
// frame for each distinct (log_window, kv_from, kv_limit, events) that a
// due subscriber asked for, once, and puts it in the single pending slot of
// every subscriber with that view. Every frame is trimmed to
// wire.FrameBudget (wire.BoundFrame). A frame that replaces one the subscriber's writer has not
// taken is counted in dropped.frames; its events are carried into the new
// one, up to Options.PendingEvents, and the oldest beyond that are counted
// in dropped.events. Each connection has its own writer goroutine, which
// writes with a deadline (Options.WriteTimeout) and ends the connection
// when a write does not finish in time, so a stalled page never blocks the
// hub, Raft or other pages. A subscriber whose replaced frames add up to
// more than Options.PendingBytes since its last completed write does not
// read: it is dropped with close code 1008, so what it costs is bounded.
// Pings detect dead peers.
//
// # HTTP
//
// API serves /api/kv/{key} (PUT, DELETE, GET), /api/command (POST) and
// /api/view (GET), answering JSON with the status codes of the protocol.
// A state-changing request (not GET or HEAD) with a foreign Origin is
// refused with 403, a POST body not declared application/json with 415.
//
// # Who may connect
//
// Guard wraps the whole server (page, /ws, /api/): it refuses requests
// whose Host the server does not answer to (DNS rebinding), CORS preflights,
// and, when a token is set, requests that do not present it (a header, or
// the cookie set by the printed link).
//
// Stats reports each connection's counters (frames and bytes sent, frames
// and events dropped) for load tests and the server's closing figures;
// Close ends every goroutine and connection.
package bridge
