package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// crashLocked stops a node: its RaftNode and every message in flight to or
// from it are lost; its storage is kept.
func (c *Cluster) crashLocked(n *simNode) {
	n.rn = nil
	n.gen++
	c.gens++
	n.Role, n.Leader, n.Camp = "", 0, wire.Campaign{}
	for _, id := range c.flightIDs() {
		f := c.flights[id]
		if f.from == n.id || f.to == n.id {
			delete(c.flights, id)
			c.drop(f, fmt.Sprintf("%s crashed", n.id))
		}
	}
	c.clientsNodeDown(n.id)
	if c.hooks.crashed != nil {
		c.hooks.crashed(c, n)
	}
}

// flightIDs returns the ids of the messages in flight, in order.
func (c *Cluster) flightIDs() []uint64 {
	ids := make([]uint64, 0, len(c.flights))
	for id := range c.flights {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// setLink cuts (cut=true) or heals the link from -> to.
func (c *Cluster) setLink(from, to core.NodeID, cut bool) { c.blocked[from][to] = cut }

// partition cuts every link between nodes of different groups. Nodes not
// named in any group form one more group together.
func (c *Cluster) partition(groups [][]core.NodeID) string {
	group := make(map[core.NodeID]int)
	for gi, g := range groups {
		for _, id := range g {
			group[id] = gi + 1
		}
	}
	for _, a := range c.nodes {
		for _, b := range c.nodes {
			if a.id != b.id {
				c.blocked[a.id][b.id] = group[a.id] != group[b.id]
			}
		}
	}
	var parts []string
	for _, g := range c.groups() {
		parts = append(parts, "{"+wire.NodeList(g)+"}")
	}
	return strings.Join(parts, " | ")
}

// groups returns the connected groups of nodes under the current cuts,
// treating a link as up only if it is up both ways.
func (c *Cluster) groups() [][]core.NodeID {
	seen := make(map[core.NodeID]bool)
	var out [][]core.NodeID
	for _, a := range c.nodes {
		if seen[a.id] {
			continue
		}
		g := []core.NodeID{a.id}
		seen[a.id] = true
		for i := 0; i < len(g); i++ {
			for _, b := range c.nodes {
				if !seen[b.id] && !c.blocked[g[i]][b.id] && !c.blocked[b.id][g[i]] {
					seen[b.id] = true
					g = append(g, b.id)
				}
			}
		}
		slices.Sort(g)
		out = append(out, g)
	}
	return out
}

// healAll restores every link.
func (c *Cluster) healAll() { c.blocked = [wire.MaxNodes + 1][wire.MaxNodes + 1]bool{} }

// leader returns the node that is leader in the highest term, or nil. A
// removed node that still thinks it leads (it never applied its removal)
// is not the leader commands go to.
func (c *Cluster) leader() *simNode {
	var best *simNode
	for _, n := range c.nodes {
		if n.up() && !n.removed && n.Role == core.RoleLeader && (best == nil || n.Term > best.Term) {
			best = n
		}
	}
	return best
}
