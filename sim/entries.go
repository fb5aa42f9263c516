package sim

import (
	"fmt"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// LogEntries returns a copy of the entries node id of c holds in its storage,
// from its first index (the one after its snapshot) to its last, data
// included: what a crashed node will restart from. It reads and changes
// nothing else. The slice and the entries are the caller's. It returns an
// error wrapping wire.ErrUnknownNode for an id the cluster does not have.
//
// A function, not a method: every exported method of Cluster is linked
// into the page's engine (an interface reaches the type), and this one is
// for tools outside the page (etcdscript).
func LogEntries(c *Cluster, id core.NodeID) ([]*pb.Entry, error) {
	for _, n := range c.nodes {
		if n.id != id {
			continue
		}
		first, err := n.store.FirstIndex()
		if err != nil {
			return nil, err
		}
		last, err := n.store.LastIndex()
		if err != nil {
			return nil, err
		}
		if last < first {
			return nil, nil
		}
		ents, err := n.store.Entries(first, last+1, 1<<62)
		if err != nil {
			return nil, err
		}
		out := make([]*pb.Entry, len(ents))
		for i, e := range ents {
			out[i] = &pb.Entry{Term: e.Term, Index: e.Index, Type: e.Type, Data: slices.Clone(e.Data)}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: node %d", wire.ErrUnknownNode, id)
}
