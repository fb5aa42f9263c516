package native

import (
	"context"
	"errors"
	"fmt"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// Apply carries out a command (wire.Command, the schema the simulator also
// takes) on the running cluster:
//
//   - add, add-learner, promote, remove, replace, change and leave-joint
//     change the membership (see the package doc's Membership);
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
	_, err := c.Submit(cmd)
	return err
}

// Submit is Apply that also returns the id of the client request a set,
// get or del command created (0 for other kinds): the request id its
// client-invoke and client-return events carry (Event.Msg).
func (c *Cluster) Submit(cmd wire.Command) (uint64, error) {
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	r, err := c.live()
	if err != nil {
		return 0, err
	}
	if err := r.validate(cmd); err != nil {
		return 0, err
	}
	return r.apply(cmd)
}

// validate checks a command against the current state without changing it,
// by the simulator's rules and in its words (wire.CheckCommand); the kinds
// a real-time cluster cannot carry out are refused there too.
func (r *run) validate(cmd wire.Command) error {
	if err := wire.CheckCommand(cmd, commandState{r}); err != nil {
		return err
	}
	if wire.IsMembership(cmd.Kind) && r.durable.dir != "" && r.startsNodes(cmd) {
		return fmt.Errorf("%w: %s: this cluster keeps its nodes' logs in %s, which records the %d nodes it was created with; a node added while it runs would be missing after a restart, so add nodes to a cluster kept in memory (promote, remove, change of present members and leave-joint act here)", wire.ErrImpossible, cmd.Kind, r.durable.dir, r.cfg.Nodes)
	}
	return nil
}

// startsNodes reports whether cmd, a checked membership command, adds a
// node that is not running yet (addNodes).
func (r *run) startsNodes(cmd wire.Command) bool { return len(r.freshIDs(cmd)) > 0 }

// Membership is the configuration the leader applied, and the nodes
// removed and the members hosted outside that left.
func (s commandState) Membership() wire.Membership {
	var m wire.Membership
	if l := s.r.leader(); l != nil {
		l.mu.Lock()
		st := l.state.status
		l.mu.Unlock()
		m.Voters, m.VotersOutgoing, m.Learners, m.LearnersNext = st.Voters, st.VotersOutgoing, st.Learners, st.LearnersNext
	}
	for _, n := range s.r.all() {
		if n.removed.Load() {
			m.Removed = append(m.Removed, n.id)
		}
	}
	s.r.remoteMu.RLock()
	for _, rm := range s.r.allRemotes {
		if rm.left() {
			m.Removed = append(m.Removed, rm.id)
		}
	}
	s.r.remoteMu.RUnlock()
	return m
}

// CheckConfChange asks the leader's loop whether etcd Raft would take cc
// (core.RaftNode.CheckConfChange).
func (s commandState) CheckConfChange(cc pb.ConfChangeI) error {
	l := s.r.leader()
	if l == nil {
		return errNoLeader
	}
	in := l.running()
	if in == nil {
		return errNoLeader
	}
	var err error
	if derr := in.do(func() { err = in.rn.CheckConfChange(cc) }); derr != nil {
		return derr
	}
	return err
}

// changeMembershipNow proposes a checked membership command on the leader.
// Removing a member hosted outside goes through Remote.remove, which also
// stops routing its messages once the leader has applied it.
func (r *run) changeMembershipNow(cmd wire.Command) error {
	if cmd.Kind == wire.CmdRemoveNode {
		if rm := r.remote(cmd.Node); rm != nil {
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				_ = rm.remove(r.ctx, "removed by a remove command")
			}()
			return nil
		}
	}
	l := r.leader()
	var in *incarnation
	if l != nil {
		in = l.running()
	}
	if in == nil {
		return fmt.Errorf("%w: %s: there is no leader to propose the change to; wait for an election", wire.ErrImpossible, cmd.Kind)
	}
	cc := wire.ConfChangeOf(cmd, int(r.highestID()))
	if err := r.addNodes(cmd); err != nil {
		return err
	}
	r.trace.add(wire.Event{Kind: wire.EvCommand, Node: l.id, Type: string(cmd.Kind), Text: wire.ChangeAskedText(cmd, l.id, cc)})
	var err error
	if derr := in.do(func() { err = in.rn.ProposeConfChange(cc) }); derr != nil {
		err = derr
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %v", wire.ErrImpossible, cmd.Kind, err)
	}
	return nil
}

// commandState is the cluster as wire.CheckCommand reads it.
type commandState struct{ r *run }

func (s commandState) Nodes() int                          { return int(s.r.highestID()) }
func (s commandState) Up(id core.NodeID) bool              { n := s.r.node(id); return n != nil && n.up() }
func (s commandState) Config() wire.Config                 { return s.r.cfg }
func (s commandState) RealTime() bool                      { return true }
func (s commandState) InFlight(uint64) (core.NodeID, bool) { return 0, false }
func (s commandState) Clients() int                        { return 0 }
func (s commandState) Hosted(id core.NodeID) bool          { return s.r.remote(id) != nil }

func (s commandState) Refusal(id core.NodeID, kind wire.CommandKind) string {
	return s.r.memberRefusal(id, kind)
}

func (s commandState) Leader() core.NodeID {
	if l := s.r.leader(); l != nil {
		return l.id
	}
	return 0
}

// apply carries out a validated command and returns the id of the client
// request it created, if any. The event that records it is the table's
// (wire.CommandEvent) where the command alone decides it.
func (r *run) apply(cmd wire.Command) (uint64, error) {
	emit := r.trace.add
	n := r.node(cmd.Node)
	var leader *node
	if cmd.Kind == wire.CmdTransfer {
		leader = r.leader()
	}
	emitCommand := func() {
		var id core.NodeID
		if leader != nil {
			id = leader.id
		}
		if e, ok := wire.CommandEvent(cmd, id); ok {
			emit(e)
		}
	}
	if wire.IsMembership(cmd.Kind) {
		return 0, r.changeMembershipNow(cmd)
	}
	switch cmd.Kind {
	case wire.CmdSet, wire.CmdDel, wire.CmdGet:
		emitCommand()
		return r.console(wire.OpKind(cmd.Kind), cmd.Key, cmd.Value, cmd.Node), nil
	case wire.CmdCrash:
		emitCommand()
		r.leaderHint.CompareAndSwap(uint64(n.id), 0)
		n.stop()
	case wire.CmdRestart:
		// start records the restart before the node's first round.
		if err := n.start(true); err != nil {
			emit(wire.Event{Kind: wire.EvCrash, Node: n.id, Text: fmt.Sprintf("%s stopped: %v", n.id, err)})
			n.mu.Lock()
			n.err = err
			n.mu.Unlock()
			return 0, err
		}
	case wire.CmdPartition:
		text := r.net.partition(r.nativeIDs(), cmd.Groups)
		emit(wire.Event{Kind: wire.EvPartition, Text: "network partitioned: " + text})
	case wire.CmdCut, wire.CmdHeal:
		cut := cmd.Kind == wire.CmdCut
		if cmd.Node == 0 {
			r.net.healAll()
		} else {
			r.net.setCut(cmd.Node, cmd.Peer, cut)
			if !cmd.OneWay {
				r.net.setCut(cmd.Peer, cmd.Node, cut)
			}
		}
		emitCommand()
	case wire.CmdIsolate:
		for _, o := range r.all() {
			if o.id != n.id {
				r.net.setCut(n.id, o.id, true)
				r.net.setCut(o.id, n.id, true)
			}
		}
		for _, rm := range r.remoteList() {
			r.net.setCut(n.id, rm.id, true)
			r.net.setCut(rm.id, n.id, true)
		}
		emitCommand()
	case wire.CmdCampaign:
		emitCommand()
		r.onNode(n, func(in *incarnation) { _ = in.rn.Campaign() })
	case wire.CmdTransfer:
		if leader == nil { // it stepped down since the command was checked
			return 0, fmt.Errorf("%w: %s: there is no leader to hand leadership over", wire.ErrImpossible, cmd.Kind)
		}
		emitCommand()
		r.onNode(leader, func(in *incarnation) { _ = in.rn.TransferLeadership(cmd.Node) })
	case wire.CmdNetwork:
		r.net.setConfig(*cmd.Network)
		emitCommand()
	}
	return 0, nil
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
// recording its call and its answer as client events like the simulator's,
// and returns its request id.
func (r *run) console(kind wire.OpKind, key, value string, target core.NodeID) uint64 {
	id := r.nextReq.Add(1)
	desc := wire.DescribeOp(kind, key, value)
	r.trace.add(wire.Event{Kind: wire.EvClientInvoke, Msg: id, Type: string(kind), Text: fmt.Sprintf("client 0 sent %s #%d", desc, id)})
	timeout := time.Duration(r.cfg.Clients.TimeoutMS) * time.Millisecond
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		ctx, cancel := context.WithTimeout(r.ctx, timeout)
		defer cancel()
		var text, output string
		outcome := wire.OutcomeFailed
		switch kind {
		case wire.OpGet:
			res, err := r.get(ctx, key, target)
			switch {
			case err != nil:
				text = fmt.Sprintf("client 0 gave up on %s #%d: it had no effect", desc, id)
			case !res.found:
				text = fmt.Sprintf("client 0: get %s #%d → not found", key, id)
				outcome = wire.OutcomeNotFound
			default:
				text = fmt.Sprintf("client 0: %s #%d → %s", desc, id, res.value)
				outcome, output = wire.OutcomeOK, res.value
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
				outcome, output = wire.OutcomeOK, res.output
			case errors.Is(err, wire.ErrOutcomeUnknown):
				text = fmt.Sprintf("client 0 gave up on %s #%d: it may or may not have been applied", desc, id)
				outcome = wire.OutcomeUnknown
			default:
				text = fmt.Sprintf("client 0 gave up on %s #%d: it had no effect", desc, id)
			}
		}
		r.trace.add(wire.Event{Kind: wire.EvClientReturn, Msg: id, Type: string(kind), Text: text, Outcome: outcome, Output: output})
	}()
	return id
}
