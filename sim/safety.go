package sim

import (
	"fmt"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// safety runs the online safety checks: observe after every Ready round of a
// node, afterStep after every simulated event.
//
// What it checks, and how:
//
//   - Election Safety: the leader of every term is remembered for the whole
//     run (a map by term, written once per election); a second node taking
//     office in a term that has one is a violation.
//   - Leader Append-Only: while a node leads its term, the entries it
//     appends must start after the last index it had, it must not install a
//     snapshot, and its last entry must stay where it was.
//   - Log Matching: every appended entry is recorded by (index, term) with a
//     hash of its type and data and the term of the entry before it. Any
//     later entry with the same index and term, on any node, must carry the
//     same data and follow the same term; by induction on the index, logs
//     that share an entry share everything before it.
//   - Leader Completeness: the term of every committed index is learnt from
//     the logs of the nodes that commit it (their commit index in the hard
//     state); a new leader's log must hold each of them, entries covered by
//     its snapshot counting as present. Two nodes committing different
//     terms at one index, or installing a snapshot that disagrees with a
//     committed term, break State Machine Safety.
//   - State Machine Safety: every node applies committed entries in order,
//     without gaps; the entry applied at an index (term and data hash) is
//     the same on every node; a state machine's applied index is the last
//     entry it was given; and nodes stopping at the same applied index have
//     the same state machine digest (statemachine.StateMachine.Digest), which
//     catches a state machine that skipped or corrupted an entry.
//   - Monotonic term and commit: a node's saved term and commit index never
//     go back, within a run of the node or across a crash (its hard state is
//     durable: a restarted node's storage must hold what it saved).
//   - applied <= committed <= last index, on every running node after every
//     round and at every restart.
//   - One vote per term: the vote each node saved in its hard state, and the
//     term of that vote, are remembered across crashes; a node saving a vote
//     for another candidate in the same term has voted twice (a vote that
//     was not durable).
//   - Membership (membership_safety.go): one configuration change at a
//     time, only voters lead, and elections and commits by majorities of
//     each voter set of the configuration (both halves of a joint one),
//     learners and removed nodes never counting.
//
// Work is proportional to what a round changed: the entries appended,
// committed or applied (a hash of each appended entry, a few slice and
// storage lookups per entry), a handful of comparisons per round, and per
// step one comparison per node (to notice restarts). A new leader's log is
// compared with the committed prefix above its snapshot once per election.
// Facts about an index are kept in a slice from base upwards; every
// pruneEvery steps, what no node can append or apply any more (indexes below
// every node's snapshot, crashed nodes included since storage survives) is
// dropped, and at most maxSpan indexes are kept, so memory stays bounded
// however long the run.
//
// It holds no pointer back to the cluster: SeekTo replaces the cluster's
// contents wholesale, so the cluster is passed in.
type safety struct {
	// leaders[term] is the leader of each term seen so far.
	leaders map[core.Term]core.NodeID
	// nodes[id] is what is known of node id (index 0 unused).
	nodes [wire.MaxNodes + 1]nodeFacts

	// facts[i-base] is what is known of index i, for base <= i.
	base  uint64
	facts []indexFacts
	// moreLog holds the log facts of entries whose index already has a
	// fact for another term in facts (rare: an uncommitted entry replaced
	// by a later leader).
	moreLog map[indexTerm]logFact
	// maxComm is the highest commit index seen on any node.
	maxComm uint64

	steps uint64
	// gens is the sum of nodes[id].gen: equal to the cluster's (the sum of
	// its nodes' incarnations) when no node has restarted unchecked, as
	// nodes[id].gen never passes the node's.
	gens uint64
}

// nodeFacts is what the checkers know of one node.
type nodeFacts struct {
	// gen is the node's incarnation (simNode.gen) last checked: a running
	// node with another gen has restarted since.
	gen uint64
	// term and commit are the highest term and commit index the node saved
	// in its hard state.
	term   core.Term
	commit uint64
	// applied is the index of the last entry handed to its state machine
	// (or of the snapshot it was restored from).
	applied uint64
	// leadTerm is the last term the node was elected in; while it leads that
	// term, leaderLast and leaderLastTerm are its last entry.
	leadTerm       core.Term
	leaderLast     uint64
	leaderLastTerm uint64
	// votedFor is the candidate the node saved its vote for in voteTerm
	// (0: no vote seen yet).
	voteTerm core.Term
	votedFor core.NodeID
	// granted are the nodes (a bit per id) that granted it their vote in
	// grantTerm, as delivered to it (membership_safety.go).
	grantTerm core.Term
	granted   uint32
}

// indexFacts is what is known of one index.
type indexFacts struct {
	// log is the first entry seen at this index (any other term goes to
	// safety.moreLog).
	log logFact
	// committed is the term of the entry committed here (0: not known yet).
	committed uint64
	// appliedTerm and appliedHash identify the entry applied here, by the
	// first node that applied it (appliedBy, 0 if none yet).
	appliedTerm, appliedHash uint64
	// digest is the state machine digest of the first node seen stopped at
	// applied index this (digestBy, 0 if none yet).
	digest                           uint64
	committedBy, appliedBy, digestBy uint8
}

// logFact is what every log holding an entry at an index with a term must
// agree on.
type logFact struct {
	term, hash uint64
	// prevTerm is the term of the entry before, if hasPrev (the one who
	// appended it may have compacted it away).
	prevTerm uint64
	by       uint8 // the node that first appended it; 0: no fact
	hasPrev  bool
}

type indexTerm struct{ index, term uint64 }

const (
	// pruneEvery is how many steps pass between prunings.
	pruneEvery = 4096
	// maxSpan is the most indexes facts are kept for: about 45 virtual
	// minutes at 100 writes per second, 19 MB. Beyond it the oldest facts
	// are dropped even if a long-crashed node could still use them.
	maxSpan = 1 << 18
)

func newSafety() *safety {
	return &safety{leaders: make(map[core.Term]core.NodeID), base: 1}
}

// entryHash is FNV-64a of an entry's type and data.
func entryHash(e *pb.Entry) uint64 {
	h := uint64(0xcbf29ce484222325)
	h ^= uint64(e.GetType())
	h *= 0x100000001b3
	for _, b := range e.GetData() {
		h ^= uint64(b)
		h *= 0x100000001b3
	}
	return h
}

// at returns the facts of index i, growing the window to hold it, or nil if
// i is below the window (pruned).
func (s *safety) at(i uint64) *indexFacts {
	if i < s.base {
		return nil
	}
	if i-s.base >= maxSpan {
		s.dropBelow(i - maxSpan + 1)
	}
	if need := int(i - s.base + 1); need > len(s.facts) {
		old := len(s.facts)
		s.facts = slices.Grow(s.facts, need-old)[:need]
		clear(s.facts[old:])
	}
	return &s.facts[i-s.base]
}

// peek returns the facts of index i if the window holds it, else nil.
func (s *safety) peek(i uint64) *indexFacts {
	if i < s.base || i-s.base >= uint64(len(s.facts)) {
		return nil
	}
	return &s.facts[i-s.base]
}

// dropBelow forgets every index below floor.
func (s *safety) dropBelow(floor uint64) {
	if floor <= s.base {
		return
	}
	if d := floor - s.base; d < uint64(len(s.facts)) {
		s.facts = s.facts[d:]
	} else {
		s.facts = s.facts[:0]
	}
	s.base = floor
	for k := range s.moreLog { // order does not matter: only deletes
		if k.index < floor {
			delete(s.moreLog, k)
		}
	}
}

// observe checks one Ready round of node n (called after its events).
func (s *safety) observe(c *Cluster, n *simNode, u *core.Update) {
	id := n.id
	nf := &s.nodes[id]
	if !s.restarts(c, n) {
		return
	}
	// This round may have saved a new hard state over the one the node
	// restarted with; checkHardState checks that one.
	if nf.gen != n.gen && !s.started(c, n, u.HardState == nil) {
		return
	}
	oldCommit := nf.commit
	if hs := u.HardState; hs != nil && !s.checkHardState(c, n, hs) {
		return
	}
	leading := n.Role == core.RoleLeader && nf.leadTerm == n.Term && n.Term != 0
	// Checked first: tookOffice sets what leading reads.
	if u.RoleChanged && u.Role == core.RoleLeader && !s.tookOfficeAsVoter(c, n) {
		return
	}
	if md := u.SnapshotInstalled; md != nil && !s.checkSnapshot(c, n, md, leading) {
		return
	}
	if len(u.Entries) > 0 {
		if leading && !s.checkLeaderAppend(c, n, u.Entries) {
			return
		}
		if leading && !s.checkOneConfChange(c, n, u.Entries) {
			return
		}
		if !s.checkAppend(c, n, u.Entries) {
			return
		}
	}
	if leading && !s.checkLeaderKept(c, n) {
		return
	}
	if nf.commit > oldCommit && !s.learnCommitted(c, n, oldCommit, nf.commit) {
		return
	}
	if leading && nf.commit > oldCommit && !s.checkCommitQuorum(c, n, nf.commit, len(u.ConfChanges) > 0) {
		return
	}
	if u.RoleChanged && u.Role == core.RoleLeader && !s.tookOffice(c, n, u.Entries) {
		return
	}
	if !s.checkApplied(c, n, u) {
		return
	}
	s.checkIndexOrder(c, n, n.rn.StateMachine().AppliedIndex(), "")
}

// restarts checks the nodes, other than except, running in an incarnation
// the checkers have not seen yet.
func (s *safety) restarts(c *Cluster, except *simNode) bool {
	if s.gens == c.gens {
		return true // every node's incarnation is checked (the usual case)
	}
	for _, m := range c.nodes {
		if m != except && m.gen != s.nodes[m.id].gen && m.up() && !s.started(c, m, true) {
			return false
		}
	}
	return true
}

// started checks a node seen running for the first time in this incarnation
// (at the start, or after a restart): its state machine starts from its
// snapshot, and, if checkStorage, the hard state in its storage (the one it
// restarted with) must not be behind what it had saved before.
func (s *safety) started(c *Cluster, n *simNode, checkStorage bool) bool {
	nf := &s.nodes[n.id]
	s.gens += n.gen - nf.gen
	nf.gen = n.gen
	nf.applied = uint64(n.rn.RestartApplied())
	if !checkStorage {
		return true
	}
	hs, _, _ := n.store.InitialState()
	t, ci := core.Term(hs.GetTerm()), hs.GetCommit()
	if t < nf.term {
		c.violate(wire.Violation{Property: wire.PropMonotonic, Nodes: []core.NodeID{n.id}, Term: t,
			Text: fmt.Sprintf("%s restarted in term %d, but it had saved term %d before it crashed: its hard state was not durable", n.id, t, nf.term)})
		return false
	}
	if ci < nf.commit {
		c.violate(wire.Violation{Property: wire.PropMonotonic, Nodes: []core.NodeID{n.id}, Index: core.LogIndex(ci),
			Text: fmt.Sprintf("%s restarted with commit index %d, but it had saved %d before it crashed: its hard state was not durable", n.id, ci, nf.commit)})
		return false
	}
	if ci > nf.commit && !s.learnCommitted(c, n, nf.commit, ci) {
		return false
	}
	nf.term, nf.commit = t, ci
	if !s.checkVote(c, n, t, core.NodeID(hs.GetVote())) {
		return false
	}
	return s.checkIndexOrder(c, n, nf.applied, " on restart")
}

// checkHardState checks that a node's term and commit index do not go back.
func (s *safety) checkHardState(c *Cluster, n *simNode, hs *pb.HardState) bool {
	nf := &s.nodes[n.id]
	t, ci := core.Term(hs.GetTerm()), hs.GetCommit()
	if t < nf.term {
		c.violate(wire.Violation{Property: wire.PropMonotonic, Nodes: []core.NodeID{n.id}, Term: t,
			Text: fmt.Sprintf("%s's term went back from %d to %d", n.id, nf.term, t)})
		return false
	}
	if ci < nf.commit {
		c.violate(wire.Violation{Property: wire.PropMonotonic, Nodes: []core.NodeID{n.id}, Term: t, Index: core.LogIndex(ci),
			Text: fmt.Sprintf("%s's commit index went back from %d to %d", n.id, nf.commit, ci)})
		return false
	}
	nf.term, nf.commit = t, ci
	return s.checkVote(c, n, t, core.NodeID(hs.GetVote()))
}

// checkVote checks that a node saving vote in term t did not vote for
// another candidate in t before, in this incarnation or an earlier one.
func (s *safety) checkVote(c *Cluster, n *simNode, t core.Term, vote core.NodeID) bool {
	nf := &s.nodes[n.id]
	if vote == 0 {
		return true
	}
	if t == nf.voteTerm && nf.votedFor != 0 && vote != nf.votedFor {
		c.violate(wire.Violation{Property: wire.PropOneVote, Nodes: []core.NodeID{n.id}, Term: t,
			Text: fmt.Sprintf("%s voted for %s and then for %s in term %d: its vote was not durable", n.id, nf.votedFor, vote, t)})
		return false
	}
	if t > nf.voteTerm {
		nf.voteTerm, nf.votedFor = t, vote
	}
	return true
}

// checkSnapshot checks a snapshot a node installed: a leader never replaces
// its log during its term, the snapshot's last entry agrees with what was
// committed there, and it does not take the state machine back.
func (s *safety) checkSnapshot(c *Cluster, n *simNode, md *pb.SnapshotMetadata, leading bool) bool {
	nf := &s.nodes[n.id]
	i, t := md.GetIndex(), md.GetTerm()
	if leading {
		c.violate(wire.Violation{Property: wire.PropLeaderAppendOnly, Nodes: []core.NodeID{n.id}, Term: n.Term, Index: core.LogIndex(i),
			Text: fmt.Sprintf("leader %s replaced its log with a snapshot up to index %d during its term %d", n.id, i, n.Term)})
		return false
	}
	if i < nf.applied {
		c.violate(wire.Violation{Property: wire.PropStateMachineSafety, Nodes: []core.NodeID{n.id}, Term: core.Term(t), Index: core.LogIndex(i),
			Text: fmt.Sprintf("%s installed a snapshot at index %d, taking back its state machine, which had applied up to %d", n.id, i, nf.applied)})
		return false
	}
	if f := s.at(i); f != nil && t != 0 {
		switch {
		case f.committed == 0:
			f.committed, f.committedBy = t, uint8(n.id)
		case f.committed != t:
			by := core.NodeID(f.committedBy)
			c.violate(wire.Violation{Property: wire.PropStateMachineSafety, Nodes: involved(by, n.id), Term: core.Term(t), Index: core.LogIndex(i),
				Text: fmt.Sprintf("%s installed a snapshot whose entry %d has term %d, but %s committed an entry of term %d there", n.id, i, t, by, f.committed)})
			return false
		}
	}
	nf.applied = i
	return true
}

// checkLeaderAppend checks that a leader appends only after its last entry.
func (s *safety) checkLeaderAppend(c *Cluster, n *simNode, ents []*pb.Entry) bool {
	nf := &s.nodes[n.id]
	if first := ents[0].GetIndex(); first <= nf.leaderLast {
		c.violate(wire.Violation{Property: wire.PropLeaderAppendOnly, Nodes: []core.NodeID{n.id}, Term: n.Term, Index: core.LogIndex(first),
			Text: fmt.Sprintf("leader %s overwrote its own entries from index %d (its log reached %d) in term %d", n.id, first, nf.leaderLast, n.Term)})
		return false
	}
	last := ents[len(ents)-1]
	nf.leaderLast, nf.leaderLastTerm = last.GetIndex(), last.GetTerm()
	return true
}

// checkLeaderKept checks that a leader still holds its last entry.
func (s *safety) checkLeaderKept(c *Cluster, n *simNode) bool {
	nf := &s.nodes[n.id]
	last, _ := n.store.LastIndex()
	t, err := n.store.Term(nf.leaderLast)
	if last >= nf.leaderLast && (err != nil || t == nf.leaderLastTerm) {
		return true // err: compacted, which is no loss (the snapshot has it)
	}
	c.violate(wire.Violation{Property: wire.PropLeaderAppendOnly, Nodes: []core.NodeID{n.id}, Term: n.Term, Index: core.LogIndex(nf.leaderLast),
		Text: fmt.Sprintf("leader %s lost its entry %d (term %d) during its term %d; its log now ends at %d", n.id, nf.leaderLast, nf.leaderLastTerm, n.Term, last)})
	return false
}

// checkAppend checks new entries of a node against every other log
// (Log Matching): the same (index, term) must carry the same data and
// follow the same term.
func (s *safety) checkAppend(c *Cluster, n *simNode, ents []*pb.Entry) bool {
	prevTerm, err := n.store.Term(ents[0].GetIndex() - 1)
	hasPrev := err == nil
	for _, e := range ents {
		i, t := e.GetIndex(), e.GetTerm()
		if f := s.at(i); f != nil {
			nf := logFact{term: t, hash: entryHash(e), prevTerm: prevTerm, by: uint8(n.id), hasPrev: hasPrev}
			old := f.log
			inline := old.by == 0 || old.term == t
			if !inline {
				old = s.moreLog[indexTerm{i, t}]
			}
			if old.by != 0 && !s.matches(c, n.id, i, old, nf) {
				return false
			}
			if old.by == 0 || (nf.hasPrev && !old.hasPrev) {
				if old.by != 0 {
					nf.by = old.by
				}
				if inline {
					f.log = nf
				} else {
					if s.moreLog == nil {
						s.moreLog = make(map[indexTerm]logFact)
					}
					s.moreLog[indexTerm{i, t}] = nf
				}
			}
		}
		prevTerm, hasPrev = t, true
	}
	return true
}

// matches reports whether a new entry agrees with the known one with the
// same index and term, and flags a Log Matching violation if not.
func (s *safety) matches(c *Cluster, id core.NodeID, i uint64, old, nf logFact) bool {
	by := core.NodeID(old.by)
	switch {
	case old.hash != nf.hash:
		c.violate(wire.Violation{Property: wire.PropLogMatching, Nodes: involved(by, id), Term: core.Term(nf.term), Index: core.LogIndex(i),
			Text: fmt.Sprintf("%s and %s both hold an entry at index %d in term %d, with different contents", by, id, i, nf.term)})
		return false
	case old.hasPrev && nf.hasPrev && old.prevTerm != nf.prevTerm:
		c.violate(wire.Violation{Property: wire.PropLogMatching, Nodes: involved(by, id), Term: core.Term(nf.term), Index: core.LogIndex(i),
			Text: fmt.Sprintf("%s and %s both hold an entry at index %d in term %d, but the entries before it differ (terms %d and %d at index %d)",
				by, id, i, nf.term, old.prevTerm, nf.prevTerm, i-1)})
		return false
	}
	return true
}

// learnCommitted records the terms of the entries node n has just committed
// (after index from, up to to), as its log holds them, and checks them
// against what other nodes committed.
func (s *safety) learnCommitted(c *Cluster, n *simNode, from, to uint64) bool {
	lo := max(from+1, s.base)
	if first, _ := n.store.FirstIndex(); lo < first-1 {
		lo = first - 1 // the snapshot's entry; those before are unknown here
	}
	for i := lo; i <= to; i++ {
		t, err := n.store.Term(i)
		if err != nil || t == 0 {
			continue // past its log: checkIndexOrder flags it
		}
		f := s.at(i)
		if f == nil {
			continue
		}
		switch {
		case f.committed == 0:
			f.committed, f.committedBy = t, uint8(n.id)
		case f.committed != t:
			by := core.NodeID(f.committedBy)
			c.violate(wire.Violation{Property: wire.PropStateMachineSafety, Nodes: involved(by, n.id), Term: core.Term(t), Index: core.LogIndex(i),
				Text: fmt.Sprintf("%s and %s committed different entries at index %d (terms %d and %d)", by, n.id, i, f.committed, t)})
			return false
		}
	}
	s.maxComm = max(s.maxComm, to)
	return true
}

// tookOffice checks a node that just became leader: no other leader in its
// term (Election Safety), and every committed entry in the log it was
// elected with (Leader Completeness). ents are the entries it appended in
// the round it took office (its own first entry).
func (s *safety) tookOffice(c *Cluster, n *simNode, ents []*pb.Entry) bool {
	id, term := n.id, n.Term
	if other, ok := s.leaders[term]; ok && other != id {
		c.violate(wire.Violation{Property: wire.PropElectionSafety, Nodes: involved(other, id), Term: term,
			Text: fmt.Sprintf("%s and %s were both leaders in term %d", other, id, term)})
		return false
	}
	s.leaders[term] = id
	nf := &s.nodes[id]
	nf.leadTerm = term
	nf.leaderLast, _ = n.store.LastIndex()
	nf.leaderLastTerm, _ = n.store.Term(nf.leaderLast)

	elected := nf.leaderLast // the last index of the log it was elected with
	if len(ents) > 0 {
		elected = min(elected, ents[0].GetIndex()-1)
	}
	first, _ := n.store.FirstIndex()
	for i := max(first-1, s.base); i <= s.maxComm; i++ {
		f := s.peek(i)
		if f == nil || f.committed == 0 {
			continue
		}
		got, err := n.store.Term(i)
		if i <= elected && err == nil && got == f.committed {
			continue
		}
		by := core.NodeID(f.committedBy)
		text := fmt.Sprintf("%s became leader of term %d without entry %d (term %d), committed by %s: the log it was elected with ends at %d", id, term, i, f.committed, by, elected)
		if i <= elected && err == nil {
			text = fmt.Sprintf("%s became leader of term %d, but its entry %d has term %d, not the term %d %s committed", id, term, i, got, f.committed, by)
		}
		c.violate(wire.Violation{Property: wire.PropLeaderCompleteness, Nodes: involved(by, id), Term: term, Index: core.LogIndex(i), Text: text})
		return false
	}
	return true
}

// checkApplied checks the entries a node applied in a round: in order,
// the same as everyone's, and its state machine where it should be.
func (s *safety) checkApplied(c *Cluster, n *simNode, u *core.Update) bool {
	id := n.id
	nf := &s.nodes[id]
	for _, e := range u.Committed {
		i := e.GetIndex()
		if i <= nf.applied {
			continue // applied before: the state machine skips it
		}
		if i != nf.applied+1 {
			c.violate(wire.Violation{Property: wire.PropStateMachineSafety, Nodes: []core.NodeID{id}, Term: core.Term(e.GetTerm()), Index: core.LogIndex(i),
				Text: fmt.Sprintf("%s applied entry %d right after entry %d, skipping what is between", id, i, nf.applied)})
			return false
		}
		nf.applied = i
		f := s.at(i)
		if f == nil {
			continue
		}
		t, h := e.GetTerm(), entryHash(e)
		if f.appliedBy == 0 {
			f.appliedTerm, f.appliedHash, f.appliedBy = t, h, uint8(id)
			continue
		}
		if f.appliedTerm != t || f.appliedHash != h {
			by := core.NodeID(f.appliedBy)
			what := fmt.Sprintf("terms %d and %d", f.appliedTerm, t)
			if f.appliedTerm == t {
				what = fmt.Sprintf("both of term %d, with different contents", t)
			}
			c.violate(wire.Violation{Property: wire.PropStateMachineSafety, Nodes: involved(by, id), Term: core.Term(t), Index: core.LogIndex(i),
				Text: fmt.Sprintf("%s and %s applied different entries at index %d (%s)", by, id, i, what)})
			return false
		}
	}
	sm := n.rn.StateMachine()
	ai := sm.AppliedIndex()
	if ai != nf.applied {
		c.violate(wire.Violation{Property: wire.PropStateMachineSafety, Nodes: []core.NodeID{id}, Index: core.LogIndex(ai),
			Text: fmt.Sprintf("%s's state machine says it applied up to index %d, but it was given entries up to %d", id, ai, nf.applied)})
		return false
	}
	if len(u.Committed) == 0 && u.SnapshotInstalled == nil {
		return true
	}
	f := s.at(ai)
	if f == nil || ai == 0 {
		return true
	}
	d := sm.Digest()
	if f.digestBy == 0 {
		f.digest, f.digestBy = d, uint8(id)
		return true
	}
	if f.digest != d {
		by := core.NodeID(f.digestBy)
		c.violate(wire.Violation{Property: wire.PropStateMachineSafety, Nodes: involved(by, id), Index: core.LogIndex(ai),
			Text: fmt.Sprintf("%s and %s have both applied up to index %d, but their key-value states differ", by, id, ai)})
		return false
	}
	return true
}

// checkIndexOrder checks applied <= committed <= last index on a running
// node; when is appended to the text ("" or " on restart").
func (s *safety) checkIndexOrder(c *Cluster, n *simNode, applied uint64, when string) bool {
	commit := s.nodes[n.id].commit
	last, _ := n.store.LastIndex()
	if applied <= commit && commit <= last {
		return true
	}
	idx := commit
	if applied > commit {
		idx = applied
	}
	c.violate(wire.Violation{Property: wire.PropIndexOrder, Nodes: []core.NodeID{n.id}, Index: core.LogIndex(idx),
		Text: fmt.Sprintf("%s has applied %d, committed %d, last index %d%s", n.id, applied, commit, last, when)})
	return false
}

// afterStep runs after every event: it checks nodes that restarted since
// their last round, and every pruneEvery steps prunes what no node can
// change any more.
func (s *safety) afterStep(c *Cluster) {
	if !s.restarts(c, nil) {
		return
	}
	s.steps++
	if s.steps%pruneEvery != 0 {
		return
	}
	floor := ^uint64(0)
	for _, n := range c.nodes {
		floor = min(floor, n.store.Stats().SnapshotIndex)
	}
	s.dropBelow(floor)
}

// involved lists the nodes of a violation: other (0 if none), then the
// node that broke the property, once each.
func involved(other, id core.NodeID) []core.NodeID {
	if other == 0 || other == id {
		return []core.NodeID{id}
	}
	return []core.NodeID{other, id}
}

// violate stops the run with a violation and records it in the trace: the
// event's Node is the node that broke the property, Peer the other one
// involved, if any.
func (c *Cluster) violate(v wire.Violation) {
	if c.halted != nil {
		return
	}
	v.At = c.now
	c.halted = &v
	e := wire.Event{Kind: wire.EvViolation, Term: v.Term, Index: v.Index, Type: v.Property, Text: v.Property + " violated: " + v.Text}
	if len(v.Nodes) > 0 {
		e.Node = v.Nodes[len(v.Nodes)-1]
	}
	if len(v.Nodes) > 1 {
		e.Peer = v.Nodes[0]
	}
	c.emit(e)
}
