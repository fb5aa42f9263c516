package sim

import (
	"fmt"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// Apply carries out a command at the current virtual time and logs it. A
// malformed or impossible command returns an error (ErrBadCommand,
// ErrUnknownNode, ErrUnknownMessage or ErrImpossible) and changes nothing.
func (c *Cluster) Apply(cmd wire.Command) error {
	_, err := c.Submit(cmd)
	return err
}

// Submit is Apply that also returns the id of the client request a set,
// get or del command created (0 for other kinds): the request id its
// client-invoke and client-return events carry (Event.Msg), so a program
// can follow the request without reading texts.
func (c *Cluster) Submit(cmd wire.Command) (uint64, error) {
	if c.halted != nil {
		return 0, fmt.Errorf("%w: %s", wire.ErrHalted, c.halted.Text)
	}
	if err := c.validate(cmd); err != nil {
		return 0, err
	}
	// Commands due now from the recorded future go first, then the new
	// command replaces the rest of that future.
	withEntropy(c.ent, func() { c.applyDue(c.now) })
	if c.logPos >= MaxSessionCommands {
		return 0, fmt.Errorf("%w: %s: the session holds %d commands, the most a session may hold (sim.MaxSessionCommands); start a new cluster", wire.ErrImpossible, cmd.Kind, c.logPos)
	}
	// Replacing a recorded future: clip first, as checkpoints and the
	// builder share the old array. At the end of the log, append in place
	// (every slice sharing the array is no longer than c.log, so none sees
	// the new element), or each command would copy the whole log.
	if c.logPos < len(c.log) {
		c.log = slices.Clip(c.log[:c.logPos])
	}
	c.log = append(c.log, wire.LoggedCommand{Step: c.steps, At: c.now, Command: cmd})
	c.logPos = len(c.log)
	c.invalidateAfter()
	var req uint64
	withEntropy(c.ent, func() { req = c.apply(cmd) })
	return req, nil
}

// validate checks a command against the current state without changing it,
// by the one table of command rules (wire.CheckCommand).
func (c *Cluster) validate(cmd wire.Command) error {
	return wire.CheckCommand(cmd, c.commandState())
}

// commandState is the cluster as wire.CheckCommand reads it. It reaches the
// cluster through closures, never through a field of type *Cluster: a type
// put in an interface makes the linker keep every exported method of each
// type its fields name (reflection could call them), and a *Cluster field
// kept all of Cluster's API in the wasm engine, Porcupine and its embedded
// HTML with it (+400 KB, which TestPageWeight caught).
type commandState struct {
	nodes    func() int
	up       func(core.NodeID) bool
	leader   func() core.NodeID
	config   func() wire.Config
	inFlight func(uint64) (core.NodeID, bool)
	clients  func() int
	members  func() wire.Membership
	checkCC  func(pb.ConfChangeI) error
}

func (c *Cluster) commandState() commandState {
	return commandState{
		nodes: func() int { return len(c.nodes) },
		up:    func(id core.NodeID) bool { return c.nodes[id-1].up() },
		leader: func() core.NodeID {
			if l := c.leader(); l != nil {
				return l.id
			}
			return 0
		},
		config: func() wire.Config { return c.cfg },
		inFlight: func(msg uint64) (core.NodeID, bool) {
			f, ok := c.flights[msg]
			if !ok {
				return 0, false
			}
			return f.to, true
		},
		clients: func() int { return c.activeClients() },
		members: c.membership,
		checkCC: c.checkConfChange,
	}
}

func (s commandState) Nodes() int                              { return s.nodes() }
func (s commandState) Up(id core.NodeID) bool                  { return s.up(id) }
func (s commandState) Leader() core.NodeID                     { return s.leader() }
func (s commandState) Config() wire.Config                     { return s.config() }
func (s commandState) RealTime() bool                          { return false }
func (s commandState) InFlight(msg uint64) (core.NodeID, bool) { return s.inFlight(msg) }
func (s commandState) Clients() int                            { return s.clients() }
func (s commandState) Hosted(core.NodeID) bool                 { return false }
func (s commandState) Membership() wire.Membership             { return s.members() }
func (s commandState) CheckConfChange(cc pb.ConfChangeI) error { return s.checkCC(cc) }

func (s commandState) Refusal(core.NodeID, wire.CommandKind) string { return "" }

// clientsText counts clients in words: "1 client", "3 clients".
func clientsText(n int) string {
	if n == 1 {
		return "1 client"
	}
	return fmt.Sprintf("%d clients", n)
}

func (c *Cluster) activeClients() int {
	k := 0
	for _, cl := range c.clients {
		if !cl.removed {
			k++
		}
	}
	return k
}

// apply carries out a validated command and returns the id of the client
// request it created, if any. The event that records it is the table's
// (wire.CommandEvent) where the command alone decides it.
func (c *Cluster) apply(cmd wire.Command) (req uint64) {
	n := c.nodeOrNil(cmd.Node)
	note := func(text string) {
		c.emit(wire.Event{Kind: wire.EvCommand, Node: cmd.Node, Type: string(cmd.Kind), Text: text})
	}
	var leader *simNode
	if cmd.Kind == wire.CmdTransfer {
		leader = c.leader()
	}
	emitCommand := func() {
		var id core.NodeID
		if leader != nil {
			id = leader.id
		}
		if e, ok := wire.CommandEvent(cmd, id); ok {
			c.emit(e)
		}
	}
	switch cmd.Kind {
	case wire.CmdSet, wire.CmdDel, wire.CmdGet:
		emitCommand()
		return c.invoke(c.console, wire.OpKind(cmd.Kind), cmd.Key, cmd.Value, cmd.Node).op.ID
	case wire.CmdCrash:
		emitCommand()
		c.crashLocked(n)
	case wire.CmdRestart:
		// startNode records the restart before the node's first round. If
		// that round fails, nodeFailed stops the node again and puts its
		// error in the trace and the view.
		if err := c.startNode(n, true); err != nil {
			c.nodeFailed(n, err)
			return 0
		}
	case wire.CmdPartition:
		text := c.partition(cmd.Groups)
		c.emit(wire.Event{Kind: wire.EvPartition, Text: "network partitioned: " + text})
	case wire.CmdCut, wire.CmdHeal:
		cut := cmd.Kind == wire.CmdCut
		if cmd.Node == 0 {
			c.healAll()
		} else {
			c.setLink(cmd.Node, cmd.Peer, cut)
			if !cmd.OneWay {
				c.setLink(cmd.Peer, cmd.Node, cut)
			}
		}
		emitCommand()
	case wire.CmdIsolate:
		for _, o := range c.nodes {
			if o.id != n.id {
				c.setLink(n.id, o.id, true)
				c.setLink(o.id, n.id, true)
			}
		}
		emitCommand()
	case wire.CmdCampaign:
		emitCommand()
		_ = n.rn.Campaign()
		c.drain(n)
	case wire.CmdTransfer:
		emitCommand()
		_ = leader.rn.TransferLeadership(n.id)
		c.drain(leader)
	case wire.CmdDeliver:
		f := c.flights[cmd.Msg]
		f.lost = false
		c.blockedOverride(f, func() { c.deliver(cmd.Msg) })
	case wire.CmdDrop:
		f := c.flights[cmd.Msg]
		delete(c.flights, cmd.Msg)
		c.drop(f, "dropped by command")
	case wire.CmdDuplicate:
		c.duplicate(c.flights[cmd.Msg])
	case wire.CmdNetwork:
		c.cfg.Network = *cmd.Network
		emitCommand()
	case wire.CmdManual:
		c.setManual(cmd.On)
	case wire.CmdReseed:
		c.reseed(cmd.Seed)
		emitCommand()
	case wire.CmdAddClients:
		for i := 0; i < cmd.Count; i++ {
			cl := c.newClient(len(c.clients) + 1)
			c.clients = append(c.clients, cl)
			c.scheduleClient(cl)
		}
		note(fmt.Sprintf("added %s (%d now)", clientsText(cmd.Count), c.activeClients()))
	case wire.CmdAddNode, wire.CmdAddLearner, wire.CmdPromote, wire.CmdRemoveNode, wire.CmdReplace, wire.CmdChange, wire.CmdLeaveJoint:
		c.changeMembership(cmd)
	case wire.CmdRemoveClients:
		left := cmd.Count
		for i := len(c.clients) - 1; i >= 0 && left > 0; i-- {
			if cl := c.clients[i]; !cl.removed {
				cl.removed = true
				if cl.cur != nil {
					r := cl.cur
					c.finish(r, "", false, r.proposed, !r.proposed)
				}
				left--
			}
		}
		note(fmt.Sprintf("removed %s (%d now)", clientsText(cmd.Count), c.activeClients()))
	}
	return 0
}

// blockedOverride runs f (a delivery by command) even across a cut link: a
// person delivering a message by hand means it.
// The link is read before f runs: delivering frees the flight.
func (c *Cluster) blockedOverride(fl *flight, f func()) {
	from, to := fl.from, fl.to
	saved := c.blocked[from][to]
	c.blocked[from][to] = false
	f()
	c.blocked[from][to] = saved
}

// setManual switches manual delivery on or off. Switching it off schedules
// every held message as if just sent.
func (c *Cluster) setManual(on bool) {
	if on == c.cfg.Manual {
		return
	}
	c.cfg.Manual = on
	if on {
		c.emit(wire.Event{Kind: wire.EvCommand, Type: string(wire.CmdManual), Text: "manual delivery on: messages wait for deliver, drop or duplicate"})
		return
	}
	c.emit(wire.Event{Kind: wire.EvCommand, Type: string(wire.CmdManual), Text: "manual delivery off: the network delivers messages again"})
	for _, id := range c.flightIDs() {
		if f := c.flights[id]; f.deliverAt == 0 {
			c.route(f)
		}
	}
}
