package native

import (
	"errors"
	"fmt"
	"math/bits"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// ErrRaftPanic is a node's error (shown in its view and the trace) when its
// Raft loop panicked, in etcd Raft above all: the node stopped, the process
// did not.
var ErrRaftPanic = errors.New("etcd Raft panicked in the node's loop")

// Bounds on what a member hosted outside the process may send (Deliver).
// etcd Raft trusts its peers: it panics on some messages no honest peer
// sends, and keeps whatever entries a leader sends. These bounds are what
// an honest member never exceeds.
const (
	// MaxMemberEntryBytes is the largest log entry a member may send (in a
	// MsgApp, or a MsgReadIndex's context): the largest entry this
	// cluster's own clients can write (a key of 4 KiB and a value of 1 MiB,
	// encoded), so a member leading can send back every entry it was sent.
	MaxMemberEntryBytes = maxKeyBytes + maxValueBytes + 64
	// MaxMemberMessageBytes is the largest message a member may send, as
	// encoded: etcd Raft fills a MsgApp up to 1 MiB of entries, and always
	// sends at least one.
	MaxMemberMessageBytes = 2*MaxMemberEntryBytes + 4<<10
	// maxMemberEntries is the most entries one member message may carry.
	maxMemberEntries = 4096
	// maxTermLead is how far above every native node's term a member's
	// term may run: terms grow by one per election, and a member far
	// ahead has either been cut off for days without PreVote or is lying.
	maxTermLead = 1 << 16
	// maxSaneTerm and maxSaneIndex bound every term and index a member
	// sends, far from the wrap-around at 2^64 where etcd's arithmetic
	// breaks.
	maxSaneTerm  = 1 << 62
	maxSaneIndex = 1 << 62
	// maxGrantTerms bounds the terms a member's granted votes are kept for.
	maxGrantTerms = 16
)

// memberTypes are the message types a member may send: what a peer sends
// another in etcd Raft. Leader-only types are in leaderTypes too.
var memberTypes = map[pb.MessageType]bool{
	pb.MsgApp: true, pb.MsgAppResp: true, pb.MsgHeartbeat: true, pb.MsgHeartbeatResp: true,
	pb.MsgVote: true, pb.MsgVoteResp: true, pb.MsgPreVote: true, pb.MsgPreVoteResp: true,
	pb.MsgReadIndex: true, pb.MsgReadIndexResp: true, pb.MsgTransferLeader: true, pb.MsgTimeoutNow: true,
	pb.MsgSnap: true,
}

// leaderTypes are sent only by the leader of the message's term.
var leaderTypes = map[pb.MessageType]bool{
	pb.MsgApp: true, pb.MsgHeartbeat: true, pb.MsgSnap: true, pb.MsgTimeoutNow: true, pb.MsgReadIndexResp: true,
}

// refuse is a refusal of a member's message.
func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRemoteMessage, fmt.Sprintf(format, args...))
}

// checkShape refuses what no honest member sends, whatever the cluster's
// state: a type not sent between peers, an oversized message or entry, a
// term or index near 2^64, entries out of order, and snapshots.
func checkShape(m *pb.Message) error {
	t := m.GetType()
	if !memberTypes[t] {
		return refuse("%s is not sent between nodes here", t)
	}
	if t == pb.MsgSnap {
		// A snapshot replaces the receiver's whole state, and etcd Raft
		// takes the membership it carries on trust: a forged one wiped
		// every key on every node. A native node that needs one while a
		// member leads waits for a native leader (native client requests
		// take leadership back from members: reclaim).
		return refuse("a member may not send snapshots (a snapshot replaces a node's state and membership wholesale); native nodes catch up from a native leader")
	}
	if size := proto.Size(m); size > MaxMemberMessageBytes {
		return refuse("%s of %d bytes: a member's messages are limited to %d", t, size, MaxMemberMessageBytes)
	}
	if m.GetTerm() > maxSaneTerm || m.GetLogTerm() > maxSaneTerm {
		return refuse("%s at term %d (log term %d): no term comes near 2^64", t, m.GetTerm(), m.GetLogTerm())
	}
	if m.GetIndex() > maxSaneIndex || m.GetCommit() > maxSaneIndex || m.GetRejectHint() > maxSaneIndex {
		return refuse("%s with index %d, commit %d, reject hint %d: no index comes near 2^64", t, m.GetIndex(), m.GetCommit(), m.GetRejectHint())
	}
	ents := m.GetEntries()
	if len(ents) > maxMemberEntries {
		return refuse("%s carries %d entries: a member's messages are limited to %d", t, len(ents), maxMemberEntries)
	}
	for i, e := range ents {
		if size := proto.Size(e); size > MaxMemberEntryBytes {
			return refuse("%s entry %d is %d bytes: entries from members are limited to %d", t, i, size, MaxMemberEntryBytes)
		}
	}
	switch t {
	case pb.MsgReadIndex, pb.MsgTransferLeader:
		// Both are requests a node forwards to its leader: etcd Raft sends
		// MsgReadIndex without a term, and a native follower that forwards
		// either one already carrying a term panics ("term should not be
		// set when sending ..."). Members never forward a leadership
		// request: they ask for leadership only as their own request.
		if m.GetTerm() != 0 {
			return refuse("%s at term %d: a member sends leadership and read-index requests without a term; a native follower forwarding one with a term would crash", t, m.GetTerm())
		}
	default:
		// etcd Raft takes a message without a term for one of the node's
		// own (local) requests and skips every term check: a term-less
		// MsgAppResp moved the leader's view of a follower past its own
		// log, and the leader panicked ("need non-empty snapshot").
		if m.GetTerm() == 0 {
			return refuse("%s without a term: every message between nodes but the read-index and leadership requests carries its sender's term (etcd Raft treats one without as the node's own request)", t)
		}
	}
	switch t {
	case pb.MsgApp:
		if m.GetLogTerm() > m.GetTerm() {
			return refuse("MsgApp at term %d follows an entry of term %d, from its future", m.GetTerm(), m.GetLogTerm())
		}
		prev := m.GetLogTerm()
		for i, e := range ents {
			if want := m.GetIndex() + 1 + uint64(i); e.GetIndex() != want {
				return refuse("MsgApp entry %d has index %d, not %d: entries follow the index they are sent after, without gaps", i, e.GetIndex(), want)
			}
			if e.GetTerm() < prev || e.GetTerm() > m.GetTerm() {
				return refuse("MsgApp at term %d: entry %d at index %d has term %d, out of order (the one before has term %d)", m.GetTerm(), i, e.GetIndex(), e.GetTerm(), prev)
			}
			prev = e.GetTerm()
		}
	case pb.MsgReadIndex, pb.MsgReadIndexResp:
		// The entry carries the read's context only.
	default:
		if len(ents) > 0 {
			return refuse("%s carries entries; only MsgApp and the read-index messages do", t)
		}
	}
	return nil
}

// target is what a check knows of the native node a member's message is
// for: its term, commit and last index, and the terms in its log.
type target struct {
	term   core.Term
	commit core.LogIndex
	last   core.LogIndex
	termAt func(i uint64) (uint64, error)
}

// checkAgainst refuses a member's message that etcd Raft would panic on at
// node t, or that no honest peer could send it: a heartbeat committing
// past its last index, entries rewriting what it has committed, an
// acknowledgement of entries it never had.
func checkAgainst(m *pb.Message, t target) error {
	switch m.GetType() {
	case pb.MsgHeartbeat:
		// A leader's heartbeat commits at most what the follower has
		// acknowledged; etcd panics ("tocommit out of range") past its log.
		if c := core.LogIndex(m.GetCommit()); c > t.last && core.Term(m.GetTerm()) >= t.term {
			return refuse("MsgHeartbeat commits index %d, past %s's last index %d: a leader commits on a follower only what it has acknowledged", c, core.NodeID(m.GetTo()), t.last)
		}
	case pb.MsgApp:
		if core.Term(m.GetTerm()) < t.term {
			return nil // etcd ignores messages of past terms
		}
		for _, e := range m.GetEntries() {
			if core.LogIndex(e.GetIndex()) > t.commit {
				break
			}
			held, err := t.termAt(e.GetIndex())
			if err == nil && held != e.GetTerm() {
				return refuse("MsgApp rewrites index %d (term %d there, committed on %s) with an entry of term %d: committed entries never change", e.GetIndex(), held, core.NodeID(m.GetTo()), e.GetTerm())
			}
		}
	case pb.MsgAppResp:
		if i := core.LogIndex(m.GetIndex()); !m.GetReject() && i > t.last && core.Term(m.GetTerm()) >= t.term {
			return refuse("MsgAppResp acknowledges index %d, past %s's last index %d: it was never sent", i, core.NodeID(m.GetTo()), t.last)
		}
	}
	return nil
}

// granted records that native node from granted the member its vote at
// term (a MsgVoteResp without Reject). Only the newest maxGrantTerms terms
// are kept.
func (rm *Remote) granted(term core.Term, from core.NodeID) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if rm.grants == nil {
		rm.grants = make(map[core.Term]uint32)
	}
	rm.grants[term] |= 1 << (uint(from) % 32)
	if len(rm.grants) > maxGrantTerms {
		oldest := term
		for t := range rm.grants {
			oldest = min(oldest, t)
		}
		delete(rm.grants, oldest)
	}
}

// votesAt is how many native nodes granted the member their vote at term.
func (rm *Remote) votesAt(term core.Term) int {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return bits.OnesCount32(rm.grants[term])
}

// votesNeeded is how many native votes a member needs to lead in the
// membership voters: a majority of voters, counting every voter hosted
// outside the process as having voted for it (their votes cannot be seen).
func (r *run) votesNeeded(voters []core.NodeID) int {
	others := 0
	for _, v := range voters {
		if r.node(v) == nil {
			others++
		}
	}
	return max(len(voters)/2+1-others, 1)
}

// checkMember refuses a member's message that would take the cluster down
// or that no honest member sends, judged on the cluster's published state
// (Deliver). The node's loop checks checkAgainst again on its exact state
// before stepping it.
func (rm *Remote) checkMember(m *pb.Message) error {
	if err := checkShape(m); err != nil {
		return err
	}
	r := rm.r
	to := r.node(core.NodeID(m.GetTo()))
	var top core.Term
	for _, n := range r.all() {
		n.mu.Lock()
		top = max(top, n.state.status.Term)
		n.mu.Unlock()
	}
	to.mu.Lock()
	st := to.state.status
	to.mu.Unlock()
	term := core.Term(m.GetTerm())
	if term > top+maxTermLead {
		return refuse("%s at term %d: the native nodes are at most at term %d, and a member's term may not run more than %d ahead", m.GetType(), term, top, maxTermLead)
	}
	if leaderTypes[m.GetType()] {
		if got, need := rm.votesAt(term), r.votesNeeded(st.Voters); got < need {
			return refuse("%s is sent by the leader of term %d, but %d native node(s) granted %s its vote in that term and it needs %d to lead (a vote sent from here, MsgVoteResp)", m.GetType(), term, got, rm.id, need)
		}
	}
	store := to.storage()
	last, _ := store.LastIndex()
	return checkAgainst(m, target{term: st.Term, commit: st.Commit, last: core.LogIndex(last), termAt: store.Term})
}

// checkInLoop checks a member's message against the node's exact state,
// on its loop, just before stepping it; a refusal is recorded in the trace
// and the message dropped.
//
// The last index is the storage's: between two Ready rounds it may differ
// from etcd's own (entries stepped but not yet persisted), by more only if
// a MsgApp truncated the log within the round, which an honest leader's
// next heartbeat cannot exploit; anything left is caught by the loop's
// panic recovery, which stops this node only.
func (in *incarnation) checkInLoop(m *pb.Message) bool {
	switch m.GetType() {
	case pb.MsgHeartbeat, pb.MsgApp, pb.MsgAppResp:
	default:
		return true
	}
	store := in.rn.Storage()
	last, _ := store.LastIndex()
	st := in.rn.Status()
	err := checkAgainst(m, target{term: st.Term, commit: st.Commit, last: core.LogIndex(last), termAt: store.Term})
	if err == nil {
		return true
	}
	in.ev.add(wire.Event{Kind: wire.EvDrop, Node: core.NodeID(m.GetFrom()), Peer: in.n.id, Type: wire.MessageTypeName(m.GetType()),
		Text: fmt.Sprintf("%s refused %s from %s: %v", in.n.id, m.GetType(), core.NodeID(m.GetFrom()), err)})
	return false
}
