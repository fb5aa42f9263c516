// Package member runs one Raft node that joins an existing cluster from
// outside its process: the node a page hosts in its worker and connects to
// the dev server's native cluster through the bridge (the wasm engine's
// member-* calls), and the same node in Go tests.
//
// A Member is a core.RaftNode on an empty storage.MemStorage, created
// without bootstrapping: it has no membership until the leader, having
// added it with a ConfChange, sends it the log (from the founding
// configuration changes at index 1) or a snapshot. It is driven by its
// owner, one call at a time: Tick once per heartbeat interval of wall
// time, Step for every message received; each returns the messages to
// send, after the Ready round has persisted, sent and applied in the order
// core.RaftNode.Process keeps. Messages cross the wire as raftpb.Message in
// protobuf binary (Marshal, Unmarshal). View shows the node in the schema
// every producer shows its nodes in (wire.NodeView), and TakeEvents tells
// what it did with the narrator the simulator uses (wire.Narrator).
//
// The package is pure: no clock, no goroutines, no I/O.
package member
