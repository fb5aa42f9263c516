// Package sim simulates a whole Raft cluster in one deterministic thread:
// several core.RaftNodes on a virtual clock, a network that delays, drops,
// duplicates and reorders their messages, partitions and crashes, clients
// with a recorded history, a trace of typed events, online safety checkers,
// and time travel by replay.
//
// A seed decides everything: the same seed, configuration and commands give
// a byte-identical trace, natively, under node and in the browser. Nothing
// here reads the wall clock or starts a goroutine; etcd Raft's randomized
// election timeouts come from a seeded stream installed in crypto/rand.Reader
// while the cluster works (entropy.go), so two clusters must not work at the
// same time: one that tries panics, naming the problem. The one exception is off the step
// path: Porcupine, the linearizability cross-check (CheckHistory), runs in
// goroutines with a wall-clock budget, so its verdict may be "undecided";
// the exact log-order check (CheckLogOrder) is deterministic.
//
// Drive a Cluster with Step, RunUntil or RunFor; change it with Apply (or
// Submit) and a wire.Command; read it with View and Events; travel with
// SeekTo; save and load it with Export and Import; shrink a failing session
// to a smaller one that fails the same way with Shrink. The schema it answers in
// (Command, Event, View, Frame, Config, the error sentinels and kinds) is
// package wire, shared with the native cluster.
package sim
