package native

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// Apply carries out a command (wire.Command, the simulator's schema) on the
// running cluster:
//
//   - crash stops a node's goroutines and sockets, keeping its storage;
//     restart starts it again from that storage;
//   - isolate, cut (both ways, or one way with OneWay), partition and heal
//     (one link, one direction of it, or every link) change which links the
//     sending side lets messages through;
//   - network sets the latency, drop, duplicate and reorder settings;
//   - campaign forces a node's election; transfer asks the leader to hand
//     leadership to a node;
//   - set, get and del are typed in the console (client 0): Apply returns
//     once the request is submitted, and its answer arrives later as a
//     client-return event of client 0, after a client-invoke event, as in
//     the simulator. A request is given up after Clients.TimeoutMS.
//
// manual, deliver, drop and duplicate (by message id) and add-clients and
// remove-clients are refused with wire.ErrImpossible: the native cluster
// runs in real time and has no simulated clients. A malformed or impossible
// command returns an error wrapping wire.ErrBadCommand, wire.ErrUnknownNode or
// wire.ErrImpossible and changes nothing; on a stopped cluster Apply returns
// ErrStopped.
func (c *Cluster) Apply(cmd wire.Command) error {
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	r, err := c.live()
	if err != nil {
		return err
	}
	if err := r.validate(cmd); err != nil {
		return err
	}
	return r.apply(cmd)
}

// validate checks a command against the current state without changing it,
// with the simulator's rules and messages.
func (r *run) validate(cmd wire.Command) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", wire.ErrBadCommand, cmd.Kind, fmt.Sprintf(format, args...))
	}
	node := func(id core.NodeID, field string) (*node, error) {
		kind := cmd.Kind
		if kind == wire.CmdHeal || kind == wire.CmdPartition {
			kind = wire.CmdCut
		}
		if why := r.memberRefusal(id, kind); why != "" {
			return nil, fmt.Errorf("%w: %s: %s", wire.ErrImpossible, cmd.Kind, why)
		}
		if id < 1 || int(id) > len(r.nodes) {
			return nil, fmt.Errorf("%w: %s: %s %d; nodes are 1 to %d", wire.ErrUnknownNode, cmd.Kind, field, id, len(r.nodes))
		}
		return r.nodes[id-1], nil
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
		} else if !r.anyUp() {
			return impossible("every node is down")
		}
	case wire.CmdTransfer:
		if rm := r.remote(cmd.Node); rm != nil {
			// Leadership may go to a member hosted elsewhere (a page or a
			// -join process), from a native leader.
			if l := r.leader(); l == nil {
				return impossible("there is no native leader to hand leadership over")
			}
			return nil
		}
		fallthrough
	case wire.CmdCrash, wire.CmdRestart, wire.CmdIsolate, wire.CmdCampaign:
		n, err := node(cmd.Node, "node")
		if err != nil {
			return err
		}
		up := n.up()
		switch {
		case cmd.Kind == wire.CmdRestart && up:
			return impossible("%s is running; crash it first", n.id)
		case cmd.Kind != wire.CmdRestart && cmd.Kind != wire.CmdIsolate && !up:
			return impossible("%s is down; restart it first", n.id)
		case cmd.Kind == wire.CmdTransfer && r.leader() == nil:
			return impossible("there is no leader to hand leadership over")
		case cmd.Kind == wire.CmdTransfer && r.leader().id == n.id:
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
	case wire.CmdNetwork:
		if cmd.Network == nil {
			return bad("network settings are missing")
		}
		cfg := r.cfg
		cfg.Network = *cmd.Network
		if err := cfg.Validate(); err != nil {
			return wire.CommandConfigError(err)
		}
	case wire.CmdManual, wire.CmdDeliver, wire.CmdDrop, wire.CmdDuplicate:
		return impossible("the native cluster runs in real time: its messages cannot be held, delivered, dropped or duplicated by hand")
	case wire.CmdAddClients, wire.CmdRemoveClients:
		return impossible("the native cluster runs in real time and has no simulated clients; use set, get and del, or the HTTP API")
	case "":
		return bad("kind is missing")
	default:
		return fmt.Errorf("%w: unknown kind %q", wire.ErrBadCommand, cmd.Kind)
	}
	return nil
}

func (r *run) anyUp() bool {
	for _, n := range r.nodes {
		if n.up() {
			return true
		}
	}
	return false
}

// apply carries out a validated command.
func (r *run) apply(cmd wire.Command) error {
	emit := r.trace.add
	var n *node
	if cmd.Node >= 1 && int(cmd.Node) <= len(r.nodes) {
		n = r.nodes[cmd.Node-1]
	}
	note := func(text string) {
		emit(wire.Event{Kind: wire.EvCommand, Node: cmd.Node, Type: string(cmd.Kind), Text: text})
	}
	switch cmd.Kind {
	case wire.CmdSet, wire.CmdDel, wire.CmdGet:
		note(fmt.Sprintf("console: %s", wire.DescribeOp(wire.OpKind(cmd.Kind), cmd.Key, cmd.Value)))
		r.console(wire.OpKind(cmd.Kind), cmd.Key, cmd.Value, cmd.Node)
	case wire.CmdCrash:
		emit(wire.Event{Kind: wire.EvCrash, Node: n.id, Text: fmt.Sprintf("%s crashed: its volatile state and messages in flight are lost, its storage survives", n.id)})
		r.leaderHint.CompareAndSwap(uint64(n.id), 0)
		n.stop()
	case wire.CmdRestart:
		if err := n.start(); err != nil {
			emit(wire.Event{Kind: wire.EvCrash, Node: n.id, Text: fmt.Sprintf("%s stopped: %v", n.id, err)})
			n.mu.Lock()
			n.err = err
			n.mu.Unlock()
			return err
		}
		st := n.storage()
		hs, _, _ := st.InitialState()
		snap, _ := st.Snapshot()
		applied := snap.GetMetadata().GetIndex()
		from := "its storage"
		if r.durable.dir != "" {
			from = "its log on disk"
		}
		emit(wire.Event{Kind: wire.EvRestart, Node: n.id, Index: core.LogIndex(applied),
			Text: fmt.Sprintf("%s restarted from %s (term %d, state machine restored to index %d)", n.id, from, hs.GetTerm(), applied)})
	case wire.CmdPartition:
		text := r.net.partition(len(r.nodes), cmd.Groups)
		emit(wire.Event{Kind: wire.EvPartition, Text: "network partitioned: " + text})
	case wire.CmdCut:
		r.net.setCut(cmd.Node, cmd.Peer, true)
		text := fmt.Sprintf("cut the link %s↔%s", cmd.Node, cmd.Peer)
		if cmd.OneWay {
			text = fmt.Sprintf("cut the link %s→%s (one way)", cmd.Node, cmd.Peer)
		} else {
			r.net.setCut(cmd.Peer, cmd.Node, true)
		}
		emit(wire.Event{Kind: wire.EvPartition, Node: cmd.Node, Peer: cmd.Peer, Text: text})
	case wire.CmdHeal:
		if cmd.Node == 0 {
			r.net.healAll()
			emit(wire.Event{Kind: wire.EvHeal, Text: "healed every link"})
			return nil
		}
		r.net.setCut(cmd.Node, cmd.Peer, false)
		text := fmt.Sprintf("healed the link %s↔%s", cmd.Node, cmd.Peer)
		if cmd.OneWay {
			text = fmt.Sprintf("healed the link %s→%s (one way)", cmd.Node, cmd.Peer)
		} else {
			r.net.setCut(cmd.Peer, cmd.Node, false)
		}
		emit(wire.Event{Kind: wire.EvHeal, Node: cmd.Node, Peer: cmd.Peer, Text: text})
	case wire.CmdIsolate:
		for _, o := range r.nodes {
			if o.id != n.id {
				r.net.setCut(n.id, o.id, true)
				r.net.setCut(o.id, n.id, true)
			}
		}
		for _, rm := range r.remoteList() {
			r.net.setCut(n.id, rm.id, true)
			r.net.setCut(rm.id, n.id, true)
		}
		emit(wire.Event{Kind: wire.EvPartition, Node: n.id, Text: fmt.Sprintf("isolated %s from every other node", n.id)})
	case wire.CmdCampaign:
		note(fmt.Sprintf("forced %s's election timeout", n.id))
		r.onNode(n, func(in *incarnation) { _ = in.rn.Campaign() })
	case wire.CmdTransfer:
		l := r.leader()
		note(fmt.Sprintf("asked leader %s to hand leadership to %s", l.id, cmd.Node))
		r.onNode(l, func(in *incarnation) { _ = in.rn.TransferLeadership(cmd.Node) })
	case wire.CmdNetwork:
		r.net.setConfig(*cmd.Network)
		net := *cmd.Network
		emit(wire.Event{Kind: wire.EvNetwork, Text: fmt.Sprintf("network: latency %d-%d ms, drop %.0f%%, duplicate %.0f%%, reorder %.0f%%",
			net.MinLatencyMS, net.MaxLatencyMS, 100*net.DropRate, 100*net.DuplicateRate, 100*net.ReorderRate)})
	}
	return nil
}

// onNode runs f on n's loop goroutine, then lets the loop handle the Ready
// rounds f caused; it waits for f unless the node stops first.
func (r *run) onNode(n *node, f func(in *incarnation)) {
	in := n.running()
	if in == nil {
		return
	}
	_ = in.do(func() { f(in) })
}

// console runs a request typed in the page (client 0) in the background,
// recording its call and its answer as client events like the simulator's.
func (r *run) console(kind wire.OpKind, key, value string, target core.NodeID) {
	id := r.nextReq.Add(1)
	desc := wire.DescribeOp(kind, key, value)
	r.trace.add(wire.Event{Kind: wire.EvClientInvoke, Msg: id, Type: string(kind), Text: fmt.Sprintf("client 0 sent %s #%d", desc, id)})
	timeout := time.Duration(r.cfg.Clients.TimeoutMS) * time.Millisecond
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		ctx, cancel := context.WithTimeout(r.ctx, timeout)
		defer cancel()
		var text string
		switch kind {
		case wire.OpGet:
			res, err := r.get(ctx, key, target)
			switch {
			case err != nil:
				text = fmt.Sprintf("client 0 gave up on %s #%d: it had no effect", desc, id)
			case !res.found:
				text = fmt.Sprintf("client 0: get %s #%d → not found", key, id)
			default:
				text = fmt.Sprintf("client 0: %s #%d → %s", desc, id, res.value)
			}
		default:
			op := statemachine.Operation{Kind: statemachine.OpSet, Key: key, Value: value, ID: id}
			if kind == wire.OpDel {
				op.Kind = statemachine.OpDel
			}
			res, err := r.write(ctx, op, target)
			switch {
			case err == nil:
				text = fmt.Sprintf("client 0: %s #%d → %s", desc, id, res.output)
			case errors.Is(err, wire.ErrOutcomeUnknown):
				text = fmt.Sprintf("client 0 gave up on %s #%d: it may or may not have been applied", desc, id)
			default:
				text = fmt.Sprintf("client 0 gave up on %s #%d: it had no effect", desc, id)
			}
		}
		r.trace.add(wire.Event{Kind: wire.EvClientReturn, Msg: id, Type: string(kind), Text: text})
	}()
}
