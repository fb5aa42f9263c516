package sim

import (
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// eventsWith returns the texts of the events since seq that contain every one
// of parts.
func eventsWith(c *Cluster, since uint64, parts ...string) []string {
	var out []string
	for _, e := range c.Events(since) {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(e.Text, p)
		}
		if ok {
			out = append(out, e.Text)
		}
	}
	return out
}

// TestExplainForcedTimeoutPreVote: forcing a follower's election timeout with
// PreVote and CheckQuorum on fails while a leader is in touch with the
// others: the trace says who refused the pre-vote and why, and why the node
// went back to follower.
func TestExplainForcedTimeoutPreVote(t *testing.T) {
	c := newScenario(t, 3, nil)
	leader := waitLeader(t, c, allIDs(c), 10_000)
	run(t, c, 500)
	follower := without(allIDs(c), leader)[0]
	other := without(allIDs(c), leader, follower)[0]
	since := c.EventCount()
	do(t, c, wire.Command{Kind: wire.CmdCampaign, Node: follower})
	run(t, c, 1_000)

	v := quickView(c)
	if got := agreedLeader(v, allIDs(c)); got != leader {
		t.Fatalf("leader is %s after the forced timeout, want %s still", got, leader)
	}
	term := v.Nodes[int(leader)-1].Term
	want := follower.String() + "'s pre-vote for term "
	// The other follower heard from the leader lately, so it ignores the
	// pre-vote (the leader, with no lease of its own, answers it).
	got := eventsWith(c, since, other.String()+" refused "+want, "it heard from leader "+leader.String()+" within the election timeout")
	if len(got) == 0 {
		t.Errorf("no event says %s refused %s's pre-vote because of leader %s; events:\n%s", other, follower, leader, dumpTexts(c, since))
	}
	if got := eventsWith(c, since, follower.String()+" went back to follower in term", "it heard from leader "+leader.String()); len(got) == 0 {
		t.Errorf("no event says why %s went back to follower (term %d); events:\n%s", follower, term, dumpTexts(c, since))
	}
}

// TestExplainCheckQuorumStepDown: an isolated leader steps down once an
// election timeout passes without hearing from a quorum, and says so.
func TestExplainCheckQuorumStepDown(t *testing.T) {
	c := newScenario(t, 3, nil)
	leader := waitLeader(t, c, allIDs(c), 10_000)
	since := c.EventCount()
	do(t, c, wire.Command{Kind: wire.CmdIsolate, Node: leader})
	run(t, c, 5_000)
	want := leader.String() + " stepped down to follower in term "
	if got := eventsWith(c, since, want, ": it heard from no quorum within an election timeout"); len(got) != 1 {
		t.Errorf("got %d events saying %s stepped down for want of a quorum, want 1:\n%s", len(got), leader, dumpTexts(c, since))
	}
}

// TestExplainVoteRefusedForLog: a node whose log is behind cannot win a
// pre-vote, and the refusal says the other's log is more up to date.
func TestExplainVoteRefusedForLog(t *testing.T) {
	c := newScenario(t, 3, nil)
	leader := waitLeader(t, c, allIDs(c), 10_000)
	behind := without(allIDs(c), leader)[0]
	other := without(allIDs(c), leader, behind)[0]
	do(t, c, wire.Command{Kind: wire.CmdIsolate, Node: behind})
	for i := range 3 {
		consoleSet(t, c, "k", string(rune('a'+i)), 0)
	}
	run(t, c, 500)
	// other loses its leader and, alone, cannot elect one.
	do(t, c, wire.Command{Kind: wire.CmdCrash, Node: leader}, wire.Command{Kind: wire.CmdIsolate, Node: other})
	run(t, c, 3_000)
	since := c.EventCount()
	do(t, c, wire.Command{Kind: wire.CmdHeal}, wire.Command{Kind: wire.CmdCampaign, Node: behind})
	run(t, c, 200)
	got := eventsWith(c, since, other.String()+" refused "+behind.String()+"'s pre-vote for term ", ": its log is more up to date (last entry ")
	if len(got) == 0 {
		t.Errorf("no event says %s refused %s's pre-vote for its log; events:\n%s", other, behind, dumpTexts(c, since))
	}
}

// dumpTexts lists the events since seq, but message traffic, for a failure.
func dumpTexts(c *Cluster, since uint64) string {
	var b strings.Builder
	for _, e := range c.Events(since) {
		if e.Kind != wire.EvSend && e.Kind != wire.EvDeliver {
			b.WriteString(e.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// TestExplainPreVoteLost: a pre-candidate that a quorum refuses goes back to
// follower, and says who refused it.
func TestExplainPreVoteLost(t *testing.T) {
	c := newScenario(t, 5, nil)
	leader := waitLeader(t, c, allIDs(c), 10_000)
	behind := without(allIDs(c), leader)[0]
	do(t, c, wire.Command{Kind: wire.CmdIsolate, Node: behind})
	for i := range 3 {
		consoleSet(t, c, "k", string(rune('a'+i)), 0)
	}
	run(t, c, 500)
	// Every node alone: no leader, and every lease runs out.
	var alone [][]core.NodeID
	for _, id := range allIDs(c) {
		alone = append(alone, []core.NodeID{id})
	}
	do(t, c, wire.Command{Kind: wire.CmdCrash, Node: leader}, wire.Command{Kind: wire.CmdPartition, Groups: alone})
	run(t, c, 3_000)
	since := c.EventCount()
	do(t, c, wire.Command{Kind: wire.CmdHeal}, wire.Command{Kind: wire.CmdCampaign, Node: behind})
	run(t, c, 100)
	got := eventsWith(c, since, behind.String()+" went back to follower in term ", " refused its pre-vote for term ")
	if len(got) == 0 {
		t.Errorf("no event says who refused %s's pre-vote; events:\n%s", behind, dumpTexts(c, since))
	}
}
