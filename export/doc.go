// Package export writes a simulator run in the formats of the tools people
// already use to study distributed systems:
//
//   - WriteEDN: the client history as a Jepsen history in EDN, one operation
//     map per line, for Knossos and Elle;
//   - WriteChromeTrace: the trace as Chrome trace-event JSON, one track per
//     node with its roles and terms as slices and messages as flow arrows,
//     for Perfetto and Chrome's tracing view;
//   - WritePorcupineHTML: Porcupine's linearizability visualization of the
//     history, annotated with the run's faults (crashes, restarts, cuts,
//     partitions, heals), each operation naming its moment in the page;
//   - TLATrace and WriteTLA: etcd Raft's TLA+ trace of the run, the NDJSON
//     that etcd Raft built with the with_tla tag writes through its
//     TraceLogger, for tla/validate.sh and Traceetcdraft.tla.
//
// The TLA+ trace is rebuilt from outside Raft, as the page's build has no
// trace points: TLATrace replays the session with a core.RaftProbe in
// every node, reads each node's state just after each call (the state
// before a call is the state after the node's previous one)
// into etcd's RawNode (its Status, and with package reflect, read-only,
// the last log index and the messages queued in the call), and emits the
// events etcd's trace points fire in that call, in etcd's order, with the
// state etcd reads at each. That follows raft.go v3.7.0's code paths, so a
// test built with the with_tla tag replays sessions once with etcd's own
// trace logger and once through TLATrace and requires every event equal;
// another etcd Raft version fails that test, or TLATrace's reading of its
// internals (ErrRaftInternals), rather than drifting silently.
//
// The other inputs are what package sim records: Cluster.History, Cluster.Events, and
// a Session (SessionLink) for links back to the page. Every writer is a
// pure function of its inputs: the same run gives the same bytes. Nothing
// here is imported by the page's engine (package wasm), which keeps its
// weight; cmd/seshat-export runs these writers on an exported session file.
package export
