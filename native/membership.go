package native

import (
	"fmt"
	"slices"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// This file is membership on the native cluster, as in the simulator
// (sim/membership.go): a node added by a command starts empty, with no
// membership of its own, and learns the log (or a snapshot) from the
// leader once etcd Raft has applied its addition; ids are handed out in
// order, shared with the members hosted outside, and never reused. A node
// removed from the configuration keeps running, so that it can still vote
// for voters that have not learned of its removal, and views show it left;
// a removed leader hands leadership to a voter of the new configuration
// (handOff), as an etcd server does before it stops.

// addNodes starts the nodes a checked membership command adds (ids above
// every id given so far), empty and not yet members. A node that cannot
// start (no loopback port) stays in views, down, with the error; its id is
// used.
func (r *run) addNodes(cmd wire.Command) error {
	for _, id := range r.freshIDs(cmd) {
		n := &node{id: id, r: r, store: storage.NewMemStorage()}
		r.remoteMu.Lock()
		nodes := append(slices.Clone(r.all()), n)
		r.nodes.Store(&nodes)
		r.lastID = id
		r.remoteMu.Unlock()
		r.trace.add(wire.Event{Kind: wire.EvCommand, Node: id, Type: string(cmd.Kind),
			Text: fmt.Sprintf("%s started empty, with no membership: it waits for the leader to send it the log (or a snapshot) once the change is applied", id)})
		if err := n.start(false); err != nil {
			n.mu.Lock()
			n.err = err
			n.mu.Unlock()
			return fmt.Errorf("%w: %s: %v", wire.ErrImpossible, cmd.Kind, err)
		}
	}
	return nil
}

// freshIDs returns the ids of the nodes a checked membership command adds
// that no node has yet (above every id given so far), in order.
func (r *run) freshIDs(cmd wire.Command) []core.NodeID {
	high := r.highestID()
	var fresh []core.NodeID
	for _, ch := range wire.MemberChanges(cmd, int(high)) {
		if ch.Op != wire.OpRemove && ch.Node > high {
			fresh = append(fresh, ch.Node)
		}
	}
	return fresh
}

// noteConfStates records the configurations the node applied in u and
// marks every node one of them removed (a member before it, in no role
// after it): the removal is committed, so it holds cluster-wide. A
// removed leader hands leadership on. Only the loop goroutine calls it.
func (in *incarnation) noteConfStates(u *core.Update) {
	r := in.n.r
	for _, cc := range u.ConfChanges {
		cs := cc.ConfState
		if in.conf != nil {
			now := wire.ConfMembers(cs)
			for _, id := range wire.ConfMembers(in.conf) {
				if slices.Contains(now, id) {
					continue
				}
				if x := r.node(id); x != nil && x.removed.CompareAndSwap(false, true) {
					in.ev.add(wire.RemovedEvent(id, in.n.id, cc.Index))
				} else if rm := r.remote(id); rm != nil {
					rm.forget(fmt.Sprintf("removed from the configuration (%s applied the change at %d)", in.n.id, cc.Index))
				}
			}
		}
		in.conf = cs
	}
	if len(u.ConfChanges) > 0 && in.n.removed.Load() && in.Role == core.RoleLeader {
		in.handOff()
	}
}

// handOff has a removed leader hand leadership to the voter of its new
// configuration whose log matches most of its own
// (core.Status.HandOffTarget), as an etcd server does before it stops:
// etcd Raft sends that voter what it lacks, then tells it to campaign
// (MsgTimeoutNow). Until then the node leads on, accepting no proposal
// and serving no client. A transfer that times out is asked for again at
// the node's next tick. Only the loop goroutine calls it.
func (in *incarnation) handOff() {
	st := in.rn.Status()
	if st.Role != core.RoleLeader || st.LeadTransferee != 0 {
		return
	}
	to := st.HandOffTarget()
	if to == 0 {
		return
	}
	if err := in.rn.TransferLeadership(to); err != nil {
		return // no quorum of the new configuration heard lately: it steps down by itself
	}
	in.ev.add(wire.HandOffEvent(in.n.id, to))
}
