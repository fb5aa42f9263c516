package sim

import "github.com/seshat-raft/seshat/wire"

// Why answers a causal question about the cluster as it is now
// (wire.Why): why a node has its role, term, vote, commit or applied
// index, why an entry is not committed, what became of a message; from
// the kept trace, with the chain of events that led there.
func (c *Cluster) Why(q wire.WhyQuestion) (wire.WhyAnswer, error) {
	return wire.Why(c.trace.raw(), c.ViewWith(wire.ViewOptions{LogWindow: 1}), q)
}
