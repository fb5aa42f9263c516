// Package native runs real Raft nodes at wall-clock speed in one process,
// for the dev server's native cluster (docs/bridge-protocol.md).
//
// Each node is a core.RaftNode with its own storage.MemStorage and key-value
// state machine, owned by one goroutine: the node's loop. The loop ticks
// once per heartbeat interval (a time.Ticker), steps the messages its peers
// send, takes proposals and reads from channels, many per round, and handles
// etcd Raft's Ready rounds as the simulator does (core.RaftNode.Process:
// entries, hard state and snapshot persisted, committed entries applied,
// Advance), then hands the round's messages to its senders. Nothing else
// touches the RaftNode; everything talks to the loop through channels.
//
// Nodes talk over loopback TCP. Each listens on 127.0.0.1 at a port of its
// own; a frame is a 4-byte big-endian length followed by a raftpb.Message in
// protobuf binary (proto.Marshal), at most MaxFrameBytes. Faults act on the
// sending side: one sender goroutine per (node, peer) holds each message for
// its latency (the native cluster's messages in flight), then loses it, drops
// it because the link is cut (reporting the peer unreachable to Raft), or
// writes it. A failed send is reported with ReportUnreachable, and every
// MsgSnap is followed by ReportSnapshot. A deliver event means the message
// was written to the peer's connection; a drop event says why it was not.
//
// A crash stops a node's goroutines and closes its sockets; its storage is
// its disk, and a restart builds a new RaftNode from it (core.New sets
// etcd's Applied to the snapshot's index, so nothing is applied twice).
//
// # Durable storage
//
// StartDurable keeps each node's hard state, entries and latest snapshot in
// etcd's own write-ahead log and snapshotter (go.etcd.io/etcd/server/v3
// storage/wal and etcdserver/api/snap) in dataDir/n<id>/ as well. Each
// Ready round is saved and synced after Process and before the round's
// writes are acknowledged and its messages sent; a snapshot the node takes
// or receives is saved to its snap directory and marked in the log. Started
// again on the same directory, every node restarts from its log, so killing
// the process, even with SIGKILL, loses no acknowledged write; a restart
// command rebuilds the node's storage from its log too. A damaged log is
// refused (ErrLogDamaged), never read in part: see walstore.go for the
// checks etcd's log lacks. The data directory is locked by one process.
//
// A Cluster speaks the simulator's schema, so the page draws both with one
// renderer: Frame returns a wire.Frame (view and events, times in wall
// milliseconds since the cluster started), Apply takes a wire.Command. Events
// have the simulator's kinds and texts, are numbered by Seq and kept in a
// ring of the last 20,000; the frequent ones are described only when read.
// Views are built from a state each node's loop publishes under a mutex,
// so reading them never waits for Raft.
//
// Set, Delete and Get are the blocking client API: writes are proposed on
// the leader and answered once it has applied them (matched by the request
// id carried in each encoded operation); reads are linearizable, through
// ReadIndex on the leader. They are safe for many goroutines at once. A
// failed write says whether to retry: wire.ErrUnavailable (certainly not
// applied) or wire.ErrOutcomeUnknown (a leader had accepted it); Delete
// also reports whether the key existed.
//
// # Remote members
//
// AddRemote adds a voter hosted outside the process (a node a page runs in
// its worker, reached through the bridge's websocket) with the next id
// above every node's so far, by a ConfChange AddNode proposed on the leader;
// the member starts with empty storage and learns the membership and the
// log from index 1 (or a snapshot) like any new node. Native nodes send
// its messages through a sender of their own, on the same faults as to a
// native peer (latency, drops, cut links; isolate cuts its links too), to
// the send function AddRemote was given; Remote.Deliver hands its messages
// to the native node they address, refusing any not from its id, for no
// native node, or of a type a node's own process produces. Views show it
// in id order among the native nodes, from what it reports of itself (Remote.Report)
// and what its messages and the leader's progress reveal; once removed
// (Remote.Remove: ConfChange RemoveNode) it stays in views as a down node,
// so that ids stay 1 to n, and its id is not given again. While a remote
// member leads, Set, Delete and Get wait: the native nodes propose only on
// a native leader.
//
// # Membership
//
// The membership commands (add, add-learner, promote, remove, replace,
// change, leave-joint) are checked as in the simulator (wire.CheckCommand)
// and proposed on the leader. A node a command adds starts in the process,
// empty and with no membership of its own, and catches up from the leader
// by log or snapshot; it takes the next id after every node and remote
// member so far. A node removed from the configuration keeps running, so
// that it can still vote for voters that have not yet learned of its
// removal, and views show it left (NodeView.Left); a removed leader hands
// leadership to the voter of the new configuration whose log is longest,
// as an etcd server does before it stops. A durable cluster
// (StartDurable) refuses commands that add nodes: its data directory
// records the nodes it was created with.
//
// The native cluster is not deterministic and runs no safety checkers; use
// the simulator (package sim) for replayable runs. It is not one of the
// pure packages: it uses the wall clock, goroutines and sockets.
package native
