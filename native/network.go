package native

import (
	mrand "math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// network holds the faults the sending side applies to every message: the
// latency, drop, duplicate and reorder settings, and the cut links. Node and
// sender goroutines read it; commands change it.
type network struct {
	mu  sync.RWMutex
	cfg wire.NetworkConfig

	// cut[from] has bit to set when the link from -> to is cut; remote
	// members (AddRemote) have ids up to maxNodeID.
	cut [maxNodeID + 1]atomic.Uint32
}

// fate is what the network decides for one message when it is sent.
type fate struct {
	latencyMS int64
	lost      bool // dropped on arrival
	duplicate bool // a copy goes too, with its own fate
}

// config returns the current settings.
func (n *network) config() wire.NetworkConfig {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.cfg
}

func (n *network) setConfig(cfg wire.NetworkConfig) {
	n.mu.Lock()
	n.cfg = cfg
	n.mu.Unlock()
}

// decide draws a message's latency and whether it is lost or duplicated, as
// the simulator's network does (wire.NetworkConfig), from the process's
// random source: the native cluster is not deterministic.
func (n *network) decide() fate {
	net := n.config()
	lat := int64(net.MinLatencyMS)
	if span := net.MaxLatencyMS - net.MinLatencyMS; span > 0 {
		lat += mrand.Int64N(int64(span) + 1)
	}
	if net.ReorderRate > 0 && mrand.Float64() < net.ReorderRate {
		lat += mrand.Int64N(2*int64(net.MaxLatencyMS) + 1)
	}
	return fate{
		latencyMS: lat,
		lost:      net.DropRate > 0 && mrand.Float64() < net.DropRate,
		duplicate: net.DuplicateRate > 0 && mrand.Float64() < net.DuplicateRate,
	}
}

// isCut reports whether the link from -> to is cut.
func (n *network) isCut(from, to core.NodeID) bool {
	return n.cut[from].Load()&(1<<to) != 0
}

// setCut cuts (cut true) or heals the link from -> to.
func (n *network) setCut(from, to core.NodeID, cut bool) {
	for {
		old := n.cut[from].Load()
		v := old &^ (1 << to)
		if cut {
			v |= 1 << to
		}
		if n.cut[from].CompareAndSwap(old, v) {
			return
		}
	}
}

// healAll restores every link.
func (n *network) healAll() {
	for i := range n.cut {
		n.cut[i].Store(0)
	}
}

// cuts lists the cut links between the nodes ids (in order), by sender
// then receiver.
func (n *network) cuts(ids []core.NodeID) []wire.Link {
	out := []wire.Link{}
	for _, a := range ids {
		for _, b := range ids {
			if n.isCut(a, b) {
				out = append(out, wire.Link{From: a, To: b})
			}
		}
	}
	return out
}

// partition cuts every link between nodes of different groups; nodes named
// in no group form one more group. It returns the groups as the simulator
// describes them: "{n1, n2} | {n3, n4, n5}".
func (n *network) partition(ids []core.NodeID, groups [][]core.NodeID) string {
	group := make(map[core.NodeID]int)
	for gi, g := range groups {
		for _, id := range g {
			group[id] = gi + 1
		}
	}
	for _, a := range ids {
		for _, b := range ids {
			if a != b {
				n.setCut(a, b, group[a] != group[b])
			}
		}
	}
	return n.describeGroups(ids)
}

// describeGroups names the connected groups under the current cuts,
// treating a link as up only if it is up both ways.
func (n *network) describeGroups(ids []core.NodeID) string {
	seen := make(map[core.NodeID]bool)
	text := ""
	for _, a := range ids {
		if seen[a] {
			continue
		}
		g := []core.NodeID{a}
		seen[a] = true
		for i := 0; i < len(g); i++ {
			for _, b := range ids {
				if !seen[b] && !n.isCut(g[i], b) && !n.isCut(b, g[i]) {
					seen[b] = true
					g = append(g, b)
				}
			}
		}
		slices.Sort(g)
		if text != "" {
			text += " | "
		}
		text += "{" + wire.NodeList(g) + "}"
	}
	return text
}
