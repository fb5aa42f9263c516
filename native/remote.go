package native

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// maxNodeID is the largest node id the network's cut table holds: native
// nodes (at most wire.MaxNodes) and the remote members added after them.
const maxNodeID = 31

// Errors of remote members.
var (
	// ErrRemoteGone is returned by Deliver once the remote member has been
	// removed (or its cluster replaced).
	ErrRemoteGone = errors.New("native: the remote member has left the cluster")
	// ErrBadRemoteMessage is returned by Deliver for a message a remote
	// member may not send: not from its own id, to no native node, of a
	// type only a node's own process produces (MsgHup, MsgProp, ...), or
	// refused by the checks of guard.go (what etcd Raft would panic on or
	// no honest peer sends); the error says which.
	ErrBadRemoteMessage = errors.New("native: refused a remote member's message")
)

// Remote is a Raft member hosted outside the process (a node running in a
// page, reached through the bridge). Native nodes send it messages through
// the send function given to AddRemote, on the sending side's faults (cut
// links, latency, drops), exactly as to a native peer; Deliver hands its
// messages to the native node they address. Its methods are safe for
// concurrent use.
type Remote struct {
	id      core.NodeID
	r       *run
	send    func(*pb.Message)
	joined  time.Time
	learner bool // joined as a learner: the native nodes' quorum had no room

	// heard is when Deliver last accepted a message from the member (unix
	// nanoseconds); added is set once its join is applied, and removing
	// once its silence removal started (never while its join is proposed:
	// the two changes would undo each other).
	heard    atomic.Int64
	added    atomic.Bool
	removing atomic.Bool

	gone     chan struct{} // closed once it has left
	goneOnce sync.Once

	// mu guards what views show of the member: seen is what its messages
	// reveal (at once, but only in part), rep what it last reported of
	// itself (Report).
	mu   sync.Mutex
	seen wire.NodeView
	rep  wire.NodeView
	// leftWhy is why it left, once it has.
	leftWhy string
	// grants are the native nodes (a bit per id) that granted the member
	// their vote, by term: what it may send as a leader (checkMember).
	grants map[core.Term]uint32
}

// ID is the member's Raft id.
func (rm *Remote) ID() core.NodeID { return rm.id }

// Peers are the native nodes' ids: the members it talks to.
func (rm *Remote) Peers() []core.NodeID {
	return rm.r.nativeIDs()
}

// Raft is the Raft tuning of the cluster, which the member should use too.
func (rm *Remote) Raft() core.RaftConfig { return rm.r.cfg.Raft }

// Learner reports whether the member joined as a learner (it replicates the
// log but does not vote): the cluster already had as many voters hosted
// outside the process as keep the native nodes a quorum of their own.
func (rm *Remote) Learner() bool { return rm.learner }

// Done is closed once the member has left the cluster.
func (rm *Remote) Done() <-chan struct{} { return rm.gone }

// left reports whether the member has left.
func (rm *Remote) left() bool {
	select {
	case <-rm.gone:
		return true
	default:
		return rm.r.stopped.Load()
	}
}

// AddRemote adds a member hosted outside the process, with the next free id
// above the native nodes' (4 for the first one of a 3-node cluster; ids
// are never reused within a cluster). It proposes a ConfChange AddNode on
// the leader (ConfChange AddLearnerNode once the cluster has as many voters
// hosted outside as it has native nodes less one: the native nodes must
// stay a quorum by themselves, or members that go silent could stop every
// write, and the removal that would restore it) and returns once the
// leader has applied it, or when ctx ends
// (then the member is removed again in the background and the error wraps
// ctx's). From the moment AddRemote is called, native messages for the new
// id go to send: it is called on a sender goroutine, must not block, and
// may drop messages (Raft retries). The member starts with empty storage
// and learns the membership and the log from the leader. Remove it with
// Remove when its host goes away; a member from which Deliver accepts
// nothing for the cluster's member silence (SetMemberSilence) is removed
// by the cluster.
//
// Errors: ErrStopped; wire.ErrImpossible when no id is left, and from a
// durable cluster (StartDurable): a remote member keeps no log in the data
// directory, so after a restart the cluster would count a voter it cannot
// reach, and could give its id to a new member with an empty log.
func (c *Cluster) AddRemote(ctx context.Context, send func(*pb.Message)) (*Remote, error) {
	return c.AddRemoteAs(ctx, 0, send)
}

// AddRemoteAs is AddRemote for a host that asks for its id (a `devserver
// -join -node-id` process started by a script). Ids run from 1 without gaps
// and are never reused, so the id asked for must be the next one; 0 takes
// it, whatever it is. Another id is refused with wire.ErrImpossible, naming
// the next one.
func (c *Cluster) AddRemoteAs(ctx context.Context, want core.NodeID, send func(*pb.Message)) (*Remote, error) {
	if send == nil {
		return nil, fmt.Errorf("%w: add remote: send is nil", wire.ErrBadCommand)
	}
	c.cmdMu.Lock()
	r, err := c.live()
	if err != nil {
		c.cmdMu.Unlock()
		return nil, err
	}
	if r.durable.dir != "" {
		c.cmdMu.Unlock()
		return nil, fmt.Errorf("%w: add remote: this cluster keeps its nodes' logs in %s, and a member hosted elsewhere keeps none there; join a cluster kept in memory", wire.ErrImpossible, r.durable.dir)
	}
	configured := r.configuredRemoteVoters()
	r.remoteMu.Lock()
	id := r.lastID + 1
	if id > maxNodeID {
		r.remoteMu.Unlock()
		c.cmdMu.Unlock()
		return nil, fmt.Errorf("%w: add remote: every node id up to %d has been used in this cluster; create a new one", wire.ErrImpossible, maxNodeID)
	}
	if want != 0 && want != id {
		r.remoteMu.Unlock()
		c.cmdMu.Unlock()
		return nil, fmt.Errorf("%w: add remote: %s is not free; the next id is %s (ids run from 1 without gaps and are never reused: a fresh node under an old id could vote twice in a term)", wire.ErrImpossible, want, id)
	}
	rm := &Remote{id: id, r: r, send: send, joined: time.Now(), gone: make(chan struct{}), seen: wire.NodeView{Role: core.RoleFollower}}
	rm.heard.Store(rm.joined.UnixNano())
	natives := len(r.all())
	rm.learner = r.remoteVotersLocked(configured) >= natives-1
	r.lastID = id
	if r.remotes == nil {
		r.remotes = make(map[core.NodeID]*Remote)
	}
	r.remotes[id] = rm
	r.allRemotes = append(r.allRemotes, rm)
	r.remoteMu.Unlock()
	r.watchMembersOnce.Do(func() {
		r.wg.Add(1)
		go r.watchMembers()
	})
	c.cmdMu.Unlock()

	cc := &pb.ConfChange{Type: pb.ConfChangeAddNode.Enum(), NodeId: ptr(uint64(id))}
	done := func(st core.Status) bool { return slices.Contains(st.Voters, id) }
	if rm.learner {
		r.trace.add(wire.Event{Kind: wire.EvCommand, Node: id, Type: "join",
			Text: fmt.Sprintf("%s joined from the page: asking the leader to add it as a learner (ConfChange AddLearnerNode): %d member(s) hosted elsewhere already vote, and more would leave the %d native nodes short of a quorum of their own", id, natives-1, natives)})
		cc.Type = pb.ConfChangeAddLearnerNode.Enum()
		done = func(st core.Status) bool { return slices.Contains(st.Learners, id) }
	} else {
		r.trace.add(wire.Event{Kind: wire.EvCommand, Node: id, Type: "join",
			Text: fmt.Sprintf("%s joined from the page: asking the leader to add it as a voter (ConfChange AddNode)", id)})
	}
	if err := r.changeMembership(ctx, cc, done); err != nil {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			ctx, cancel := context.WithTimeout(r.ctx, time.Duration(r.cfg.Clients.TimeoutMS)*time.Millisecond)
			defer cancel()
			_ = rm.Remove(ctx)
		}()
		return nil, fmt.Errorf("native: add %s: %w", id, err)
	}
	rm.added.Store(true)
	return rm, nil
}

func ptr[T any](v T) *T { return &v }

// Remove takes the member out of the cluster: it proposes a ConfChange
// RemoveNode on the leader and waits until the leader has applied it (or
// ctx ends), then stops routing messages to the member. Deliver refuses its
// messages from then on. Remove is idempotent; it returns ctx's error (the
// member is then forgotten anyway, but may stay a voter until removed by
// hand).
func (rm *Remote) Remove(ctx context.Context) error {
	return rm.remove(ctx, "its host went away: a page closed or reloaded, or a `devserver -join` process stopped")
}

// remove is Remove, saying why in the trace.
func (rm *Remote) remove(ctx context.Context, why string) error {
	r := rm.r
	var err error
	rm.mu.Lock()
	if rm.leftWhy == "" {
		rm.leftWhy = why
	}
	rm.mu.Unlock()
	if !rm.left() {
		r.trace.add(wire.Event{Kind: wire.EvCommand, Node: rm.id, Type: "leave",
			Text: fmt.Sprintf("%s left: %s; asking the leader to remove it (ConfChange RemoveNode)", rm.id, why)})
		cc := &pb.ConfChange{Type: pb.ConfChangeRemoveNode.Enum(), NodeId: ptr(uint64(rm.id))}
		err = r.changeMembership(ctx, cc, func(st core.Status) bool {
			return !slices.Contains(st.Voters, rm.id) && !slices.Contains(st.Learners, rm.id)
		})
	}
	rm.forget(why)
	if err != nil {
		return fmt.Errorf("native: remove %s: %w", rm.id, err)
	}
	return nil
}

// forget marks the member left, for why (unless it left for another
// reason first): Deliver refuses its messages, senders to it stop, and its
// host is told through Done.
func (rm *Remote) forget(why string) {
	rm.mu.Lock()
	if rm.leftWhy == "" {
		rm.leftWhy = why
	}
	rm.mu.Unlock()
	rm.goneOnce.Do(func() { close(rm.gone) })
	r := rm.r
	r.remoteMu.Lock()
	if r.remotes[rm.id] == rm {
		delete(r.remotes, rm.id)
	}
	r.remoteMu.Unlock()
}

// why says why the member left, once it has.
func (rm *Remote) why() string {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if rm.leftWhy == "" {
		return "its cluster stopped"
	}
	return rm.leftWhy
}

// maxReportedLog bounds what a report keeps of the member's log window;
// its page of keys is kept to wire.MaxKVLimit pairs.
const maxReportedLog = 200

// Report records the member's own account of its state (a view in the
// simulator's schema: role, term, vote, leader, commit, applied, log
// indexes, log window and key-value pairs), shown in views in place of
// what its messages reveal. Its id, up, voters, progress and error are the
// cluster's to say and are ignored; the log window and pairs are cut to
// their newest 200 and first wire.MaxKVLimit, keys and values cut as every
// page cuts them (wire.PagePairs) and texts as every view cuts them.
func (rm *Remote) Report(v wire.NodeView) {
	st := wire.NodeView{
		Role: v.Role, Term: v.Term, Vote: v.Vote, Leader: v.Leader, Commit: v.Commit, Applied: v.Applied,
		LastIndex: v.LastIndex, FirstIndex: v.FirstIndex, SnapshotIndex: v.SnapshotIndex, SnapshotTerm: v.SnapshotTerm,
		ElectionElapsed: v.ElectionElapsed, LogOmitted: v.LogOmitted,
		Log: slices.Clone(v.Log), KV: reportedKV(v.KV),
	}
	switch st.Role {
	case core.RoleFollower, core.RolePreCandidate, core.RoleCandidate, core.RoleLeader:
	default:
		st.Role = core.RoleFollower
	}
	if n := len(st.Log); n > maxReportedLog {
		st.LogOmitted += n - maxReportedLog
		st.Log = st.Log[n-maxReportedLog:]
	}
	for i := range st.Log {
		st.Log[i].Type, st.Log[i].Op = wire.CutText(st.Log[i].Type), wire.CutText(st.Log[i].Op)
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	rm.rep = st
}

// status returns what views show of the member: its report, with the
// role, term, vote and leader its messages showed since when they are as
// new, and the highest indexes of both.
func (rm *Remote) status() wire.NodeView {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	nv, seen := rm.rep, rm.seen
	if seen.Term >= nv.Term {
		vote := nv.Vote
		if seen.Term > nv.Term || seen.Vote != 0 {
			vote = seen.Vote
		}
		nv.Role, nv.Term, nv.Vote, nv.Leader = seen.Role, seen.Term, vote, seen.Leader
	}
	nv.Commit = max(nv.Commit, seen.Commit)
	nv.LastIndex = max(nv.LastIndex, seen.LastIndex)
	return nv
}

// Deliver hands a message from the member to the native node it addresses,
// on the faults of the link (a cut link or a drop loses it); a down node or
// a full inbox loses it too, as a network would, and Deliver still returns
// nil. It returns ErrRemoteGone after Remove, ErrStopped once the cluster
// has stopped, and ErrBadRemoteMessage for a message the member may not
// send (recorded as a drop event); nothing changes then. A message Deliver
// accepts counts as hearing from the member (SetMemberSilence).
func (rm *Remote) Deliver(m *pb.Message) error {
	r := rm.r
	if r.stopped.Load() {
		return ErrStopped
	}
	if rm.left() {
		return ErrRemoteGone
	}
	from, to := core.NodeID(m.GetFrom()), core.NodeID(m.GetTo())
	switch {
	case from != rm.id:
		return fmt.Errorf("%w: it is from %s, but this member is %s", ErrBadRemoteMessage, from, rm.id)
	case r.node(to) == nil:
		return fmt.Errorf("%w: it is for %s; the native nodes are %s", ErrBadRemoteMessage, to, wire.NodeList(r.nativeIDs()))
	}
	if err := rm.checkMember(m); err != nil {
		r.trace.add(wire.Event{Kind: wire.EvDrop, Node: from, Peer: to, Type: wire.MessageTypeName(m.GetType()),
			Text: fmt.Sprintf("refused %s %s→%s: %v", m.GetType(), from, to, err)})
		return err
	}
	rm.observe(m)
	id := r.nextMsg.Add(1)
	typ := wire.MessageTypeName(m.GetType())
	ev := eventBuf{tr: r.trace}
	rm.heard.Store(time.Now().UnixNano())
	ev.addMessage(wire.Event{Kind: wire.EvSend, Node: from, Peer: to, Term: core.Term(m.GetTerm()), Msg: id, Type: typ}, m)
	drop := func(why string) {
		ev.add(wire.Event{Kind: wire.EvDrop, Node: from, Peer: to, Msg: id, Type: typ,
			Text: fmt.Sprintf("dropped %s %s→%s: %s", m.GetType(), from, to, why)})
		ev.flush()
	}
	if r.net.isCut(from, to) {
		drop(fmt.Sprintf("the link %s→%s is cut", from, to))
		return nil
	}
	if f := r.net.decide(); f.lost {
		drop("lost by the network")
		return nil
	}
	in := r.node(to).running()
	if in == nil {
		drop(fmt.Sprintf("%s is down", to))
		return nil
	}
	ev.addMessage(wire.Event{Kind: wire.EvDeliver, Node: to, Peer: from, Term: core.Term(m.GetTerm()), Msg: id, Type: typ}, m)
	ev.flush()
	select {
	case in.recvc <- m:
	default:
		// A native node far behind: the message is lost, and Raft retries.
	}
	return nil
}

// observe updates what the member's messages reveal of it.
func (rm *Remote) observe(m *pb.Message) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	st := &rm.seen
	t := core.Term(m.GetTerm())
	if t > st.Term && m.GetType() != pb.MsgPreVote && m.GetType() != pb.MsgPreVoteResp {
		st.Term, st.Vote, st.Leader = t, 0, 0
	}
	switch m.GetType() {
	case pb.MsgPreVote:
		st.Role = core.RolePreCandidate
	case pb.MsgVote:
		st.Role, st.Vote = core.RoleCandidate, rm.id
	case pb.MsgApp, pb.MsgHeartbeat, pb.MsgSnap:
		st.Role, st.Leader = core.RoleLeader, rm.id
		st.Commit = max(st.Commit, core.LogIndex(m.GetCommit()))
	case pb.MsgVoteResp:
		if !m.GetReject() {
			st.Role, st.Vote = core.RoleFollower, core.NodeID(m.GetTo())
		}
	case pb.MsgAppResp:
		st.Role, st.Leader = core.RoleFollower, core.NodeID(m.GetTo())
		if !m.GetReject() {
			st.LastIndex = max(st.LastIndex, core.LogIndex(m.GetIndex()))
		}
	case pb.MsgHeartbeatResp:
		st.Role, st.Leader = core.RoleFollower, core.NodeID(m.GetTo())
	}
}

// view is the member's node in the cluster's view.
func (rm *Remote) view(leader *wire.NodeView) wire.NodeView {
	nv := rm.status()
	nv.ID, nv.Up, nv.Member = rm.id, !rm.left(), true
	nv.Unavailable = rm.r.unavailable(rm.id)
	if nv.Log == nil {
		nv.Log = []wire.EntryView{}
	}
	if nv.KV.Pairs == nil {
		nv.KV = wire.EmptyKV("")
	}
	if !nv.Up {
		nv.Role, nv.Left = "", true
		nv.Error = fmt.Sprintf("%s left the cluster: %s", rm.id, rm.why())
		return nv
	}
	if leader != nil {
		nv.Voters = leader.Voters
		for _, p := range leader.Progress {
			if p.ID == rm.id && nv.LastIndex < p.Match {
				nv.LastIndex = p.Match
			}
		}
		if nv.Commit == 0 {
			nv.Commit = min(leader.Commit, nv.LastIndex)
		}
	}
	return nv
}

// remote returns the registered remote member id, or nil.
func (r *run) remote(id core.NodeID) *Remote {
	r.remoteMu.RLock()
	defer r.remoteMu.RUnlock()
	return r.remotes[id]
}

// remoteList returns the registered remote members by id.
func (r *run) remoteList() []*Remote {
	r.remoteMu.RLock()
	out := make([]*Remote, 0, len(r.remotes))
	for _, rm := range r.remotes {
		out = append(out, rm)
	}
	r.remoteMu.RUnlock()
	slices.SortFunc(out, func(a, b *Remote) int { return cmp.Compare(a.id, b.id) })
	return out
}

// shownRemotes returns every remote member added to the cluster, those
// that left included, by id.
func (r *run) shownRemotes() []*Remote {
	r.remoteMu.RLock()
	defer r.remoteMu.RUnlock()
	return slices.Clone(r.allRemotes)
}

// Remotes lists the ids of the remote members now in the cluster.
func (c *Cluster) Remotes() []core.NodeID {
	var out []core.NodeID
	for _, rm := range c.current().remoteList() {
		out = append(out, rm.id)
	}
	return out
}

// changeMembership proposes cc on the leader until done holds for the
// leader's applied membership, or ctx ends. A proposal is repeated when
// the leader changes or an election timeout passes without effect (etcd
// Raft turns a change proposed while another is pending into an empty
// entry); adding a voter twice, or removing a removed one, changes nothing.
func (r *run) changeMembership(ctx context.Context, cc *pb.ConfChange, done func(core.Status) bool) error {
	var (
		last     error = errNoLeader
		proposer core.NodeID
		at       time.Time
	)
	again := time.Duration(r.cfg.Raft.ElectionTimeoutMinMS) * time.Millisecond
	for {
		if l := r.leader(); l != nil {
			l.mu.Lock()
			st := l.state.status
			l.mu.Unlock()
			if done(st) {
				return nil
			}
			if in := l.running(); in != nil && (l.id != proposer || time.Since(at) >= again) {
				var err error
				if derr := in.do(func() { err = in.rn.ProposeConfChange(cc) }); derr != nil {
					err = derr
				}
				if err == nil {
					proposer, at = l.id, time.Now()
				} else {
					last = err
				}
			}
		}
		if err := r.pause(ctx); err != nil {
			return fmt.Errorf("%w (last refusal: %w)", err, last)
		}
	}
}

// senderTo returns the incarnation's sender to peer to: a native peer's
// (started with the incarnation, or on first use for a node added since),
// or a remote member's, started on first use. It returns nil for itself,
// an unknown or a departed peer. Only the loop goroutine calls it.
func (in *incarnation) senderTo(to core.NodeID) *sender {
	if int(to) < len(in.senders) && in.senders[to] != nil {
		return in.senders[to]
	}
	if to == in.n.id {
		return nil
	}
	in.remoteMu.Lock()
	defer in.remoteMu.Unlock()
	if s := in.remoteSenders[to]; s != nil {
		if s.remote == nil || !s.remote.left() {
			return s
		}
		delete(in.remoteSenders, to)
	}
	var rm *Remote
	if in.n.r.node(to) == nil {
		if rm = in.n.r.remote(to); rm == nil || rm.left() {
			return nil
		}
	}
	s := newSender(in, to)
	s.remote = rm
	if in.remoteSenders == nil {
		in.remoteSenders = make(map[core.NodeID]*sender)
	}
	in.remoteSenders[to] = s
	in.wg.Add(1)
	go s.run()
	return s
}

// allSenders returns the incarnation's senders, native and remote.
func (in *incarnation) allSenders() []*sender {
	out := make([]*sender, 0, len(in.senders))
	for _, s := range in.senders {
		if s != nil {
			out = append(out, s)
		}
	}
	in.remoteMu.Lock()
	for _, s := range in.remoteSenders {
		out = append(out, s)
	}
	in.remoteMu.Unlock()
	return out
}

// reportedKV is what a view shows of the page of keys a member reports:
// at most wire.MaxKVLimit pairs, keys and values cut at wire.MaxKVBytes, the
// digest kept only when it has the form views give it, From and Next cut.
func reportedKV(kv wire.KVView) wire.KVView {
	pairs := kv.Pairs[:min(len(kv.Pairs), wire.MaxKVLimit)]
	out := wire.KVView{Count: max(kv.Count, len(pairs)), Pairs: make([]wire.KVPair, len(pairs))}
	for i, p := range pairs {
		c := wire.PagePairs([]statemachine.KV{{Key: p.Key, Value: p.Value}})[0]
		c.Cut = c.Cut || p.Cut
		out.Pairs[i] = c
	}
	if len(kv.Digest) == 16 && strings.Trim(kv.Digest, "0123456789abcdef") == "" {
		out.Digest = kv.Digest
	}
	out.From = wire.PagePairs([]statemachine.KV{{Key: kv.From}})[0].Key
	out.Next = wire.PagePairs([]statemachine.KV{{Key: kv.Next}})[0].Key
	return out
}
