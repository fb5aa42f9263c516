package simtest

import (
	"fmt"
	mrand "math/rand/v2"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// HaltedSession returns a session that a checker halts: a 5-node cluster
// with fault planted (wire.Config.Faults), without pre-vote, under random
// crashes and forced campaigns, for the first seed from 1 that halts (at
// most maxSeeds tried). It is the same session every call.
func HaltedSession(fault wire.FaultKind, maxSeeds int) (sim.Session, error) {
	for seed := uint64(1); seed <= uint64(maxSeeds); seed++ {
		cfg := wire.DefaultConfig()
		cfg.Seed = seed
		cfg.Nodes = 5
		cfg.Raft.PreVote = false
		cfg.Faults = []wire.FaultKind{fault}
		c, err := sim.New(cfg)
		if err != nil {
			return sim.Session{}, err
		}
		rng := mrand.New(mrand.NewPCG(seed, 7))
		for i := 0; i < 40 && c.Halted() == nil; i++ {
			if c.RunFor(int64(50+rng.IntN(400))) != nil {
				break
			}
			id := core.NodeID(1 + rng.IntN(cfg.Nodes))
			cmds := []wire.Command{{Kind: wire.CmdCampaign, Node: id}}
			if rng.IntN(3) == 0 {
				cmds = []wire.Command{{Kind: wire.CmdCrash, Node: id}, {Kind: wire.CmdRestart, Node: id}}
			}
			for _, cmd := range cmds {
				_ = c.Apply(cmd) // a node already down: refused, nothing changes
			}
		}
		if c.Halted() != nil {
			return c.Export(), nil
		}
	}
	return sim.Session{}, fmt.Errorf("simtest: no seed of %d halted with %s planted", maxSeeds, fault)
}
