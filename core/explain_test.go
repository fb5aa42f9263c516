package core

import (
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
)

// refusalsOf steps m into node id of c and returns the refusals of the
// round that follows (the message is not routed further).
func refusalsOf(t *testing.T, c *testCluster, id NodeID, m *pb.Message) []VoteRefusal {
	t.Helper()
	if err := c.nodes[id].Step(m); err != nil {
		t.Fatalf("Step: %v", err)
	}
	if !c.nodes[id].HasReady() {
		t.Fatal("HasReady is false after a refused request")
	}
	u, err := c.nodes[id].Process()
	if err != nil {
		t.Fatal(err)
	}
	return u.Refusals
}

// voteMsg is a vote (or pre-vote) request from 'from' to 'to'.
func voteMsg(pre bool, from, to NodeID, term Term, logTerm, index uint64) *pb.Message {
	typ := pb.MsgVote
	if pre {
		typ = pb.MsgPreVote
	}
	return &pb.Message{Type: typ.Enum(), From: new(uint64(from)), To: new(uint64(to)), Term: new(uint64(term)), LogTerm: new(logTerm), Index: new(index)}
}

// TestVoteRefusals pins each reason etcd Raft gives for turning a request
// down, read from its log lines: an etcd upgrade that rewords them fails here.
func TestVoteRefusals(t *testing.T) {
	for _, tc := range []struct {
		name        string
		checkQuorum bool
		pre         bool
		dterm       int64 // request term minus the follower's
		stale       bool  // the candidate's log is empty
		want        RefusalReason
	}{
		{"pre-vote within the lease", true, true, 1, false, RefusedLease},
		{"vote within the lease", true, false, 1, false, RefusedLease},
		{"pre-vote for an old term", false, true, -1, false, RefusedTerm},
		{"vote in a term already voted in", false, false, 0, false, RefusedVoted},
		{"pre-vote from a stale log", false, true, 1, true, RefusedLog},
		{"vote from a stale log", false, false, 1, true, RefusedLog},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCluster(t, 3, func(r *RaftConfig) {
				r.CheckQuorum = tc.checkQuorum
				r.ReadOnlyLeaseBased = false
			})
			leader := c.waitLeader()
			f := leader%3 + 1
			cand := f%3 + 1
			if cand == leader {
				cand = cand%3 + 1
			}
			st := c.nodes[f].Status()
			logTerm, index := uint64(st.Term), uint64(st.LastIndex)
			if tc.stale {
				logTerm, index = 0, 0
			}
			got := refusalsOf(t, c, f, voteMsg(tc.pre, cand, f, Term(int64(st.Term)+tc.dterm), logTerm, index))
			if len(got) != 1 {
				t.Fatalf("refusals %+v, want one", got)
			}
			r := got[0]
			if r.Reason != tc.want || r.Candidate != cand || r.PreVote != tc.pre {
				t.Fatalf("refusal %+v, want reason %d from %s (pre-vote %v)", r, tc.want, cand, tc.pre)
			}
			switch tc.want {
			case RefusedLease:
				if r.Leader != leader || r.TicksLeft <= 0 {
					t.Errorf("lease refusal %+v: want leader %s and ticks left", r, leader)
				}
			case RefusedTerm:
				if r.OwnTerm != st.Term {
					t.Errorf("term refusal %+v: want own term %d", r, st.Term)
				}
			case RefusedVoted:
				// Usually f voted for the leader, but after a split vote it
				// voted for itself: the refusal names the vote f holds.
				if st.Vote == 0 || r.VotedFor != st.Vote {
					t.Errorf("voted refusal %+v: want voted for %s (the vote n%d holds)", r, st.Vote, f)
				}
			case RefusedLog:
				if r.LastIndex != uint64(st.LastIndex) || r.LastTerm != uint64(st.Term) || r.CandLastIndex != 0 {
					t.Errorf("log refusal %+v: want last entry %d at term %d", r, st.LastIndex, st.Term)
				}
			}
		})
	}
}

// TestVoteRefusalsBounded: a flood of requests between two rounds is noted
// up to maxRefusals.
func TestVoteRefusalsBounded(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	leader := c.waitLeader()
	f := leader%3 + 1
	st := c.nodes[f].Status()
	for range 3 * maxRefusals {
		if err := c.nodes[f].Step(voteMsg(true, leader, f, st.Term+1, 0, 0)); err != nil {
			t.Fatal(err)
		}
	}
	u, err := c.nodes[f].Process()
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Refusals) != maxRefusals {
		t.Errorf("%d refusals noted, want %d", len(u.Refusals), maxRefusals)
	}
}

// TestLostQuorumNoted: a CheckQuorum leader cut off from the others steps
// down, and the round that says so carries LostQuorum.
func TestLostQuorumNoted(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	leader := c.waitLeader()
	c.cut[leader] = true
	for range 100 {
		c.tick()
		for _, u := range c.updates[leader] {
			if u.LostQuorum {
				if !u.RoleChanged || u.Role != RoleFollower {
					t.Fatalf("LostQuorum in a round with role %q (changed %v)", u.Role, u.RoleChanged)
				}
				return
			}
		}
	}
	t.Fatal("the cut-off leader never reported LostQuorum")
}
