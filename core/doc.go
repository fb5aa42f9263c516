// Package core is Seshat's Raft node: etcd Raft's RawNode bound to a
// storage.MemStorage and a statemachine.StateMachine, driven by an owner that
// calls Tick, Step, Propose and HandleReady from one goroutine.
//
// A RaftNode does no I/O and reads no clock. Its owner (the simulator, the wasm
// engine or a native node's loop) decides when a tick happens and carries the
// messages HandleReady returns to their destinations. Everything a RaftNode
// does is therefore deterministic given the order of those calls and etcd
// Raft's random election timeouts (see the sim package for how those are made
// deterministic too).
//
// The package also defines the configuration a node starts from (Config,
// NodeConfig, ClusterConfig, RaftConfig), its validation with errors that
// name the field and the rule, the defaults, and the error kinds callers test
// with errors.Is and errors.As: ErrNotLeader (with *NotLeaderError carrying
// the known leader), ErrNoQuorum, ErrConfig, ErrRaft, ErrStorage and
// ErrSerialization.
//
// HandleReady follows the order etcd Raft requires: the snapshot, new entries
// and hard state go to storage first; then committed entries are applied to
// the state machine (configuration changes through ApplyConfChange); then
// Advance. The messages it returns may be sent as soon as it returns.
package core
