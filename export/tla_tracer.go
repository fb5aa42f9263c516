package export

import (
	"slices"
	"strconv"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/tracker"

	"github.com/seshat-raft/seshat/core"
)

// tlaTracer rebuilds etcd Raft's TLA+ trace from outside Raft. It sees
// every call a node makes into its RawNode (core.WithRaftProbe), reads the
// node's state just after the call (readState; the state before is the
// state after its previous call), and emits
// the events etcd's trace points (traceInitState, traceSendMessage, ...)
// fire inside that call, in their order, each with the state etcd reads at
// that point. Which points fire, and the state between two of them, follow
// from raft.go v3.7.0's code paths: the comments name the function of each.
type tlaTracer struct {
	events []TLAEvent
	err    error
	// last is each node's state after its last call: the state before
	// its next (Raft changes only in the calls the probe sees).
	last map[core.NodeID]nodeState
}

func newTLATracer() *tlaTracer { return &tlaTracer{last: make(map[core.NodeID]nodeState)} }

// observe is the core.RaftProbe.
func (t *tlaTracer) observe(c core.RaftCall) {
	if t.err != nil {
		return
	}
	if len(t.events) > tlaMaxEvents {
		t.err = errTooManyTLAEvents
		return
	}
	st, err := readState(c.Node, c.Raw)
	if err != nil {
		t.err = err
		return
	}
	id := c.Node.ID()
	s0 := t.last[id]
	t.last[id] = st
	e := &tlaEmitter{t: t, id: uint64(id)}
	switch c.Kind {
	case core.CallNew:
		e.newRaft(c.Node, st)
	case core.CallBootstrap:
		e.bootstrap(c.Node, st)
	case core.CallReady:
		e.node(rsmReady, st) // RawNode.acceptReady
	case core.CallApplyConfChange:
		e.applyConfChange(s0, st)
	case core.CallAdvance:
		e.advance(s0, st)
	case core.CallTick:
		e.tick(s0, st)
	case core.CallStep:
		e.step(c.Msg, s0, st)
	case core.CallCampaign:
		e.hup(s0, st)
	case core.CallPropose:
		e.propose(nil, s0, st)
	case core.CallProposeConfChange:
		e.propose(c.CC, s0, st)
	default:
		// ReadIndex, TransferLeader, ReportUnreachable, ReportSnapshot:
		// local messages etcd does not trace, whose only traced effect
		// is what they send (heartbeats, appends).
		e.sends(newSends(s0, st), st)
	}
}

// The event names of state_trace.go.
const (
	rsmInitState                    = "InitState"
	rsmBecomeCandidate              = "BecomeCandidate"
	rsmBecomeFollower               = "BecomeFollower"
	rsmBecomeLeader                 = "BecomeLeader"
	rsmCommit                       = "Commit"
	rsmReplicate                    = "Replicate"
	rsmChangeConf                   = "ChangeConf"
	rsmApplyConfChange              = "ApplyConfChange"
	rsmReady                        = "Ready"
	rsmSendAppendEntriesRequest     = "SendAppendEntriesRequest"
	rsmReceiveAppendEntriesRequest  = "ReceiveAppendEntriesRequest"
	rsmSendAppendEntriesResponse    = "SendAppendEntriesResponse"
	rsmReceiveAppendEntriesResponse = "ReceiveAppendEntriesResponse"
	rsmSendRequestVoteRequest       = "SendRequestVoteRequest"
	rsmReceiveRequestVoteRequest    = "ReceiveRequestVoteRequest"
	rsmSendRequestVoteResponse      = "SendRequestVoteResponse"
	rsmReceiveRequestVoteResponse   = "ReceiveRequestVoteResponse"
)

// tlaEmitter emits one call's events for node id.
type tlaEmitter struct {
	t  *tlaTracer
	id uint64
}

func ids(s []uint64) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strconv.FormatUint(v, 10)
	}
	return out
}

func (e *tlaEmitter) emit(name string, s nodeState, m *rmsg, prop map[string]any) {
	ev := TLAEvent{
		Name:       name,
		NodeID:     strconv.FormatUint(e.id, 10),
		State:      TLAState{Term: s.term, Vote: strconv.FormatUint(s.vote, 10), Commit: s.commit},
		Role:       s.role.String(),
		LogSize:    s.log,
		Conf:       [2][]string{ids(s.conf[0]), ids(s.conf[1])},
		Properties: prop,
	}
	if m != nil {
		logTerm, entries, index := m.logTerm, m.entries, m.index
		if m.typ == pb.MsgSnap { // makeTracingMessage
			index, logTerm, entries = 0, 0, int(m.snapIndex)
		}
		ev.Message = &TLAMessage{
			Type: m.typ.String(), Term: m.term,
			From: strconv.FormatUint(m.from, 10), To: strconv.FormatUint(m.to, 10),
			EntryLength: entries, LogTerm: logTerm, Index: index, Commit: m.commit,
			Vote: strconv.FormatUint(m.vote, 10), Reject: m.reject, RejectHint: m.rejectHint,
		}
	}
	e.t.events = append(e.t.events, ev)
}

func (e *tlaEmitter) node(name string, s nodeState) { e.emit(name, s, nil, nil) }

// confEvent is traceConfChangeEvent (ApplyConfChange, from switchToConfig).
func (e *tlaEmitter) confEvent(s nodeState, newConf []uint64) {
	cc := &TLAConfChange{Changes: []TLASingleConfChange{}, NewConf: ids(newConf)}
	e.emit(rsmApplyConfChange, s, nil, map[string]any{"cc": cc})
}

// receive is traceReceiveMessage, at the top of raft.Step.
func (e *tlaEmitter) receive(m *rmsg, s nodeState) {
	var name string
	switch m.typ {
	case pb.MsgApp, pb.MsgHeartbeat, pb.MsgSnap:
		name = rsmReceiveAppendEntriesRequest
	case pb.MsgAppResp, pb.MsgHeartbeatResp:
		name = rsmReceiveAppendEntriesResponse
	case pb.MsgVote:
		name = rsmReceiveRequestVoteRequest
	case pb.MsgVoteResp:
		name = rsmReceiveRequestVoteResponse
	default:
		return
	}
	e.emit(name, s, m, nil)
}

// send is traceSendMessage, in raft.send.
func (e *tlaEmitter) send(m *rmsg, s nodeState) {
	prop := map[string]any{}
	var name string
	switch m.typ {
	case pb.MsgApp:
		name = rsmSendAppendEntriesRequest
		if s.selfOK && m.from == e.id { // r.trk.Progress[m.From]
			prop["match"], prop["next"] = s.self.Match, s.self.Next
		}
	case pb.MsgHeartbeat, pb.MsgSnap:
		name = rsmSendAppendEntriesRequest
	case pb.MsgAppResp, pb.MsgHeartbeatResp:
		name = rsmSendAppendEntriesResponse
	case pb.MsgVote:
		name = rsmSendRequestVoteRequest
	case pb.MsgVoteResp:
		name = rsmSendRequestVoteResponse
	default:
		return
	}
	e.emit(name, s, m, prop)
}

func (e *tlaEmitter) sends(ms []rmsg, s nodeState) {
	for i := range ms {
		e.send(&ms[i], s)
	}
}

// newSends is what a call sent: the messages queued after s0's, those
// queued for after the append (responses, votes) first, as etcd queues
// them in every call but a campaign (see campaignSends).
func newSends(s0, s1 nodeState) []rmsg {
	var out []rmsg
	if len(s1.aa) >= len(s0.aa) {
		out = append(out, s1.aa[len(s0.aa):]...)
	}
	if len(s1.msgs) >= len(s0.msgs) {
		out = append(out, s1.msgs[len(s0.msgs):]...)
	}
	return out
}

// campaignSends orders a campaign's messages as raft.campaign sends them:
// to each voter by increasing id, its own vote among them.
func campaignSends(ms []rmsg) []rmsg {
	slices.SortStableFunc(ms, func(a, b rmsg) int {
		switch {
		case a.to < b.to:
			return -1
		case a.to > b.to:
			return 1
		}
		return 0
	})
	return ms
}

// selfVote reports whether ms holds the vote a candidate gives itself in
// raft.campaign (a real election, not a pre-vote).
func (e *tlaEmitter) selfVote(ms []rmsg) bool {
	for _, m := range ms {
		if m.typ == pb.MsgVoteResp && m.to == e.id && m.from == e.id {
			return true
		}
	}
	return false
}

// newRaft: traceInitState before the configuration is restored (term,
// vote and commit not loaded yet: commit is the storage's first index - 1),
// the restore's ApplyConfChange, then becomeFollower's BecomeFollower.
func (e *tlaEmitter) newRaft(n *core.RaftNode, s1 nodeState) {
	first, err1 := n.Storage().FirstIndex()
	last, err2 := n.Storage().LastIndex()
	if err1 != nil || err2 != nil {
		e.t.err = firstErr(err1, err2)
		return
	}
	init := nodeState{role: raft.StateFollower, commit: first - 1, log: last}
	e.node(rsmInitState, init)
	e.confEvent(init, s1.conf[0])
	e.node(rsmBecomeFollower, s1)
}

// bootstrap: RawNode.Bootstrap's becomeFollower(1, None), then one
// ApplyConfChange per founding member, with its entries appended and
// committed.
func (e *tlaEmitter) bootstrap(n *core.RaftNode, s1 nodeState) {
	peers := sortedIDs(s1.conf[0])
	cur := nodeState{term: 1, role: raft.StateFollower}
	last, _ := n.Storage().FirstIndex()
	cur.commit = last - 1
	e.node(rsmBecomeFollower, cur)
	cur.log, cur.commit = s1.log, s1.commit
	for i := range peers {
		cur.conf = [2][]uint64{peers[:i], nil}
		e.confEvent(cur, peers[:i+1])
	}
}

// applyConfChange: switchToConfig's ApplyConfChange with the old
// configuration; then a leader still in the configuration calls
// maybeCommit (Commit) and sends appends.
func (e *tlaEmitter) applyConfChange(s0, s1 nodeState) {
	e.confEvent(s0, s1.conf[0])
	if s0.role != raft.StateLeader {
		return
	}
	if !s1.selfOK || s1.self.IsLearner {
		if s1.role == raft.StateFollower { // StepDownOnRemoval
			e.node(rsmBecomeFollower, s1)
		}
		return
	}
	if len(s1.conf[0]) == 0 {
		return
	}
	e.node(rsmCommit, s1)
	e.sends(newSends(s0, s1), s1)
}

// tick: a leader's tickHeartbeat may step down (MsgCheckQuorum) or send
// heartbeats (MsgBeat); anyone else's tickElection may campaign (MsgHup).
func (e *tlaEmitter) tick(s0, s1 nodeState) {
	if s0.role == raft.StateLeader {
		if s1.role == raft.StateFollower {
			e.node(rsmBecomeFollower, s1)
		}
		e.sends(newSends(s0, s1), s1)
		return
	}
	e.hup(s0, s1)
}

// hup is raft.hup: a campaign (BecomeCandidate, then the votes) unless a
// pre-vote, which etcd does not trace.
func (e *tlaEmitter) hup(s0, s1 nodeState) {
	ms := newSends(s0, s1)
	if !e.selfVote(ms) {
		e.sends(ms, s1) // nothing traced
		return
	}
	e.node(rsmBecomeCandidate, s1)
	e.sends(campaignSends(ms), s1)
}

// propose is stepLeader's MsgProp: ChangeConf for a change etcd accepts,
// then appendEntry's Replicate for each normal entry (a refused change is
// appended as one), its self-acknowledgement and bcastAppend.
func (e *tlaEmitter) propose(cc pb.ConfChangeI, s0, s1 nodeState) {
	if s0.role != raft.StateLeader {
		e.sends(newSends(s0, s1), s1) // forwarded or dropped: not traced
		return
	}
	if cc != nil && s1.pending > s0.pending {
		if tc := tlaChanges(cc); len(tc.Changes) > 0 {
			e.emit(rsmChangeConf, s0, nil, map[string]any{"cc": tc})
		}
	}
	if s1.log <= s0.log {
		return // dropped
	}
	for i := s0.log + 1; i <= s1.log; i++ {
		if k := i - s1.unstOffset; k < uint64(len(s1.unstTypes)) && s1.unstTypes[k] == pb.EntryNormal {
			e.node(rsmReplicate, s0)
		}
	}
	e.sends(newSends(s0, s1), s1)
}

// tlaChanges is traceChangeConfEvent's description of a change.
func tlaChanges(cc pb.ConfChangeI) *TLAConfChange {
	tc := &TLAConfChange{Changes: []TLASingleConfChange{}, NewConf: []string{}}
	for _, c := range cc.AsV2().GetChanges() {
		var action string
		switch c.GetType() {
		case pb.ConfChangeAddNode:
			action = "AddNewServer"
		case pb.ConfChangeRemoveNode:
			action = "RemoveServer"
		case pb.ConfChangeAddLearnerNode:
			action = "AddLearner"
		default:
			continue
		}
		tc.Changes = append(tc.Changes, TLASingleConfChange{NodeID: strconv.FormatUint(c.GetNodeId(), 10), Action: action})
	}
	return tc
}

// step is RawNode.Step(m) from a peer.
func (e *tlaEmitter) step(pm *pb.Message, s0, s1 nodeState) {
	m := rmsgOf(pm)
	// RawNode.Step refuses, before raft.Step, a local message from a
	// peer and a response from a node with no progress.
	if raft.IsLocalMsg(m.typ) && !raft.IsLocalMsgTarget(m.from) {
		return
	}
	if raft.IsResponseMsg(m.typ) && !raft.IsLocalMsgTarget(m.from) && !isMember(s0.cfg, m.from) {
		return
	}
	e.stepMsg(&m, s0, s1, newSends(s0, s1), s0.peers)
}

// stepMsg is raft.Step(m) taking the node from s0 to s1 and sending ms.
// peers is the leader's progress before the step.
func (e *tlaEmitter) stepMsg(m *rmsg, s0, s1 nodeState, ms []rmsg, peers map[uint64]tracker.Progress) {
	cur := s0
	e.receive(m, cur)
	switch {
	case m.term == 0:
	case m.term > cur.term:
		if m.typ == pb.MsgPreVote || (m.typ == pb.MsgPreVoteResp && !m.reject) {
			break
		}
		if m.typ == pb.MsgVote && s1.term == s0.term {
			return // ignored: the lease has not expired
		}
		cur.term, cur.vote, cur.role = m.term, 0, raft.StateFollower
		e.node(rsmBecomeFollower, cur)
	case m.term < cur.term:
		e.sends(ms, cur)
		return
	}
	switch m.typ {
	case pb.MsgVote:
		e.sends(ms, cur) // sent before the vote is recorded
		return
	case pb.MsgPreVote:
		return
	}
	switch cur.role {
	case raft.StateLeader:
		if m.typ == pb.MsgAppResp && !m.reject {
			if pr, ok := peers[m.from]; ok && (m.index > pr.Match || (m.index == pr.Match && pr.State == tracker.StateProbe)) {
				c := cur
				c.commit = s1.commit
				e.node(rsmCommit, c) // maybeCommit
			}
		}
		if m.typ == pb.MsgCheckQuorum && s1.role == raft.StateFollower {
			e.node(rsmBecomeFollower, s1)
		}
		e.sends(ms, s1)
	case raft.StateCandidate, raft.StatePreCandidate:
		switch m.typ {
		case pb.MsgApp, pb.MsgHeartbeat, pb.MsgSnap:
			cur.role = raft.StateFollower
			e.node(rsmBecomeFollower, cur)
			e.follower(m, cur, s1, ms)
			return
		case pb.MsgVoteResp, pb.MsgPreVoteResp:
			switch {
			case s1.role == raft.StateLeader && cur.role == raft.StateCandidate:
				cur.role = raft.StateLeader
				e.node(rsmBecomeLeader, cur)
				e.newLeaderEntries(cur, s1)
				e.sends(ms, s1)
				return
			case s1.role == raft.StateFollower:
				cur.role = raft.StateFollower
				e.node(rsmBecomeFollower, cur)
			case s1.role == raft.StateCandidate && cur.role == raft.StatePreCandidate:
				e.node(rsmBecomeCandidate, s1)
				e.sends(campaignSends(ms), s1)
				return
			}
		}
		e.sends(ms, s1)
	default:
		e.follower(m, cur, s1, ms)
	}
}

// newLeaderEntries is becomeLeader's appendEntry of its empty entry:
// Replicate, with the log before the append.
func (e *tlaEmitter) newLeaderEntries(cur, s1 nodeState) {
	if s1.log > cur.log {
		e.node(rsmReplicate, cur)
	}
}

// follower is stepFollower: handleSnapshot's restore switches to the
// snapshot's configuration (ApplyConfChange, with a fresh tracker and the
// log restored), MsgTimeoutNow campaigns, and the answers are sent.
func (e *tlaEmitter) follower(m *rmsg, cur, s1 nodeState, ms []rmsg) {
	switch m.typ {
	case pb.MsgSnap:
		if s1.unstSnap != 0 && s1.unstSnap != cur.unstSnap { // restored, not fast-forwarded
			c := cur
			c.commit, c.log, c.conf = m.snapIndex, m.snapIndex, [2][]uint64{}
			e.confEvent(c, s1.conf[0])
		}
	case pb.MsgTimeoutNow:
		if e.selfVote(ms) {
			e.node(rsmBecomeCandidate, s1)
			e.sends(campaignSends(ms), s1)
			return
		}
	}
	e.sends(ms, s1)
}

// advance is RawNode.Advance: it steps the node's own acknowledgements
// (msgsAfterAppend to itself, in order), then the storage's append and
// apply responses, which etcd does not trace but whose apply may propose
// leaving a joint configuration (AutoLeave): that proposal's
// self-acknowledgement and appends come last.
func (e *tlaEmitter) advance(s0, s1 nodeState) {
	all := newSends(s0, s1)
	var first, leave []rmsg
	autoLeave := s0.role == raft.StateLeader && s1.log > s0.log
	for _, m := range all {
		if autoLeave && (m.typ == pb.MsgAppResp && m.to == e.id && m.index == s1.log ||
			m.typ == pb.MsgApp && m.entries > 0 && m.index+uint64(m.entries) >= s1.log) {
			leave = append(leave, m)
			continue
		}
		first = append(first, m)
	}
	cur := s0
	peers := s0.peers
	mid := s1
	if autoLeave {
		mid.log = s0.log
	}
	for i := range s0.steps {
		m := &s0.steps[i]
		if m.to != e.id || m.from != e.id {
			continue // the storage's responses
		}
		ms := first
		first = nil
		e.stepMsg(m, cur, mid, ms, peers)
		if m.typ == pb.MsgAppResp && peers != nil {
			if pr, ok := peers[m.from]; ok && m.index > pr.Match {
				pr.Match = m.index
				peers = clonePeers(peers)
				peers[m.from] = pr
			}
		}
		cur = mid
	}
	e.sends(first, mid)
	e.sends(leave, s1)
}

func clonePeers(p map[uint64]tracker.Progress) map[uint64]tracker.Progress {
	out := make(map[uint64]tracker.Progress, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// rmsgOf is the traced part of m.
func rmsgOf(m *pb.Message) rmsg {
	r := rmsg{
		typ: m.GetType(), term: m.GetTerm(), from: m.GetFrom(), to: m.GetTo(),
		logTerm: m.GetLogTerm(), index: m.GetIndex(), commit: m.GetCommit(), vote: m.GetVote(),
		rejectHint: m.GetRejectHint(), reject: m.GetReject(), entries: len(m.GetEntries()),
		snapIndex: m.GetSnapshot().GetMetadata().GetIndex(),
	}
	return r
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
