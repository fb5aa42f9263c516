package sim

import (
	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// Why answers a causal question about the cluster as it is now
// (wire.Why): why a node has its role, term, vote, commit or applied
// index, why an entry is not committed, what became of a message; from
// the kept trace, with the chain of events that led there.
func (c *Cluster) Why(q wire.WhyQuestion) (wire.WhyAnswer, error) {
	return wire.Why(c.trace.raw(), c.ViewWith(wire.ViewOptions{LogWindow: 1}), q)
}

// Diagram answers the space-time diagram of a window of the kept trace
// (wire.BuildDiagram): the messages as lines between the nodes' lanes,
// the notable events as marks.
func (c *Cluster) Diagram(q wire.DiagramQuery) (wire.Diagram, error) {
	ids := make([]core.NodeID, len(c.nodes))
	for i, n := range c.nodes {
		ids[i] = n.id
	}
	d, err := wire.BuildDiagram(c.trace.all, ids, c.now, q)
	if d.To == c.now {
		for i := range d.Messages {
			if m := &d.Messages[i]; m.Fate == wire.FateFlight {
				if f, ok := c.flights[m.ID]; ok {
					m.Due = f.deliverAt
				}
			}
		}
	}
	return d, err
}
