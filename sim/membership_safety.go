package sim

import (
	"fmt"
	"slices"
	"strings"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// The safety checks of membership (see safety's doc comment for the rest).
// Each reads a node's configuration as etcd Raft counted with it: the one
// it had applied before the round at hand (simNode.conf, which moves on
// after the checkers).
//
//   - One configuration change at a time: a leader appending a
//     configuration-change entry must have applied every earlier one in its
//     log (etcd refuses a proposal while one is pending).
//   - Only voters lead: a node taking office is a voter of its own
//     configuration (in either half of a joint one): never a learner, a
//     node removed from it, or one that has applied none.
//   - Quorums of voters: a node takes office with the votes, delivered to
//     it in its term, of a majority of each voter set of its configuration
//     (its own vote counting), and a leader commits an index only when its
//     progress shows a majority of each voter set holding it. Learners and
//     other nodes never count.

// voteGranted records that voter granted candidate its vote in term.
func (s *safety) voteGranted(candidate, voter core.NodeID, term core.Term) {
	nf := &s.nodes[candidate]
	if term > nf.grantTerm {
		nf.grantTerm, nf.granted = term, 0
	}
	if term == nf.grantTerm {
		nf.granted |= 1 << voter
	}
}

// voterSets returns the voter sets of cs: the incoming voters, then the
// outgoing ones if joint.
func voterSets(cs *pb.ConfState) [][]uint64 {
	sets := [][]uint64{cs.GetVoters()}
	if len(cs.GetVotersOutgoing()) > 0 {
		sets = append(sets, cs.GetVotersOutgoing())
	}
	return sets
}

// idsText writes ids as "(n1 n2 n3)".
func idsText(ids []uint64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = core.NodeID(id).String()
	}
	return "(" + strings.Join(parts, " ") + ")"
}

// tookOfficeAsVoter checks a node taking office: a voter of its own
// configuration, elected by a majority of each of its voter sets.
func (s *safety) tookOfficeAsVoter(c *Cluster, n *simNode) bool {
	cs := n.conf
	id := uint64(n.id)
	if cs == nil || !slices.Contains(cs.GetVoters(), id) && !slices.Contains(cs.GetVotersOutgoing(), id) {
		what := "has applied no configuration"
		if cs != nil {
			what = "is not a voter of its configuration, " + wire.DescribeMembership(cs)
		}
		c.violate(wire.Violation{Property: wire.PropVoterLeader, Nodes: []core.NodeID{n.id}, Term: n.Term,
			Text: fmt.Sprintf("%s became leader of term %d but %s", n.id, n.Term, what)})
		return false
	}
	nf := &s.nodes[n.id]
	granted := uint32(1) << id // its own vote
	if nf.grantTerm == n.Term {
		granted |= nf.granted
	}
	for _, set := range voterSets(cs) {
		var have []uint64
		for _, v := range set {
			if granted&(1<<v) != 0 {
				have = append(have, v)
			}
		}
		if 2*len(have) <= len(set) {
			c.violate(wire.Violation{Property: wire.PropVoterQuorum, Nodes: []core.NodeID{n.id}, Term: n.Term,
				Text: fmt.Sprintf("%s became leader of term %d with the votes of %s only, not a majority of the voters %s", n.id, n.Term, idsText(have), idsText(set))})
			return false
		}
	}
	return true
}

// checkCommitQuorum checks that leader n's progress shows a majority of
// each voter set of its configuration holding index commit. The progress
// is read after the round, the configuration is the one before it: a voter
// a change applied in this round removed has no progress left to read, and
// counts as holding the index (etcd decided the commit before removing it).
func (s *safety) checkCommitQuorum(c *Cluster, n *simNode, commit uint64, changed bool) bool {
	cs := n.conf
	if cs == nil {
		return true // tookOfficeAsVoter has refused such a leader
	}
	// Node ids in a session are 1 to wire.MaxNodes: holds[id] is 1 for a
	// member whose progress holds commit, 2 for one that has progress but
	// lags, 0 for one without progress.
	var holds [wire.MaxNodes + 1]uint8
	n.rn.EachMatch(func(id core.NodeID, match core.LogIndex) {
		if int(id) < len(holds) {
			holds[id] = 2
			if uint64(match) >= commit {
				holds[id] = 1
			}
		}
	})
	held := func(v uint64) bool {
		if v >= uint64(len(holds)) || holds[v] == 0 {
			return changed
		}
		return holds[v] == 1
	}
	for _, set := range voterSets(cs) {
		count := 0
		for _, v := range set {
			if held(v) {
				count++
			}
		}
		if 2*count <= len(set) {
			var have []uint64
			for _, v := range set {
				if held(v) {
					have = append(have, v)
				}
			}
			c.violate(wire.Violation{Property: wire.PropVoterQuorum, Nodes: []core.NodeID{n.id}, Term: n.Term, Index: core.LogIndex(commit),
				Text: fmt.Sprintf("leader %s committed index %d, held by %s only, not a majority of the voters %s", n.id, commit, idsText(have), idsText(set))})
			return false
		}
	}
	return true
}

// checkOneConfChange checks the configuration changes a leader appended:
// each only once every earlier one in its log is applied, and then only
// one etcd Raft's configuration changer accepts from the configuration in
// force (core.ChangeRefusal): every node would stop applying another.
func (s *safety) checkOneConfChange(c *Cluster, n *simNode, ents []*pb.Entry) bool {
	applied := s.nodes[n.id].applied
	for _, e := range ents {
		if t := e.GetType(); t != pb.EntryConfChange && t != pb.EntryConfChangeV2 {
			continue
		}
		i := e.GetIndex()
		if i <= applied+1 {
			continue
		}
		earlier, err := n.store.Entries(applied+1, i, ^uint64(0))
		if err != nil {
			continue // compacted: applied, so not pending
		}
		for _, p := range earlier {
			if t := p.GetType(); t == pb.EntryConfChange || t == pb.EntryConfChangeV2 {
				c.violate(wire.Violation{Property: wire.PropOneConfChange, Nodes: []core.NodeID{n.id}, Term: n.Term, Index: core.LogIndex(i),
					Text: fmt.Sprintf("leader %s appended a configuration change at %d while the one at %d was not applied (it had applied up to %d)", n.id, i, p.GetIndex(), applied)})
				return false
			}
		}
	}
	// No change pending (so at most one appended): it applies to the
	// configuration in force.
	cs := n.conf
	for _, e := range ents {
		cc := confChangeOf(e)
		if cc == nil || cs == nil {
			continue
		}
		if err := core.ChangeRefusal(cs, cc); err != nil {
			c.violate(wire.Violation{Property: wire.PropValidConfChange, Nodes: []core.NodeID{n.id}, Term: n.Term, Index: core.LogIndex(e.GetIndex()),
				Text: fmt.Sprintf("leader %s appended %s at %d, which etcd Raft's configuration changer refuses in the %s: %s", n.id, wire.DescribeConfChange(cc), e.GetIndex(), wire.DescribeMembership(cs), refusalText(err))})
			return false
		}
	}
	return true
}

// confChangeOf decodes a configuration change entry, or returns nil for
// another entry or one that does not decode (etcd Raft would stop on it:
// the other checkers see that node's failure).
func confChangeOf(e *pb.Entry) pb.ConfChangeI {
	switch e.GetType() {
	case pb.EntryConfChange:
		var cc pb.ConfChange
		if proto.Unmarshal(e.GetData(), &cc) == nil {
			return &cc
		}
	case pb.EntryConfChangeV2:
		var cc pb.ConfChangeV2
		if proto.Unmarshal(e.GetData(), &cc) == nil {
			return &cc
		}
	}
	return nil
}

// refusalText is etcd's reason in a core.ErrConfChangeRefused error.
func refusalText(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
