package sim

import (
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
)

// Violation is a broken safety property, found by the online checkers.
type Violation struct {
	At       int64         `json:"at"`
	Property string        `json:"property"` // e.g. "Election Safety"
	Nodes    []core.NodeID `json:"nodes,omitempty"`
	Term     core.Term     `json:"term,omitempty"`
	Index    core.LogIndex `json:"index,omitempty"`
	Text     string        `json:"text"`
}

// The properties checked.
const (
	PropElectionSafety     = "Election Safety"
	PropLeaderAppendOnly   = "Leader Append-Only"
	PropLogMatching        = "Log Matching"
	PropLeaderCompleteness = "Leader Completeness"
	PropStateMachineSafety = "State Machine Safety"
	PropMonotonic          = "Monotonic term and commit"
	PropIndexOrder         = "applied <= committed <= last index"
)

// safety runs the online safety checks after every Ready round and every
// step. Its work per round is proportional to what the round changed (new
// entries, newly committed or applied entries), not to the log's length,
// and what can no longer change (below every node's snapshot, crashed nodes
// included since storage survives) is pruned, so memory stays bounded.
//
// It holds no pointer back to the cluster: SeekTo replaces the cluster's
// contents wholesale, so the cluster is passed in.
type safety struct {
	// leaders[term] is the leader of each term seen so far.
	leaders map[core.Term]core.NodeID
	// Per node id (index 0 unused): the highest term and commit ever seen
	// (they are durable, so they hold across restarts); the term the node
	// leads, if it does, and the last index it had as that term's leader.
	maxTerm    [MaxNodes + 1]core.Term
	maxCommit  [MaxNodes + 1]uint64
	leadTerm   [MaxNodes + 1]core.Term
	leaderLast [MaxNodes + 1]uint64

	// entries[(index, term)] is what every log holding an entry at index
	// with term must agree on (Log Matching, by induction on prevTerm).
	entries map[indexTerm]entryFact
	// committed[i-base] is the term of committed index i (0 if unknown);
	// applied[i-base] the entry applied at i; digests[i-base] the state
	// machine digest of the first node that stopped at applied index i.
	base      uint64
	committed []uint64
	applied   []entryFact
	digests   []digestFact
	maxComm   uint64 // the highest commit index seen on any node

	steps uint64
}

type indexTerm struct{ index, term uint64 }

// entryFact is what is known of an entry: its term, a hash of its type and
// data, and the term of the entry before it.
type entryFact struct {
	term, hash, prevTerm uint64
	by                   core.NodeID
	set, hasPrev         bool
}

type digestFact struct {
	digest uint64
	by     core.NodeID
	set    bool
}

// pruneEvery is how many steps pass between prunings.
const pruneEvery = 4096

func newSafety() *safety {
	return &safety{leaders: make(map[core.Term]core.NodeID), entries: make(map[indexTerm]entryFact), base: 1}
}

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

// observe checks one Ready round of node n (called after its events).
func (s *safety) observe(c *Cluster, n *simNode, u *core.Update) {
	id := n.id
	// Monotonic term and commit, durable across crashes.
	if hs := u.HardState; hs != nil {
		if t := core.Term(hs.GetTerm()); t < s.maxTerm[id] {
			c.violate(Violation{Property: PropMonotonic, Nodes: []core.NodeID{id}, Term: t,
				Text: fmt.Sprintf("%s's term went back from %d to %d", id, s.maxTerm[id], t)})
			return
		} else {
			s.maxTerm[id] = t
		}
		if ci := hs.GetCommit(); ci < s.maxCommit[id] {
			c.violate(Violation{Property: PropMonotonic, Nodes: []core.NodeID{id}, Index: core.LogIndex(ci),
				Text: fmt.Sprintf("%s's commit index went back from %d to %d", id, s.maxCommit[id], ci)})
			return
		} else {
			s.maxCommit[id] = ci
		}
	}
	// Leader Append-Only: a leader only appends after its last index, and
	// never installs a snapshot, during its term.
	leading := n.role == core.RoleLeader && s.leadTerm[id] == n.term
	if leading {
		if u.SnapshotInstalled != nil {
			c.violate(Violation{Property: PropLeaderAppendOnly, Nodes: []core.NodeID{id}, Term: n.term,
				Text: fmt.Sprintf("leader %s replaced its log with a snapshot during its term %d", id, n.term)})
			return
		}
		if len(u.Entries) > 0 {
			first := u.Entries[0].GetIndex()
			if first <= s.leaderLast[id] {
				c.violate(Violation{Property: PropLeaderAppendOnly, Nodes: []core.NodeID{id}, Term: n.term, Index: core.LogIndex(first),
					Text: fmt.Sprintf("leader %s overwrote its own entries from index %d (its log reached %d) in term %d", id, first, s.leaderLast[id], n.term)})
				return
			}
		}
	}
	if len(u.Entries) > 0 {
		if !s.checkAppend(c, n, u.Entries) {
			return
		}
		if leading {
			s.leaderLast[id] = u.Entries[len(u.Entries)-1].GetIndex()
		}
	}
	if hs := u.HardState; hs != nil && hs.GetCommit() > s.maxComm {
		s.learnCommitted(n, hs.GetCommit())
	}
	// Election Safety, and Leader Completeness when a node takes office.
	if u.RoleChanged && u.Role == core.RoleLeader {
		if other, ok := s.leaders[n.term]; ok && other != id {
			c.violate(Violation{Property: PropElectionSafety, Nodes: []core.NodeID{other, id}, Term: n.term,
				Text: fmt.Sprintf("%s and %s were both leaders in term %d", other, id, n.term)})
			return
		}
		s.leaders[n.term] = id
		s.leadTerm[id] = n.term
		last, _ := n.store.LastIndex()
		s.leaderLast[id] = last
		if !s.checkCompleteness(c, n) {
			return
		}
	}
	// State Machine Safety: the same entry applied at each index everywhere,
	// and the same state at the same applied index.
	for _, e := range u.Committed {
		if !s.checkApplied(c, id, e) {
			return
		}
	}
	if n.up() {
		sm := n.rn.StateMachine()
		if ai := sm.AppliedIndex(); ai >= s.base && (len(u.Committed) > 0 || u.SnapshotInstalled != nil) {
			if !s.checkDigest(c, id, ai, sm.Digest()) {
				return
			}
		}
		// applied <= committed <= last index.
		last, _ := n.store.LastIndex()
		if ai := sm.AppliedIndex(); ai > s.maxCommit[id] || s.maxCommit[id] > last {
			c.violate(Violation{Property: PropIndexOrder, Nodes: []core.NodeID{id}, Index: core.LogIndex(ai),
				Text: fmt.Sprintf("%s has applied %d, committed %d, last index %d", id, ai, s.maxCommit[id], last)})
		}
	}
}

// checkAppend checks new entries of a node against every other log
// (Log Matching): the same (index, term) must carry the same data and
// follow the same term.
func (s *safety) checkAppend(c *Cluster, n *simNode, ents []*pb.Entry) bool {
	prevTerm, err := n.store.Term(ents[0].GetIndex() - 1)
	havePrev := err == nil
	for _, e := range ents {
		idx := e.GetIndex()
		f := entryFact{term: e.GetTerm(), hash: entryHash(e), prevTerm: prevTerm, by: n.id, set: true, hasPrev: havePrev}
		if idx >= s.base {
			key := indexTerm{idx, e.GetTerm()}
			if old, ok := s.entries[key]; ok {
				if old.hash != f.hash || (f.hasPrev && old.hasPrev && old.prevTerm != f.prevTerm) {
					c.violate(Violation{Property: PropLogMatching, Nodes: []core.NodeID{old.by, n.id}, Term: core.Term(e.GetTerm()), Index: core.LogIndex(idx),
						Text: fmt.Sprintf("%s and %s both hold an entry at index %d in term %d, but the entries or their predecessors differ", old.by, n.id, idx, e.GetTerm())})
					return false
				}
				if f.hasPrev && !old.hasPrev {
					s.entries[key] = f
				}
			} else {
				s.entries[key] = f
			}
		}
		prevTerm, havePrev = e.GetTerm(), true
	}
	return true
}

// learnCommitted records the terms of the entries from the cluster's
// highest commit index up to commit, as node n holds them.
func (s *safety) learnCommitted(n *simNode, commit uint64) {
	for i := max(s.maxComm+1, s.base); i <= commit; i++ {
		t, err := n.store.Term(i)
		if err != nil {
			t = 0 // covered by a snapshot on n: unknown here
		}
		s.grow(i)
		s.committed[i-s.base] = t
	}
	s.maxComm = commit
}

// checkCompleteness checks that a new leader holds every committed entry.
func (s *safety) checkCompleteness(c *Cluster, n *simNode) bool {
	st := n.store.Stats()
	for i := max(st.SnapshotIndex+1, s.base); i <= s.maxComm; i++ {
		want := s.committed[i-s.base]
		if want == 0 {
			continue
		}
		got, err := n.store.Term(i)
		if err != nil || got != want {
			c.violate(Violation{Property: PropLeaderCompleteness, Nodes: []core.NodeID{n.id}, Term: n.term, Index: core.LogIndex(i),
				Text: fmt.Sprintf("%s became leader of term %d without committed entry %d (term %d); its log has term %d there", n.id, n.term, i, want, got)})
			return false
		}
	}
	return true
}

// checkApplied checks an entry a node applies against what others applied.
func (s *safety) checkApplied(c *Cluster, id core.NodeID, e *pb.Entry) bool {
	i := e.GetIndex()
	if i < s.base {
		return true
	}
	s.grow(i)
	f := entryFact{term: e.GetTerm(), hash: entryHash(e), by: id, set: true}
	old := s.applied[i-s.base]
	if !old.set {
		s.applied[i-s.base] = f
		return true
	}
	if old.term != f.term || old.hash != f.hash {
		c.violate(Violation{Property: PropStateMachineSafety, Nodes: []core.NodeID{old.by, id}, Index: core.LogIndex(i), Term: core.Term(e.GetTerm()),
			Text: fmt.Sprintf("%s and %s applied different entries at index %d (terms %d and %d)", old.by, id, i, old.term, f.term)})
		return false
	}
	return true
}

// checkDigest compares a node's state machine with the first one seen at the
// same applied index.
func (s *safety) checkDigest(c *Cluster, id core.NodeID, at, digest uint64) bool {
	s.grow(at)
	old := s.digests[at-s.base]
	if !old.set {
		s.digests[at-s.base] = digestFact{digest: digest, by: id, set: true}
		return true
	}
	if old.digest != digest {
		c.violate(Violation{Property: PropStateMachineSafety, Nodes: []core.NodeID{old.by, id}, Index: core.LogIndex(at),
			Text: fmt.Sprintf("%s and %s have applied up to index %d but their key-value states differ", old.by, id, at)})
		return false
	}
	return true
}

// grow makes the per-index slices cover index i.
func (s *safety) grow(i uint64) {
	for uint64(len(s.committed)) <= i-s.base {
		s.committed = append(s.committed, 0)
		s.applied = append(s.applied, entryFact{})
		s.digests = append(s.digests, digestFact{})
	}
}

// afterStep runs after every event: it prunes what no node can change any
// more, every pruneEvery steps.
func (s *safety) afterStep(c *Cluster) {
	s.steps++
	if s.steps%pruneEvery != 0 {
		return
	}
	floor := ^uint64(0)
	for _, n := range c.nodes {
		floor = min(floor, n.store.Stats().SnapshotIndex)
	}
	if floor <= s.base {
		return
	}
	for k := range s.entries {
		if k.index < floor {
			delete(s.entries, k)
		}
	}
	drop := min(floor-s.base, uint64(len(s.committed)))
	s.committed = append([]uint64(nil), s.committed[drop:]...)
	s.applied = append([]entryFact(nil), s.applied[drop:]...)
	s.digests = append([]digestFact(nil), s.digests[drop:]...)
	s.base += drop
}

// violate stops the run with a violation.
func (c *Cluster) violate(v Violation) {
	if c.halted != nil {
		return
	}
	v.At = c.now
	c.halted = &v
	c.emit(Event{Kind: EvViolation, Term: v.Term, Index: v.Index, Type: v.Property, Text: v.Property + " violated: " + v.Text})
}
