// Package etcdscript plays etcd Raft's own datadriven scripts (the
// testdata/*.txt files of go.etcd.io/raft/v3) with etcd's own interpreter,
// rafttest.InteractionEnv, one directive at a time, and shows each step in
// Seshat's view schema (wire.NodeView).
//
// The output is etcd's by construction: every directive goes to
// InteractionEnv.Handle, the function etcd's TestInteraction calls. What this
// package adds is around that call:
//
//   - Parse reads a script with github.com/cockroachdb/datadriven's line
//     parser (datadriven.ParseLine) and the same reading rules as its
//     RunTest: comments, "\" continuations, input up to "----", expected
//     output up to a blank line or between "----"/"----" fences. It bounds
//     the file (MaxScriptBytes, MaxDirectives) and refuses binary input.
//   - A Runner checks each directive before etcd sees it (a known command,
//     node indexes in range, at most MaxNodes nodes: the table in checkFor), runs
//     it, recovers a panic inside etcd, and turns every refusal into a
//     *LineError naming the script and line. Handle's *testing.T is a fresh
//     one per directive, used on a goroutine of its own, so a t.Fatal in
//     etcd's argument parsing ends that goroutine, not the caller (outside
//     a test binary that t.Fatal panics instead, on testing's unregistered
//     flags; either way it is ErrRefused).
//   - After each directive a Step records the directive's text, etcd's
//     expected output (from the file), the actual output, and every node's
//     state as a wire.NodeView (the newest LogWindow entries of each log).
//   - set-randomized-election-timeout needs raft.SetRandomizedElectionTimeout,
//     which etcd defines in a _test.go file; setRandomizedElectionTimeout
//     does the same through reflect (see its comment).
//
// Export (and ExportSession, which replays a sim.Session first) goes the
// other way: it writes a Seshat run as a datadriven script that etcd's
// InteractionEnv runs unchanged, expected outputs included, ending in the
// run's State (SeshatState: the leader; each node's term, commit index and
// log after the founding configuration, which add-nodes takes as a
// snapshot). It reproduces the outcome, not the schedule: InteractionEnv
// delivers all of a node's pending messages at once and Seshat's nodes
// tick on a clock over a network with latencies, so the script elects each
// term's leader (from the trace) with campaign, burns leaderless terms with
// campaigns whose messages it drops, proposes each entry on its leader
// (normal entries as proposal tokens, see token.go; configuration changes
// with propose-conf-change) and stabilizes among the nodes whose final log
// holds it, dropping the messages to the others (a crashed or cut-off
// node). Export runs the script and compares States before writing
// (ErrNotReproduced). Logs may diverge: each term's entries are
// replayed to the nodes whose final log holds them, so a deposed leader's
// uncommitted write stays on the nodes that kept it. Snapshots export: a
// node whose log Seshat compacted gets a compact directive at the end;
// entries every node compacted are replayed as stand-ins ("propose <n>
// compacted-<index>", in the term the trace shows their leader appending
// them), as their data is gone (a compacted configuration change would
// come back as a normal entry, and the State check would then refuse the
// export). Export refuses, with
// ErrNotExpressible: a single-node cluster (add-nodes needs a snapshot
// index above 1), nodes added after the start
// (a script's new node would start from a snapshot of the leader, not from
// entry 1), a removed node whose term rose after its removal, a term
// whose leader the trace does not name, and a leader that must campaign
// again without CheckQuorum (nothing in a script deposes it without
// raising another node's term). What the script leaves out: entries no
// node kept (an overwritten write), votes, roles other than the leader,
// applied indexes, the key-value data, ticks and message timing. A
// follower whose commit index lags its log by one is reproduced (the
// leader's next message is withheld from it); by two or more (pipelined
// appends) it is not, and Export returns ErrNotReproduced. With
// PreVote, a term a node reached alone is not written (the State check
// then refuses the export).
//
// The scripts are read in place from the module cache (ModuleDir finds the
// raft module of the version this binary was built with; ReadDir and
// ReadScript list and read its testdata). They are etcd's, under etcd's
// Apache 2.0 licence (the module's LICENSE file); this package ships no copy
// of them. Package wasm must not import this package (it pulls in testing,
// testify and datadriven).
//
// The conformance test (TestEtcdScripts) runs all of them and compares
// every directive's output with the file; Normalize is the one place where
// output may be rewritten before that comparison, and KnownDifferences
// lists the scripts that cannot match, with the reason.
package etcdscript
