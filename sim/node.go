package sim

import (
	pb "go.etcd.io/raft/v3/raftpb"

	"fmt"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// simNode is one node's place in the simulation. Its storage is durable: it
// survives crashes. Everything else is volatile.
type simNode struct {
	id    core.NodeID
	store *storage.MemStorage
	rn    *core.RaftNode // nil while crashed
	gen   uint64         // incarnation: bumped by each crash and restart
	phase int64          // offset of this node's ticks within a heartbeat

	// The node's narrator: what the trace last said about it (role, term,
	// vote, leader, commit, campaign, election clock).
	wire.Narrator
	err error // the node's last fatal error, if it stopped

	// removed is set once the node is removed from the configuration: it
	// is stopped for good. conf is the configuration it last applied.
	removed bool
	conf    *pb.ConfState

	upd core.Update // the Ready round being handled (reused)
	// skipped is set once its state machine has skipped a write
	// (hooks.skipWrite): it skips one in the whole run, crashes included.
	skipped bool

	// shown is the log window the last view showed, from index shownLo:
	// the next view reuses the description of every entry still there
	// (the same stored entry, so the same text) and describes only new ones.
	shown   []shownEntry
	shownLo uint64
	// spare is the window shown before, its array reused for the next.
	spare []shownEntry
}

// shownEntry is an entry a view showed and its description.
type shownEntry struct {
	ent  *pb.Entry
	view wire.EntryView
}

func (n *simNode) up() bool { return n.rn != nil }

// startNode builds the node's RaftNode from its storage (fresh or after a
// crash), schedules its ticks and processes its first Ready. A restart
// (restart set) is recorded before anything the restarted node does.
func (c *Cluster) startNode(n *simNode, restart bool) error {
	// A removed leader leads on until it hands leadership over (handOff),
	// as an etcd server does.
	opts := []core.Option{core.KeepLeadershipOnRemoval()}
	if c.hooks.noConfChangeCheck {
		opts = append(opts, core.WithoutConfChangeValidation())
	}
	opts = c.tools.nodeOptions(opts)
	rn, err := core.New(c.nodeConfig(n.id), n.store, opts...)
	if err != nil {
		return fmt.Errorf("sim: start %s: %w", n.id, err)
	}
	n.rn = rn
	n.gen++
	c.gens++
	// The configuration it starts from: its snapshot's, or none (it
	// replays its log from index 1, bootstrap changes first).
	hs, cs, _ := n.store.InitialState()
	n.conf = nil
	if len(wire.ConfMembers(cs)) > 0 {
		n.conf = cs
	}
	n.Narrator.ID = n.id
	n.Restart(hs)
	hb := int64(c.cfg.Raft.HeartbeatIntervalMS)
	first := c.now - c.now%hb + n.phase
	if first <= c.now {
		first += hb
	}
	c.schedule(qevent{at: first, kind: qTick, who: int32(n.id - 1), arg: n.gen})
	if restart {
		c.emit(wire.Event{Kind: wire.EvRestart, Node: n.id, Term: n.Term, Index: n.rn.RestartApplied(),
			Text: fmt.Sprintf("%s restarted from its storage (term %d, state machine restored to index %d)", n.id, n.Term, n.rn.RestartApplied())})
	}
	// Check the state the node restarted with before its first round can
	// overwrite it.
	if !c.safety.started(c, n, true) {
		return nil
	}
	c.drain(n)
	return nil
}

// tick advances a node's Raft clock by one heartbeat and schedules the next.
func (c *Cluster) tick(n *simNode, gen uint64) {
	if !n.up() || gen != n.gen {
		return // a stale tick from before a crash
	}
	c.schedule(qevent{at: c.now + int64(c.cfg.Raft.HeartbeatIntervalMS), kind: qTick, who: int32(n.id - 1), arg: n.gen})
	n.rn.Tick()
	n.Ticked(n.rn.Role(), c.emit)
	if n.removed && n.Role == core.RoleLeader {
		c.handOff(n) // again, if the last transfer timed out
	}
	c.drain(n)
}

// drain runs the node's Ready loop until it has nothing left to do, turning
// each Update into trace events, messages on the network, client answers and
// checker observations.
func (c *Cluster) drain(n *simNode) {
	for n.up() && n.rn.HasReady() {
		var err error
		if c.hooks.roundFails != nil {
			err = c.hooks.roundFails(c, n)
		}
		if c.hooks.skipWrite && n.id == 2 && !n.skipped {
			n.rn.StateMachine().SkipNextWrite()
		}
		// The update lives in the node, not on the heap afresh each round,
		// and is filled in place (not copied in, then cleared wholesale).
		if err == nil {
			n.upd.Reset() // left set if the last round failed or halted the run
			err = n.rn.ProcessInto(&n.upd)
		}
		if err != nil {
			c.nodeFailed(n, err)
			return
		}
		u := &n.upd
		c.observe(n, u)
		if c.halted != nil {
			return
		}
		for _, m := range u.Messages {
			c.send(n, m)
		}
		n.upd.Reset()
	}
}

// nodeFailed stops a node whose Ready loop failed: like a process that exits
// on a storage error. Its storage survives; restart it to continue.
func (c *Cluster) nodeFailed(n *simNode, err error) {
	n.err = err
	c.emit(wire.Event{Kind: wire.EvCrash, Node: n.id, Text: fmt.Sprintf("%s stopped: %v", n.id, err)})
	c.crashLocked(n)
}

// skippedWrite tells whether a round of a state machine told to skip its
// next write (SkipNextWrite) skipped one: it applied a write, and installed
// no snapshot first (a snapshot brings a new state machine, not told).
func skippedWrite(u *core.Update) bool {
	if u.SnapshotInstalled != nil {
		return false
	}
	for _, r := range u.Applied {
		if r.Op != nil {
			return true
		}
	}
	return false
}

// observe records what one Ready round did.
func (c *Cluster) observe(n *simNode, u *core.Update) {
	n.Observe(u, !c.trace.off, c.emit)
	if c.hooks.skipWrite && n.id == 2 && !n.skipped {
		n.skipped = skippedWrite(u)
	}
	if c.hooks.processed != nil {
		c.hooks.processed(c, n, u)
	}
	// The checkers read the configuration the node had before this round
	// (the one etcd Raft counted with), so n.conf moves on after them.
	c.safety.observe(c, n, u)
	if len(u.ConfChanges) > 0 {
		c.noteConfStates(n, u)
	} else if md := u.SnapshotInstalled; md != nil && len(wire.ConfMembers(md.GetConfState())) > 0 {
		n.conf = md.GetConfState()
	}
	c.clientsObserve(n, u)
}
