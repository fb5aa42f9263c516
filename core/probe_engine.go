//go:build seshat_engine

package core

import "go.etcd.io/raft/v3"

// rawNode is etcd Raft's RawNode itself in the page's engine (the
// seshat_engine build tag): the engine never probes its nodes, so its calls
// into etcd Raft go through no interface and the probe (probe.go, with
// WithRaftProbe and WithRaftConfig) is not compiled in.
type rawNode = *raft.RawNode

// probeOptions is empty in the page's engine: it has no probe to set.
type probeOptions struct{}

// adjust changes nothing in the page's engine.
func (*probeOptions) adjust(*raft.Config) {}

// wrapRaw is rn itself in the page's engine.
func (*probeOptions) wrapRaw(rn *raft.RawNode, _ *RaftNode) rawNode { return rn }
