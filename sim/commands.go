package sim

import (
	"fmt"
	"slices"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// Apply carries out a command at the current virtual time and logs it. A
// malformed or impossible command returns an error (ErrBadCommand,
// ErrUnknownNode, ErrUnknownMessage or ErrImpossible) and changes nothing.
func (c *Cluster) Apply(cmd wire.Command) error {
	if c.halted != nil {
		return fmt.Errorf("%w: %s", wire.ErrHalted, c.halted.Text)
	}
	if err := c.validate(cmd); err != nil {
		return err
	}
	// Commands due now from the recorded future go first, then the new
	// command replaces the rest of that future.
	withEntropy(c.ent, func() { c.applyDue(c.now) })
	if c.logPos >= MaxSessionCommands {
		return fmt.Errorf("%w: %s: the session holds %d commands, the most a session may hold (sim.MaxSessionCommands); start a new cluster", wire.ErrImpossible, cmd.Kind, c.logPos)
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
	withEntropy(c.ent, func() { c.apply(cmd) })
	return nil
}

// validate checks a command against the current state without changing it.
func (c *Cluster) validate(cmd wire.Command) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", wire.ErrBadCommand, cmd.Kind, fmt.Sprintf(format, args...))
	}
	node := func(id core.NodeID, field string) (*simNode, error) {
		if id < 1 || int(id) > len(c.nodes) {
			return nil, fmt.Errorf("%w: %s: %s %d; nodes are 1 to %d", wire.ErrUnknownNode, cmd.Kind, field, id, len(c.nodes))
		}
		return c.nodes[id-1], nil
	}
	impossible := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", wire.ErrImpossible, cmd.Kind, fmt.Sprintf(format, args...))
	}
	switch cmd.Kind {
	case wire.CmdSet, wire.CmdDel, wire.CmdGet:
		if cmd.Key == "" {
			return bad("key is empty")
		}
		if err := wire.CheckKeyValue(cmd.Key, cmd.Value); err != nil {
			return bad("%v", err)
		}
		if cmd.Kind != wire.CmdSet && cmd.Value != "" {
			return bad("takes no value")
		}
		if cmd.Node != 0 {
			n, err := node(cmd.Node, "node")
			if err != nil {
				return err
			}
			if !n.up() {
				return impossible("%s is down", n.id)
			}
		} else if !c.randomUpNodeExists() {
			return impossible("every node is down")
		}
	case wire.CmdCrash, wire.CmdRestart, wire.CmdIsolate, wire.CmdCampaign, wire.CmdTransfer:
		n, err := node(cmd.Node, "node")
		if err != nil {
			return err
		}
		switch {
		case cmd.Kind == wire.CmdRestart && n.up():
			return impossible("%s is running; crash it first", n.id)
		case cmd.Kind != wire.CmdRestart && cmd.Kind != wire.CmdIsolate && !n.up():
			return impossible("%s is down; restart it first", n.id)
		case cmd.Kind == wire.CmdTransfer && c.leader() == nil:
			return impossible("there is no leader to hand leadership over")
		case cmd.Kind == wire.CmdTransfer && c.leader().id == n.id:
			return impossible("%s is already the leader", n.id)
		}
	case wire.CmdPartition:
		if len(cmd.Groups) == 0 {
			return bad("groups is empty; give the groups of nodes that can still talk, e.g. [[1,2],[3,4,5]]")
		}
		seen := map[core.NodeID]bool{}
		for _, g := range cmd.Groups {
			for _, id := range g {
				if _, err := node(id, "node"); err != nil {
					return err
				}
				if seen[id] {
					return bad("%s is in two groups", id)
				}
				seen[id] = true
			}
		}
	case wire.CmdCut, wire.CmdHeal:
		if cmd.Kind == wire.CmdHeal && cmd.Node == 0 && cmd.Peer == 0 {
			return nil
		}
		if _, err := node(cmd.Node, "node"); err != nil {
			return err
		}
		if _, err := node(cmd.Peer, "peer"); err != nil {
			return err
		}
		if cmd.Node == cmd.Peer {
			return bad("node and peer are both %s; a link joins two nodes", cmd.Node)
		}
	case wire.CmdDeliver, wire.CmdDrop, wire.CmdDuplicate:
		f, ok := c.flights[cmd.Msg]
		if !ok {
			return fmt.Errorf("%w: %s: message %d is not in flight", wire.ErrUnknownMessage, cmd.Kind, cmd.Msg)
		}
		if cmd.Kind == wire.CmdDeliver && !c.nodes[f.to-1].up() {
			return impossible("%s is down; the message can only be dropped", f.to)
		}
	case wire.CmdNetwork:
		if cmd.Network == nil {
			return bad("network settings are missing")
		}
		cfg := c.cfg
		cfg.Network = *cmd.Network
		if err := cfg.Validate(); err != nil {
			return wire.CommandConfigError(err)
		}
	case wire.CmdManual:
	case wire.CmdAddClients:
		if cmd.Count < 1 || c.activeClients()+cmd.Count > wire.MaxClients {
			return bad("count %d must be at least 1 and keep the clients at most %d (now %d)", cmd.Count, wire.MaxClients, c.activeClients())
		}
	case wire.CmdRemoveClients:
		if c.activeClients() == 0 {
			return bad("there are no clients to remove")
		}
		if cmd.Count < 1 || cmd.Count > c.activeClients() {
			return bad("count %d must be from 1 to the number of clients (%d)", cmd.Count, c.activeClients())
		}
	case "":
		return bad("kind is missing")
	default:
		return fmt.Errorf("%w: unknown kind %q", wire.ErrBadCommand, cmd.Kind)
	}
	return nil
}

func (c *Cluster) randomUpNodeExists() bool {
	for _, n := range c.nodes {
		if n.up() {
			return true
		}
	}
	return false
}

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

// apply carries out a validated command.
func (c *Cluster) apply(cmd wire.Command) {
	n := c.nodeOrNil(cmd.Node)
	note := func(text string) {
		c.emit(wire.Event{Kind: wire.EvCommand, Node: cmd.Node, Type: string(cmd.Kind), Text: text})
	}
	switch cmd.Kind {
	case wire.CmdSet, wire.CmdDel, wire.CmdGet:
		note(fmt.Sprintf("console: %s", wire.DescribeOp(wire.OpKind(cmd.Kind), cmd.Key, cmd.Value)))
		c.invoke(c.console, wire.OpKind(cmd.Kind), cmd.Key, cmd.Value, cmd.Node)
	case wire.CmdCrash:
		c.emit(wire.Event{Kind: wire.EvCrash, Node: n.id, Text: fmt.Sprintf("%s crashed: its volatile state and messages in flight are lost, its storage survives", n.id)})
		c.crashLocked(n)
	case wire.CmdRestart:
		if err := c.startNode(n); err != nil {
			c.nodeFailed(n, err)
			return
		}
		if !n.up() {
			// Its first Ready round failed: nodeFailed stopped it again and
			// put its error in the trace and the view.
			return
		}
		c.emit(wire.Event{Kind: wire.EvRestart, Node: n.id, Index: n.rn.RestartApplied(),
			Text: fmt.Sprintf("%s restarted from its storage (term %d, state machine restored to index %d)", n.id, n.term, n.rn.RestartApplied())})
	case wire.CmdPartition:
		text := c.partition(cmd.Groups)
		c.emit(wire.Event{Kind: wire.EvPartition, Text: "network partitioned: " + text})
	case wire.CmdCut:
		c.setLink(cmd.Node, cmd.Peer, true)
		text := fmt.Sprintf("cut the link %s↔%s", cmd.Node, cmd.Peer)
		if cmd.OneWay {
			text = fmt.Sprintf("cut the link %s→%s (one way)", cmd.Node, cmd.Peer)
		} else {
			c.setLink(cmd.Peer, cmd.Node, true)
		}
		c.emit(wire.Event{Kind: wire.EvPartition, Node: cmd.Node, Peer: cmd.Peer, Text: text})
	case wire.CmdHeal:
		if cmd.Node == 0 {
			c.healAll()
			c.emit(wire.Event{Kind: wire.EvHeal, Text: "healed every link"})
			return
		}
		c.setLink(cmd.Node, cmd.Peer, false)
		text := fmt.Sprintf("healed the link %s↔%s", cmd.Node, cmd.Peer)
		if cmd.OneWay {
			text = fmt.Sprintf("healed the link %s→%s (one way)", cmd.Node, cmd.Peer)
		} else {
			c.setLink(cmd.Peer, cmd.Node, false)
		}
		c.emit(wire.Event{Kind: wire.EvHeal, Node: cmd.Node, Peer: cmd.Peer, Text: text})
	case wire.CmdIsolate:
		for _, o := range c.nodes {
			if o.id != n.id {
				c.setLink(n.id, o.id, true)
				c.setLink(o.id, n.id, true)
			}
		}
		c.emit(wire.Event{Kind: wire.EvPartition, Node: n.id, Text: fmt.Sprintf("isolated %s from every other node", n.id)})
	case wire.CmdCampaign:
		note(fmt.Sprintf("forced %s's election timeout", n.id))
		_ = n.rn.Campaign()
		c.drain(n)
	case wire.CmdTransfer:
		l := c.leader()
		note(fmt.Sprintf("asked leader %s to hand leadership to %s", l.id, n.id))
		_ = l.rn.TransferLeadership(n.id)
		c.drain(l)
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
		net := c.cfg.Network
		c.emit(wire.Event{Kind: wire.EvNetwork, Text: fmt.Sprintf("network: latency %d-%d ms, drop %.0f%%, duplicate %.0f%%, reorder %.0f%%",
			net.MinLatencyMS, net.MaxLatencyMS, 100*net.DropRate, 100*net.DuplicateRate, 100*net.ReorderRate)})
	case wire.CmdManual:
		c.setManual(cmd.On)
	case wire.CmdAddClients:
		for i := 0; i < cmd.Count; i++ {
			cl := c.newClient(len(c.clients) + 1)
			c.clients = append(c.clients, cl)
			c.scheduleClient(cl)
		}
		note(fmt.Sprintf("added %s (%d now)", clientsText(cmd.Count), c.activeClients()))
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
