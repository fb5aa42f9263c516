package core

import (
	"errors"
	"fmt"

	"go.etcd.io/raft/v3/confchange"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/tracker"
)

// ErrConfChangeRefused is returned for a membership change etcd Raft would
// refuse: one proposed while another is pending, one that is not a
// leave-joint while the configuration is joint (or the reverse), or one its
// configuration changer rejects (removing every voter, promoting a node
// that is not a member, ...). The error says why, in etcd's words.
var ErrConfChangeRefused = errors.New("core: configuration change refused")

// fmtConfChangeIgnored is the line etcd Raft v3.7.0 logs when its leader
// turns a proposed configuration change into an empty entry (raft.go,
// stepLeader); the explainer matches it by format string, and a core test
// pins it.
const fmtConfChangeIgnored = "%x ignoring conf change %s at config %s: %s"

// CheckConfChange reports whether this node, the leader, would accept the
// membership change cc now, without changing anything. It returns
// ErrNotLeader on other nodes and ErrConfChangeRefused, with etcd's reason,
// when etcd Raft would ignore the proposal (another change pending, a joint
// configuration to leave first, no joint configuration to leave) or its
// configuration changer would refuse the change once committed (which would
// stop every node that applies it).
//
// It reads the log as stored: call it between rounds (after Process), as
// the simulator and the native cluster do.
func (n *RaftNode) CheckConfChange(cc pb.ConfChangeI) error {
	if err := n.leaderOnly(); err != nil {
		return err
	}
	if why := n.pendingRefusal(cc); why != "" {
		return refusedErr(errors.New(why))
	}
	return n.changerRefusal(cc.AsV2())
}

// refusedErr wraps etcd's reason for refusing a change as
// ErrConfChangeRefused.
func refusedErr(why error) error {
	return &kindError{kind: ErrConfChangeRefused, op: "propose conf change", err: why}
}

// pendingRefusal is etcd Raft's own check of a proposed change (raft.go,
// stepLeader on MsgProp) worked out from the log: "" if the leader would
// accept cc, else the reason it logs when it turns cc into an empty entry.
//
// etcd keeps the index of the newest change it accepted (pendingConfIndex),
// which a leader sets to its last index when elected and then to the index
// of each change it appends. Both are in the log: the entries of the
// leader's term start right after the index it had when elected, and the
// changes it accepted are the configuration-change entries of its term
// (those it refused became normal entries).
func (n *RaftNode) pendingRefusal(cc pb.ConfChangeI) string {
	bs := n.rn.BasicStatus()
	term := bs.HardState.GetTerm()
	first, _ := n.storage.FirstIndex()
	last, _ := n.storage.LastIndex()
	// termStart: the first index of the leader's term still in the log.
	termStart := last + 1
	for termStart > first {
		t, err := n.storage.Term(termStart - 1)
		if err != nil || t != term {
			break
		}
		termStart--
	}
	pending := termStart - 1
	if termStart <= last {
		ents, err := n.storage.Entries(termStart, last+1, ^uint64(0))
		if err == nil {
			for _, e := range ents {
				if t := e.GetType(); t == pb.EntryConfChange || t == pb.EntryConfChangeV2 {
					pending = max(pending, e.GetIndex())
				}
			}
		}
	}
	applied := bs.Applied
	joint := len(n.confState.GetVotersOutgoing()) > 0
	leave := len(cc.AsV2().GetChanges()) == 0
	switch {
	case pending > applied:
		return fmt.Sprintf("possible unapplied conf change at index %d (applied to %d)", pending, applied)
	case joint && !leave:
		return "must transition out of joint config first"
	case !joint && leave:
		return "not in joint state; refusing empty conf change"
	}
	return ""
}

// changerRefusal returns ErrConfChangeRefused with the reason etcd's
// configuration changer refuses cc, or nil. It runs cc through etcd's configuration changer on a copy of
// the configuration in force, as every node will when it applies cc (and
// etcd Raft panics on the error). With no change pending, the configuration
// in force on the leader is the one cc will be applied to.
func (n *RaftNode) changerRefusal(cc *pb.ConfChangeV2) error {
	last, _ := n.storage.LastIndex()
	return changeRefusal(n.confState, cc, last)
}

// ChangeRefusal returns ErrConfChangeRefused with the reason etcd Raft's
// configuration changer refuses cc applied to the configuration cs (a
// simple change in a joint configuration, one removing every voter, ...),
// or nil if it accepts it: etcd Raft panics applying a change its changer
// refuses. The safety checkers ask it of every change a leader appends.
func ChangeRefusal(cs *pb.ConfState, cc pb.ConfChangeI) error {
	return changeRefusal(cs, cc.AsV2(), 0)
}

// changeRefusal is ChangeRefusal with the log's last index (for the
// progress of added nodes, which the verdict does not depend on).
func changeRefusal(cs *pb.ConfState, cc *pb.ConfChangeV2, last uint64) error {
	chg := confchange.Changer{Tracker: tracker.MakeProgressTracker(DefaultMaxInflightMsgs, 0), LastIndex: last}
	cfg, prs, why := confchange.Restore(chg, cs)
	if why != nil {
		return refusedErr(fmt.Errorf("restore the configuration in force: %w", why))
	}
	chg.Tracker.Config, chg.Tracker.Progress = cfg, prs
	switch autoLeave, enter := cc.EnterJoint(); {
	case cc.LeaveJoint():
		_, _, why = chg.LeaveJoint()
	case enter:
		_, _, why = chg.EnterJoint(autoLeave, cc.GetChanges()...)
	default:
		_, _, why = chg.Simple(cc.GetChanges()...)
	}
	if why != nil {
		return refusedErr(why)
	}
	return nil
}

// noteConfChangeIgnored records etcd's reason for ignoring the change being
// proposed (the fourth argument of fmtConfChangeIgnored).
func (n *RaftNode) noteConfChangeIgnored(v []interface{}) {
	if len(v) == 4 {
		if why, ok := v[3].(string); ok {
			n.confRefused = why
			return
		}
	}
	n.confRefused = "etcd Raft ignored the change"
}
