package sim

import (
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/wire"
)

// plantFaults puts the faults the configuration names (wire.Config.Faults)
// into the cluster's hooks, before any node starts: a run with a planted
// fault is replayed, seeked and shrunk with it, as the session says.
func (c *Cluster) plantFaults() {
	faults := c.cfg.Faults
	forgetVote := slices.Contains(faults, wire.FaultForgetVote)
	forgetAll := slices.Contains(faults, wire.FaultForgetHardState)
	if forgetVote || forgetAll {
		c.hooks.crashed = func(_ *Cluster, n *simNode) {
			hs := &pb.HardState{}
			if !forgetAll {
				hs, _, _ = n.store.InitialState()
				hs.Vote = nil
			}
			_ = n.store.SetHardState(hs)
		}
	}
	c.hooks.noConfChangeCheck = slices.Contains(faults, wire.FaultNoConfChangeCheck)
}
