package sim

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// Scenario tests modelled on etcd Raft's own datadriven scripts
// (go.etcd.io/raft/v3@v3.7.0/testdata/*.txt). Each drives the simulator
// through the same scenario with its commands and checks the outcome the
// script prints: who leads in which term, which configuration each node
// applied, what is committed and applied where, the leader's progress
// states, whether a snapshot was sent.
//
// How a script maps onto the simulator:
//
//   - The scripts never tick a node unless told to, and deliver messages
//     only when told to. These tests do the same: delivery is manual from
//     time 0 and, except where a test says so, the virtual clock never
//     moves, so no node ticks (no heartbeat, no election timeout) and the
//     seed, which decides only tick phases, timeouts and latencies, plays
//     no part. etcd's "stabilize a b" is esStabilize(a, b): deliver every
//     held message addressed to a or b, oldest first, until none is left.
//     The simulator handles each node's Ready as soon as it has one, where
//     the script handles it at "process-ready" or "stabilize"; messages
//     are only ever delivered by the test, so this changes no outcome.
//   - The scripts bootstrap with "index=N": a log that starts after a
//     snapshot at N. The simulator bootstraps its initial members as
//     conf-change entries at indexes 1..n committed in term 1, and every
//     node starts in term 1, so a first election is won in term 2 where
//     etcd's is won in term 1: simulator terms are etcd's plus one in
//     every test (none uses a term before the first election). Each test
//     says how its indexes map.
//   - Where a script starts with the log compacted (so a new node must be
//     sent a snapshot) the test sets SnapshotIntervalEntries 1 and
//     SnapshotCatchupEntries 0: every node snapshots whenever it applies
//     and compacts its log up to the applied index.
//   - The scripts run without PreVote and CheckQuorum unless they say so;
//     so do these tests (the simulator's defaults have both on).

// esCluster is a cluster of nodes for an etcd scenario: manual delivery
// from time 0, PreVote and CheckQuorum off (etcd's test defaults), then
// tune.
func esCluster(t *testing.T, nodes int, tune func(*wire.Config)) *Cluster {
	t.Helper()
	return newScenario(t, nodes, func(cfg *wire.Config) {
		cfg.Manual = true
		cfg.Raft.PreVote = false
		cfg.Raft.CheckQuorum = false
		if tune != nil {
			tune(cfg)
		}
	})
}

// esCompactAlways makes every node snapshot each time it applies and
// compact its log up to the applied index, as etcd's scripts start with
// the log compacted: a node that lacks entries must be sent a snapshot.
func esCompactAlways(cfg *wire.Config) {
	cfg.Raft.SnapshotIntervalEntries = 1
	cfg.Raft.SnapshotCatchupEntries = 0
}

// esHeld returns the messages in flight that keep accepts (all if keep is
// nil), oldest first.
func esHeld(c *Cluster, keep func(wire.MessageView) bool) []wire.MessageView {
	var out []wire.MessageView
	for _, m := range c.View(1).Messages {
		if keep == nil || keep(m) {
			out = append(out, m)
		}
	}
	return out
}

// esTo accepts the messages addressed to one of nodes (any, if none).
func esTo(nodes ...core.NodeID) func(wire.MessageView) bool {
	return func(m wire.MessageView) bool { return len(nodes) == 0 || slices.Contains(nodes, m.To) }
}

// esStabilize is etcd's "stabilize nodes...": it delivers every held
// message addressed to one of nodes (to any node if none is named), oldest
// first, until none is left, and returns those it delivered, in order. The
// clock does not move.
func esStabilize(t *testing.T, c *Cluster, nodes ...core.NodeID) []wire.MessageView {
	t.Helper()
	var done []wire.MessageView
	for round := 0; ; round++ {
		ms := esHeld(c, esTo(nodes...))
		if len(ms) == 0 {
			return done
		}
		if round == 100 {
			t.Fatalf("stabilize %v: messages still flowing after 100 rounds: %+v", nodes, ms)
		}
		for _, m := range ms {
			do(t, c, wire.Command{Kind: wire.CmdDeliver, Msg: m.ID})
			done = append(done, m)
		}
	}
}

// esDrop is etcd's "deliver-msgs drop=(nodes...)": it drops every held
// message addressed to one of nodes (to any node if none is named).
func esDrop(t *testing.T, c *Cluster, nodes ...core.NodeID) {
	t.Helper()
	for _, m := range esHeld(c, esTo(nodes...)) {
		do(t, c, wire.Command{Kind: wire.CmdDrop, Msg: m.ID})
	}
}

// esDeliverOne delivers the one held message from -> to of type typ,
// failing the test unless exactly one is held, and returns it.
func esDeliverOne(t *testing.T, c *Cluster, from, to core.NodeID, typ string) wire.MessageView {
	t.Helper()
	ms := esHeld(c, func(m wire.MessageView) bool { return m.From == from && m.To == to && m.Type == typ })
	if len(ms) != 1 {
		t.Fatalf("want one %s %s→%s held, have %d; held: %+v", typ, from, to, len(ms), esHeld(c, nil))
	}
	do(t, c, wire.Command{Kind: wire.CmdDeliver, Msg: ms[0].ID})
	return ms[0]
}

// esOnly fails the test unless the held messages are exactly the wanted
// ones, given as "from->to Type" in send order.
func esOnly(t *testing.T, c *Cluster, want ...string) []wire.MessageView {
	t.Helper()
	held := esHeld(c, nil)
	got := make([]string, len(held))
	for i, m := range held {
		got[i] = fmt.Sprintf("%d->%d %s", m.From, m.To, m.Type)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("held messages %q, want %q", got, want)
	}
	return held
}

// esCampaign is etcd's "campaign id".
func esCampaign(t *testing.T, c *Cluster, id core.NodeID) {
	t.Helper()
	do(t, c, wire.Command{Kind: wire.CmdCampaign, Node: id})
}

// esPropose is etcd's "propose id data": a console set of key=key sent to
// leader id, which must append it (one more entry in its log).
func esPropose(t *testing.T, c *Cluster, id core.NodeID, key string) {
	t.Helper()
	before := c.View(1).Nodes[id-1].LastIndex
	do(t, c, wire.Command{Kind: wire.CmdSet, Key: key, Value: key, Node: id})
	if after := c.View(1).Nodes[id-1].LastIndex; after != before+1 {
		t.Fatalf("propose %s on %s: its log went from %d to %d entries; want one more", key, id, before, after)
	}
}

// esNode returns node id's view with its whole log.
func esNode(c *Cluster, id core.NodeID) wire.NodeView { return c.View(wire.MaxLogWindow).Nodes[id-1] }

// esState fails the test unless node id is in role in term, following
// leader (0: none), with commit index commit.
func esState(t *testing.T, c *Cluster, id core.NodeID, role core.Role, term core.Term, leader core.NodeID, commit core.LogIndex) {
	t.Helper()
	n := esNode(c, id)
	if n.Role != role || n.Term != term || n.Leader != leader || n.Commit != commit {
		t.Fatalf("%s is %s in term %d following %s with commit %d; want %s in term %d following %s with commit %d",
			id, n.Role, n.Term, n.Leader, n.Commit, role, term, leader, commit)
	}
}

// esConf fails the test unless node id has applied the configuration with
// these voters, outgoing voters (joint) and learners.
func esConf(t *testing.T, c *Cluster, id core.NodeID, voters, outgoing, learners []core.NodeID) {
	t.Helper()
	n := esNode(c, id)
	if !slices.Equal(n.Voters, voters) || !slices.Equal(n.VotersOutgoing, outgoing) || !slices.Equal(n.Learners, learners) {
		t.Fatalf("%s's configuration: voters %v outgoing %v learners %v; want voters %v outgoing %v learners %v",
			id, n.Voters, n.VotersOutgoing, n.Learners, voters, outgoing, learners)
	}
}

// esProgress returns leader id's progress for peer.
func esProgress(t *testing.T, c *Cluster, id, peer core.NodeID) core.PeerProgress {
	t.Helper()
	for _, p := range esNode(c, id).Progress {
		if p.ID == peer {
			return p
		}
	}
	t.Fatalf("leader %s has no progress for %s", id, peer)
	return core.PeerProgress{}
}

// esWantProgress fails the test unless leader id's progress for peer is in
// state with match and next.
func esWantProgress(t *testing.T, c *Cluster, id, peer core.NodeID, state string, match, next core.LogIndex) core.PeerProgress {
	t.Helper()
	p := esProgress(t, c, id, peer)
	if p.State != state || p.Match != match || p.Next != next {
		t.Fatalf("%s's progress for %s: %s match=%d next=%d; want %s match=%d next=%d", id, peer, p.State, p.Match, p.Next, state, match, next)
	}
	return p
}

// esTerms returns the terms of node id's entries from index from to its
// last, failing the test if the log no longer holds from.
func esTerms(t *testing.T, c *Cluster, id core.NodeID, from core.LogIndex) []core.Term {
	t.Helper()
	n := esNode(c, id)
	if n.FirstIndex > from || n.LogOmitted > 0 {
		t.Fatalf("%s's log starts at %d; want it to hold %d", id, n.FirstIndex, from)
	}
	var out []core.Term
	for _, e := range n.Log {
		if e.Index >= from {
			out = append(out, e.Term)
		}
	}
	return out
}

// esSnapshotsSent returns the indexes of the snapshots sent to peer in the
// events after since.
func esSnapshotsSent(c *Cluster, since uint64, peer core.NodeID) []core.LogIndex {
	var out []core.LogIndex
	for _, e := range c.Events(since) {
		if e.Kind == wire.EvSnapshotSend && e.Peer == peer {
			out = append(out, e.Index)
		}
	}
	return out
}

// esLeaseRefusals returns "node<-candidate" for each vote or pre-vote
// request ignored because of CheckQuorum's lease in the events after
// since.
func esLeaseRefusals(c *Cluster, since uint64) []string {
	var out []string
	for _, e := range c.Events(since) {
		if e.Kind == wire.EvVote && e.Type == "refused" && strings.Contains(e.Text, "ignored the request") {
			out = append(out, fmt.Sprintf("%d<-%d", e.Node, e.Peer))
		}
	}
	return out
}

// esAppended records, through the test-only processed hook, the last
// entry each node appended at each index: it sees entries that
// compaction has since removed from the view.
type esAppended map[core.NodeID]map[core.LogIndex]wire.EntryView

func esWatchAppends(c *Cluster) esAppended {
	a := esAppended{}
	c.hooks.processed = func(_ *Cluster, n *simNode, u *core.Update) {
		if a[n.id] == nil {
			a[n.id] = map[core.LogIndex]wire.EntryView{}
		}
		for _, e := range u.Entries {
			a[n.id][core.LogIndex(e.GetIndex())] = wire.EntryViewOf(e)
		}
	}
	return a
}

// TestEtcdScenarioConfChangeV1AddSingle mirrors etcd's
// confchange_v1_add_single.txt: a one-node cluster adds a voter with a V1
// ConfChange. The leader commits it with itself as the quorum and moves
// straight to voters (1 2); its probe to the empty n2 is rejected, so,
// the log being compacted, it sends n2 a snapshot at the change's index
// holding voters (1 2); n2's answer moves n2's progress to replicate.
//
// Indexes: etcd's empty entry 3 and change 4 are the simulator's 2 and 3
// (one bootstrap entry at 1, not etcd's two). Terms: etcd's plus one.
//
// Deviation: the simulator reports a delivered snapshot to the leader
// (ReportSnapshot, as etcd's server transport does) before n2's answer
// arrives, so n2's progress goes snapshot -> probe at delivery and probe
// -> replicate on the answer, where the script (which reports nothing)
// goes snapshot -> replicate on the answer. The end state is the same.
func TestEtcdScenarioConfChangeV1AddSingle(t *testing.T) {
	c := esCluster(t, 1, esCompactAlways)
	appended := esWatchAppends(c)
	esCampaign(t, c, 1)
	esState(t, c, 1, core.RoleLeader, 2, 1, 2)

	since := c.EventCount()
	do(t, c, wire.Command{Kind: wire.CmdAddNode})
	// n1 committed the change alone and applied it.
	esState(t, c, 1, core.RoleLeader, 2, 1, 3)
	esConf(t, c, 1, ids(1, 2), nil, nil)
	if e := appended[1][3]; e.Type != "conf-change" || e.Term != 2 || esNode(c, 1).LastIndex != 3 {
		t.Fatalf("n1 appended %+v at 3; want the V1 conf change (type conf-change), its last entry, in term 2", e)
	}
	if n2 := esNode(c, 2); n2.Term != 0 || len(n2.Voters) != 0 || n2.LastIndex != 0 {
		t.Fatalf("new n2 starts with term %d, voters %v, last index %d; want an empty node", n2.Term, n2.Voters, n2.LastIndex)
	}
	// 1->2 MsgApp Log:1/3 Commit:4 Entries:[1/4 EntryConfChange v2].
	app := esOnly(t, c, "1->2 MsgApp")[0]
	if app.Index != 2 || app.LogTerm != 2 || app.Commit != 3 || app.Entries != 1 {
		t.Fatalf("probe to n2 %+v; want prev 2 at term 2, commit 3, one entry", app)
	}
	esDeliverOne(t, c, 1, 2, "MsgApp")
	// 2->1 MsgAppResp Rejected (Hint: 0): n2 has nothing.
	if r := esOnly(t, c, "2->1 MsgAppResp")[0]; !r.Reject || r.Term != 2 {
		t.Fatalf("n2's answer %+v; want a rejection in term 2", r)
	}
	esDeliverOne(t, c, 2, 1, "MsgAppResp")
	// StateSnapshot match=0 next=5 pendingSnap=4, and a MsgSnap at 4.
	if p := esWantProgress(t, c, 1, 2, "snapshot", 0, 4); p.PendingSnapshot != 3 {
		t.Fatalf("pending snapshot for n2 %d; want 3", p.PendingSnapshot)
	}
	esOnly(t, c, "1->2 MsgSnap")
	if got := esSnapshotsSent(c, since, 2); !slices.Equal(got, []core.LogIndex{3}) {
		t.Fatalf("snapshots sent to n2 at %v; want one at 3", got)
	}
	esDeliverOne(t, c, 1, 2, "MsgSnap")
	esConf(t, c, 2, ids(1, 2), nil, nil)
	if n2 := esNode(c, 2); n2.SnapshotIndex != 3 || n2.Commit != 3 || n2.Applied != 3 {
		t.Fatalf("n2 after the snapshot: snapshot %d commit %d applied %d; want 3, 3, 3", n2.SnapshotIndex, n2.Commit, n2.Applied)
	}
	esWantProgress(t, c, 1, 2, "probe", 0, 4) // the deviation: ReportSnapshot
	// 2->1 MsgAppResp Log:0/4, and n1 resumes replicating.
	if r := esDeliverOne(t, c, 2, 1, "MsgAppResp"); r.Reject || r.Index != 3 {
		t.Fatalf("n2's answer to the snapshot %+v; want an acceptance at 3", r)
	}
	esWantProgress(t, c, 1, 2, "replicate", 3, 4)
	esStabilize(t, c)
	esState(t, c, 1, core.RoleLeader, 2, 1, 3)
	esState(t, c, 2, core.RoleFollower, 2, 1, 3)
	esConf(t, c, 1, ids(1, 2), nil, nil)
	esConf(t, c, 2, ids(1, 2), nil, nil)
	if got := esSnapshotsSent(c, since, 2); len(got) != 1 {
		t.Fatalf("snapshots sent to n2 at %v; want only the one", got)
	}
}

// TestEtcdScenarioConfChangeV2AddDoubleAuto mirrors etcd's
// confchange_v2_add_double_auto.txt: a one-node cluster adds two voters in
// one ConfChangeV2 (transition auto). Two voters changing, etcd enters the
// joint configuration (1 2 3)&&(1) and leaves it by itself with an empty
// V2 entry, which needs n2 or n3 to commit. n2 gets a snapshot in the
// joint configuration, then the leave entry; n3, caught up afterwards,
// gets a snapshot already in the final configuration (1 2 3). Then both
// are removed in one change: the leader must wait for a quorum of the
// outgoing (1 2 3) to enter the joint (1)&&(1 2 3), two proposals go in
// between (etcd's regression for leaving the same joint state twice), and
// everyone ends in voters (1) with both proposals applied.
//
// Indexes: etcd's entries 3 (empty), 4 (add), 5 (leave), 6 (remove), 7 and
// 8 (foo, bar), 9 (leave) are the simulator's 2, 3, 4, 5, 6 and 7, 8: one
// less. Terms: etcd's plus one.
//
// Deviations: the simulator marks removed nodes as Left and keeps them
// running (a removed node may still vote; see membership.go), which the
// test checks as well; the proposals are console sets (foo=foo, bar=bar).
func TestEtcdScenarioConfChangeV2AddDoubleAuto(t *testing.T) {
	c := esCluster(t, 1, esCompactAlways)
	appended := esWatchAppends(c)
	esCampaign(t, c, 1)
	esState(t, c, 1, core.RoleLeader, 2, 1, 2)

	since := c.EventCount()
	do(t, c, wire.Command{Kind: wire.CmdChange, Transition: wire.TransitionAuto,
		Changes: []wire.MemberChange{{Op: wire.OpAddVoter}, {Op: wire.OpAddVoter}}})
	// "1 switched to configuration voters=(1 2 3)&&(1) autoleave" and
	// proposed the leave (1/5 EntryConfChangeV2), not yet committed.
	esState(t, c, 1, core.RoleLeader, 2, 1, 3)
	esConf(t, c, 1, ids(1, 2, 3), ids(1), nil)
	if cc, leave := appended[1][3], appended[1][4]; esNode(c, 1).LastIndex != 4 || cc.Type != "conf-change-v2" || leave.Type != "conf-change-v2" || leave.Op == cc.Op {
		t.Fatalf("n1 appended %+v at 3 and %+v at 4; want the V2 change, then the leave, its last entry", cc, leave)
	}
	esOnly(t, c, "1->2 MsgApp", "1->3 MsgApp")

	// stabilize 1 2: probe rejected, snapshot at 3 in the joint
	// configuration, then the leave entry commits.
	esDeliverOne(t, c, 1, 2, "MsgApp")
	if r := esDeliverOne(t, c, 2, 1, "MsgAppResp"); !r.Reject {
		t.Fatalf("n2 accepted the probe %+v; want a rejection", r)
	}
	esDeliverOne(t, c, 1, 2, "MsgSnap")
	esConf(t, c, 2, ids(1, 2, 3), ids(1), nil)
	if n2 := esNode(c, 2); n2.SnapshotIndex != 3 || n2.Commit != 3 {
		t.Fatalf("n2 after the snapshot: snapshot %d commit %d; want 3, 3", n2.SnapshotIndex, n2.Commit)
	}
	esStabilize(t, c, 1, 2)
	esState(t, c, 1, core.RoleLeader, 2, 1, 4)
	esState(t, c, 2, core.RoleFollower, 2, 1, 4)
	esConf(t, c, 1, ids(1, 2, 3), nil, nil)
	esConf(t, c, 2, ids(1, 2, 3), nil, nil)

	// stabilize 1 3: n3 gets a snapshot at 4 in the final configuration.
	esStabilize(t, c, 1, 3)
	esConf(t, c, 3, ids(1, 2, 3), nil, nil)
	if n3 := esNode(c, 3); n3.SnapshotIndex != 4 || n3.Commit != 4 || n3.Applied != 4 {
		t.Fatalf("n3: snapshot %d commit %d applied %d; want 4, 4, 4", n3.SnapshotIndex, n3.Commit, n3.Applied)
	}
	if s2, s3 := esSnapshotsSent(c, since, 2), esSnapshotsSent(c, since, 3); !slices.Equal(s2, []core.LogIndex{3}) || !slices.Equal(s3, []core.LogIndex{4}) {
		t.Fatalf("snapshots sent to n2 at %v and to n3 at %v; want 3 and 4", s2, s3)
	}
	esStabilize(t, c)
	for _, id := range ids(2, 3) {
		esWantProgress(t, c, 1, id, "replicate", 4, 5)
	}

	// Remove n2 and n3 in one change (r2 r3).
	do(t, c, wire.Command{Kind: wire.CmdChange, Changes: []wire.MemberChange{{Op: wire.OpRemove, Node: 2}, {Op: wire.OpRemove, Node: 3}}})
	esStabilize(t, c, 1) // nothing for n1 yet
	esOnly(t, c, "1->2 MsgApp", "1->3 MsgApp")
	esStabilize(t, c, 2, 3)
	esPropose(t, c, 1, "foo")
	esPropose(t, c, 1, "bar")
	// stabilize 1: the acks commit the change at 5; n1 enters
	// (1)&&(1 2 3) and proposes the leave at 8.
	esStabilize(t, c, 1)
	esState(t, c, 1, core.RoleLeader, 2, 1, 5)
	esConf(t, c, 1, ids(1), ids(1, 2, 3), nil)
	if n := esNode(c, 1); n.LastIndex != 8 {
		t.Fatalf("n1's log ends at %d; want the leave at 8", n.LastIndex)
	}
	esStabilize(t, c, 2, 3)
	for _, id := range ids(2, 3) {
		esState(t, c, id, core.RoleFollower, 2, 1, 5)
		esConf(t, c, id, ids(1), ids(1, 2, 3), nil)
	}
	esStabilize(t, c)
	for _, id := range ids(1, 2, 3) {
		n := esNode(c, id)
		esConf(t, c, id, ids(1), nil, nil)
		if n.Commit != 8 || n.Applied != 8 || n.LastIndex != 8 {
			t.Fatalf("%s: commit %d applied %d last %d; want 8, 8, 8", id, n.Commit, n.Applied, n.LastIndex)
		}
		if kv := kvMap(n); kv["foo"] != "foo" || kv["bar"] != "bar" || len(kv) != 2 {
			t.Fatalf("%s's store %v; want foo and bar", id, kv)
		}
		if n.Left != (id != 1) {
			t.Fatalf("%s left=%v; want only n2 and n3 removed", id, n.Left)
		}
	}
	if p := esNode(c, 1).Progress; len(p) != 1 || p[0].ID != 1 {
		t.Fatalf("n1 tracks %+v; want itself only", p)
	}
}

// TestEtcdScenarioConfChangeV2ReplaceLeader mirrors etcd's
// confchange_v2_replace_leader.txt: in a three-node cluster led by n1, one
// ConfChangeV2 with an explicit transition removes n1 and adds n4. All
// enter the joint configuration (2 3 4)&&(1 2 3); the new, empty n4 gets a
// snapshot in it. Leadership is then handed to n4 while joint (MsgTimeoutNow
// at once, n4 being up to date); n4 wins the next term with n1's, n2's and
// n3's votes, commits an empty entry, and an explicit leave-joint moves
// everyone to (2 3 4). n1, no longer a voter, cannot campaign: nothing
// happens.
//
// Indexes: etcd's 3 (n1's empty entry), 4 (the change), 5 (n4's empty
// entry), 6 (the leave) are the simulator's 4, 5, 6, 7: one more (three
// bootstrap entries, not two). Terms: etcd's plus one.
//
// Deviation: the simulator shows n1 as removed (Left) and still running.
func TestEtcdScenarioConfChangeV2ReplaceLeader(t *testing.T) {
	c := esCluster(t, 3, esCompactAlways)
	esCampaign(t, c, 1)
	esStabilize(t, c)
	esState(t, c, 1, core.RoleLeader, 2, 1, 4)
	esState(t, c, 2, core.RoleFollower, 2, 1, 4)
	esState(t, c, 3, core.RoleFollower, 2, 1, 4)

	since := c.EventCount()
	do(t, c, wire.Command{Kind: wire.CmdChange, Transition: wire.TransitionExplicit,
		Changes: []wire.MemberChange{{Op: wire.OpRemove, Node: 1}, {Op: wire.OpAddVoter}}})
	esStabilize(t, c)
	for _, id := range ids(1, 2, 3, 4) {
		esConf(t, c, id, ids(2, 3, 4), ids(1, 2, 3), nil)
	}
	esState(t, c, 4, core.RoleFollower, 2, 1, 5)
	if got := esSnapshotsSent(c, since, 4); !slices.Equal(got, []core.LogIndex{5}) {
		t.Fatalf("snapshots sent to n4 at %v; want one at 5, in the joint configuration", got)
	}
	if n4 := esNode(c, 4); n4.SnapshotIndex != 5 {
		t.Fatalf("n4's snapshot is at %d; want 5", n4.SnapshotIndex)
	}

	// transfer-leadership from=1 to=4: MsgTimeoutNow at once, nothing
	// processed yet.
	do(t, c, wire.Command{Kind: wire.CmdTransfer, Node: 4})
	esOnly(t, c, "1->4 MsgTimeoutNow")
	esState(t, c, 1, core.RoleLeader, 2, 1, 5)
	esState(t, c, 4, core.RoleFollower, 2, 1, 5)
	esStabilize(t, c)
	esState(t, c, 4, core.RoleLeader, 3, 4, 6)
	for _, id := range ids(1, 2, 3) {
		esState(t, c, id, core.RoleFollower, 3, 4, 6)
		if n := esNode(c, id); n.Vote != 4 {
			t.Fatalf("%s voted for %s in term 3; want n4", id, n.Vote)
		}
		esConf(t, c, id, ids(2, 3, 4), ids(1, 2, 3), nil)
	}

	// propose-conf-change 4 (empty: leave the joint configuration).
	do(t, c, wire.Command{Kind: wire.CmdLeaveJoint})
	esStabilize(t, c)
	esState(t, c, 4, core.RoleLeader, 3, 4, 7)
	for _, id := range ids(1, 2, 3, 4) {
		esConf(t, c, id, ids(2, 3, 4), nil, nil)
	}
	for _, id := range ids(1, 2, 3) {
		esState(t, c, id, core.RoleFollower, 3, 4, 7)
	}
	if n1 := esNode(c, 1); !n1.Left {
		t.Fatal("n1 is not shown as removed")
	}

	// campaign 1: "1 is unpromotable and can not campaign".
	esCampaign(t, c, 1)
	esOnly(t, c)
	esState(t, c, 1, core.RoleFollower, 3, 4, 7)
	esState(t, c, 4, core.RoleLeader, 3, 4, 7)
}

// TestEtcdScenarioCampaignLearnerMustVote mirrors etcd's
// campaign_learner_must_vote.txt (etcd-io/etcd#10998): voters n1, n2 and
// learner n3; n1 promotes n3 and the promotion commits on n1 and n2, but
// every message to n3 is dropped, so n3 still thinks it is a learner. n1
// then goes silent and n2 campaigns: n2 counts n3 as a voter and asks it,
// and n3 votes although its own configuration says learner. n2 wins the
// next term with n3's vote and catches n3 up (n3 first rejects the append,
// missing the promotion), and n3 applies voters (1 2 3).
//
// Deviation: the simulator bootstraps every initial member as a voter, so
// the cluster starts with voters n1, n2 and adds n3 as a learner
// (add-learner), caught up over the log, before the promotion. Indexes:
// the simulator's 1-2 are the bootstrap, 3 n1's empty entry (etcd's 3), 4
// the add-learner (no etcd counterpart), 5 the promotion (etcd's 4), 6
// n2's empty entry (etcd's 5). "n1 is dead" is done as in the script: no
// message to n1 is delivered after the promotion, so it still leads the
// old term. Terms: etcd's plus one.
func TestEtcdScenarioCampaignLearnerMustVote(t *testing.T) {
	c := esCluster(t, 2, nil)
	esCampaign(t, c, 1)
	esStabilize(t, c)
	esState(t, c, 1, core.RoleLeader, 2, 1, 3)
	since := c.EventCount()
	do(t, c, wire.Command{Kind: wire.CmdAddLearner})
	esStabilize(t, c)
	esState(t, c, 1, core.RoleLeader, 2, 1, 4)
	for _, id := range ids(1, 2, 3) {
		if id != 1 {
			esState(t, c, id, core.RoleFollower, 2, 1, 4)
		}
		esConf(t, c, id, ids(1, 2), nil, ids(3))
	}
	if got := esSnapshotsSent(c, since, 3); len(got) != 0 {
		t.Fatalf("snapshots sent to n3 at %v; want n3 caught up over the log", got)
	}

	// Promote n3; commit and apply on n1 and n2 only.
	do(t, c, wire.Command{Kind: wire.CmdPromote, Node: 3})
	esStabilize(t, c, 1, 2)
	for _, id := range ids(1, 2) {
		esConf(t, c, id, ids(1, 2, 3), nil, nil)
		if n := esNode(c, id); n.Commit != 5 || n.Applied != 5 {
			t.Fatalf("%s: commit %d applied %d; want the promotion at 5 applied", id, n.Commit, n.Applied)
		}
	}
	esDrop(t, c, 3)
	esConf(t, c, 3, ids(1, 2), nil, ids(3))
	if n3 := esNode(c, 3); n3.LastIndex != 4 {
		t.Fatalf("n3's log ends at %d; want 4, without the promotion", n3.LastIndex)
	}

	// campaign 2: MsgVote to n1 and to n3, a voter in n2's configuration.
	esCampaign(t, c, 2)
	esState(t, c, 2, core.RoleCandidate, 3, 0, 5)
	held := esHeld(c, func(m wire.MessageView) bool { return m.From == 2 })
	if len(held) != 2 || held[0].To != 1 || held[1].To != 3 || held[0].Type != "MsgVote" || held[1].Type != "MsgVote" {
		t.Fatalf("n2 sent %+v; want MsgVote to n1 and n3", held)
	}
	// stabilize 3: n3, still a learner to itself, votes for n2.
	esStabilize(t, c, 3)
	esConf(t, c, 3, ids(1, 2), nil, ids(3))
	if n3 := esNode(c, 3); n3.Term != 3 || n3.Vote != 2 {
		t.Fatalf("n3 in term %d voted for %s; want a vote for n2 in term 3", n3.Term, n3.Vote)
	}
	if r := esHeld(c, func(m wire.MessageView) bool { return m.From == 3 }); len(r) != 1 || r[0].Type != "MsgVoteResp" || r[0].Reject {
		t.Fatalf("n3 answered %+v; want a granted MsgVoteResp", r)
	}
	// stabilize 2 3: n2 wins and catches n3 up.
	got := esStabilize(t, c, 2, 3)
	rejected := false
	for _, m := range got {
		rejected = rejected || (m.From == 3 && m.Type == "MsgAppResp" && m.Reject && m.Index == 5)
	}
	if !rejected {
		t.Fatalf("n3 never rejected n2's append at 5 (it lacks the promotion): %+v", got)
	}
	esState(t, c, 2, core.RoleLeader, 3, 2, 6)
	esState(t, c, 3, core.RoleFollower, 3, 2, 6)
	esConf(t, c, 3, ids(1, 2, 3), nil, nil)
	if n3 := esNode(c, 3); n3.Applied != 6 || n3.LastIndex != 6 {
		t.Fatalf("n3: applied %d last %d; want 6, 6", n3.Applied, n3.LastIndex)
	}
	esWantProgress(t, c, 2, 3, "replicate", 6, 7)
	// n1 heard nothing: it still leads term 2.
	esState(t, c, 1, core.RoleLeader, 2, 1, 5)
}

// TestEtcdScenarioSnapshotSucceedViaAppResp mirrors etcd's
// snapshot_succeed_via_app_resp.txt (etcd-io/etcd#10308): a leader whose
// log is compacted up to its last index sends the empty voter n3 a
// snapshot at exactly its last (and committed) index, after n3 answers a
// heartbeat. n3's MsgAppResp after installing it must move n3's progress
// back to replicate (match = that index), not leave it probing.
//
// Deviations: the simulator cannot bootstrap a configuration naming a
// node that does not run, so the cluster starts with voters n1, n2 and
// adds n3 (an empty node, no configuration, like etcd's "add-nodes 1")
// with a V1 change that commits on n1 and n2; the leader's probe to n3 is
// dropped (etcd's "deliver-msgs drop=(3)"). Its progress for n3 is then
// probe match=0 next=4 paused, as in the script, but recently active (etcd's
// changer marks an added node active; the script's n3 was in the bootstrap
// configuration). The heartbeat is one virtual tick (100 ms) of the clock:
// every node ticks once, which does nothing else. And the simulator
// reports the delivered snapshot to the leader (ReportSnapshot) before
// n3's answer, so n3's progress goes snapshot -> probe -> replicate
// rather than snapshot -> replicate; the end state is the script's.
//
// Indexes: etcd's 11 (the leader's last, compacted up to) is the
// simulator's 4 (two bootstrap entries, n1's empty entry, the change).
// Terms: etcd's plus one.
func TestEtcdScenarioSnapshotSucceedViaAppResp(t *testing.T) {
	c := esCluster(t, 2, esCompactAlways)
	esCampaign(t, c, 1)
	esStabilize(t, c)
	esState(t, c, 1, core.RoleLeader, 2, 1, 3)

	do(t, c, wire.Command{Kind: wire.CmdAddNode})
	esStabilize(t, c, 1, 2)
	esConf(t, c, 1, ids(1, 2, 3), nil, nil)
	esConf(t, c, 2, ids(1, 2, 3), nil, nil)
	esDrop(t, c, 3)
	since := c.EventCount()
	// status 1: compacted to 11; n3 StateProbe match=0 next=11 paused.
	n1 := esNode(c, 1)
	if n1.Commit != 4 || n1.LastIndex != 4 || n1.FirstIndex != 5 {
		t.Fatalf("n1: commit %d last %d first %d; want commit 4 = last 4, log compacted (first 5)", n1.Commit, n1.LastIndex, n1.FirstIndex)
	}
	esWantProgress(t, c, 1, 1, "replicate", 4, 5)
	esWantProgress(t, c, 1, 2, "replicate", 4, 5)
	if p := esWantProgress(t, c, 1, 3, "probe", 0, 4); !p.Paused || !p.RecentActive {
		t.Fatalf("n3's progress %+v; want paused after the dropped probe, and active (etcd marks an added node so)", p)
	}

	// tick-heartbeat 1.
	run(t, c, int64(c.Config().Raft.HeartbeatIntervalMS))
	hb := esOnly(t, c, "1->2 MsgHeartbeat", "1->3 MsgHeartbeat")
	if hb[0].Commit != 4 || hb[1].Commit != 0 {
		t.Fatalf("heartbeats carry commit %d to n2 and %d to n3; want 4 and 0", hb[0].Commit, hb[1].Commit)
	}
	esStabilize(t, c, 3)
	esState(t, c, 3, core.RoleFollower, 2, 1, 0)
	esOnly(t, c, "1->2 MsgHeartbeat", "3->1 MsgHeartbeatResp")
	// stabilize 1: n3 needs a snapshot.
	esStabilize(t, c, 1)
	if p := esWantProgress(t, c, 1, 3, "snapshot", 0, 5); p.PendingSnapshot != 4 {
		t.Fatalf("pending snapshot for n3 at %d; want 4", p.PendingSnapshot)
	}
	esOnly(t, c, "1->2 MsgHeartbeat", "1->3 MsgSnap")
	if got := esSnapshotsSent(c, since, 3); !slices.Equal(got, []core.LogIndex{4}) {
		t.Fatalf("snapshots sent to n3 at %v; want one at 4", got)
	}
	// stabilize 3: n3 installs it and answers MsgAppResp Log:0/11.
	esStabilize(t, c, 3)
	esConf(t, c, 3, ids(1, 2, 3), nil, nil)
	esState(t, c, 3, core.RoleFollower, 2, 1, 4)
	if r := esOnly(t, c, "1->2 MsgHeartbeat", "3->1 MsgAppResp")[1]; r.Reject || r.Index != 4 {
		t.Fatalf("n3's answer %+v; want an acceptance at 4", r)
	}
	esWantProgress(t, c, 1, 3, "probe", 0, 5) // the deviation: ReportSnapshot
	// stabilize 1: the MsgAppResp moves n3 back to replicate.
	esStabilize(t, c, 1)
	for _, id := range ids(1, 2, 3) {
		esWantProgress(t, c, 1, id, "replicate", 4, 5)
	}
	esStabilize(t, c)
	for _, id := range ids(1, 2, 3) {
		n := esNode(c, id)
		if n.Commit != 4 || n.Applied != 4 || n.LastIndex != 4 || n.Term != 2 || n.Leader != 1 {
			t.Fatalf("%s: commit %d applied %d last %d term %d leader %s; want 4, 4, 4 in term 2 under n1", id, n.Commit, n.Applied, n.LastIndex, n.Term, n.Leader)
		}
	}
	if n3 := esNode(c, 3); n3.SnapshotIndex != 4 {
		t.Fatalf("n3's snapshot at %d; want 4", n3.SnapshotIndex)
	}
	if got := esSnapshotsSent(c, since, 3); len(got) != 1 {
		t.Fatalf("snapshots sent to n3 at %v; want just one", got)
	}
}

// TestEtcdScenarioProbeAndReplicate mirrors etcd's probe_and_replicate.txt:
// seven nodes are driven, by campaigns, proposals, partial deliveries and
// dropped messages, into the logs of Figure 7 of the Raft paper (n5 with a
// longer uncommitted tail, as in the script). Then n1 campaigns, wins with
// the votes of n2, n3, n6, n7 (n4 and n5 have more up-to-date logs and
// refuse), and brings each follower in line one by one: n2, n3, n5, n6
// and n7 reject its first append (each rejection naming the term of the
// follower's entry where etcd's probing backs up to), n4 accepts it
// (overwriting its own uncommitted entry); in the end all seven logs are
// n1's, everything up to n1's new empty entry is committed, and n1
// replicates to every follower.
//
// Indexes: etcd's log starts at 11 (index=10); the simulator's at 8 (seven
// bootstrap entries), so the simulator's indexes are etcd's minus 3. Terms:
// etcd's plus one. The proposals are console sets named as the script's.
func TestEtcdScenarioProbeAndReplicate(t *testing.T) {
	c := esCluster(t, 7, nil)
	all := allIDs(c)
	prop := func(id core.NodeID, keys ...string) {
		t.Helper()
		for _, k := range keys {
			esPropose(t, c, id, k)
		}
	}
	stab := func(nodes ...core.NodeID) { t.Helper(); esStabilize(t, c, nodes...) }
	dropAll := func() { t.Helper(); esDrop(t, c) }

	// Term 1 (simulator 2).
	esCampaign(t, c, 1)
	stab()
	prop(1, "prop_1_12", "prop_1_13")
	stab()
	// Term 2.
	esCampaign(t, c, 2)
	stab(2)
	stab(6)
	stab(2, 5, 7)
	prop(2, "prop_2_15", "prop_2_16")
	stab(2, 7)
	dropAll()
	// Term 3.
	esCampaign(t, c, 7)
	stab(7)
	stab(1, 2, 3, 4, 5, 6)
	stab(7)
	prop(7, "prop_3_18", "prop_3_19", "prop_3_20", "prop_3_21")
	stab(7)
	dropAll()
	// Term 4.
	esCampaign(t, c, 6)
	stab(1, 2, 3, 4, 5, 6)
	prop(6, "prop_4_15")
	stab(1, 2, 4, 5, 6)
	prop(6, "prop_4_16", "prop_4_17")
	stab(6)
	dropAll()
	// Term 5.
	esCampaign(t, c, 5)
	stab(1, 2, 4, 5)
	prop(5, "prop_5_17")
	stab(1, 2, 4, 5)
	dropAll()
	// Term 6.
	esCampaign(t, c, 4)
	stab(1, 2, 4, 5)
	prop(4, "prop_6_19")
	stab(1, 2, 4)
	prop(4, "prop_6_20")
	stab(1, 4)
	prop(4, "prop_6_21")
	stab(4)
	dropAll()
	// Term 7.
	esCampaign(t, c, 5)
	stab(5)
	stab(1, 3, 6, 7)
	stab(5)
	prop(5, "prop_7_20", "prop_7_21", "prop_7_22")
	stab(5)
	dropAll()

	// raft-log 1..7: Figure 7, in etcd's terms (add one for the
	// simulator's), from etcd's index 11 (the simulator's 8).
	figure7 := map[core.NodeID][]core.Term{
		1: {1, 1, 1, 4, 4, 5, 5, 6, 6, 6},
		2: {1, 1, 1, 4, 4, 5, 5, 6, 6},
		3: {1, 1, 1, 4},
		4: {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},
		5: {1, 1, 1, 4, 4, 5, 5, 6, 7, 7, 7, 7},
		6: {1, 1, 1, 4, 4, 4, 4},
		7: {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},
	}
	plusOne := func(ts []core.Term) []core.Term {
		out := make([]core.Term, len(ts))
		for i, x := range ts {
			out[i] = x + 1
		}
		return out
	}
	for _, id := range all {
		if got, want := esTerms(t, c, id, 8), plusOne(figure7[id]); !slices.Equal(got, want) {
			t.Fatalf("%s's log terms from 8: %v; want %v (Figure 7)", id, got, want)
		}
	}

	// campaign 1: term 8 (simulator 9), votes from n2, n3, n6, n7.
	esCampaign(t, c, 1)
	stab(1)
	stab(2, 3, 4, 5, 6, 7)
	resp := esHeld(c, func(m wire.MessageView) bool { return m.Type == "MsgVoteResp" })
	var granted, refused []core.NodeID
	for _, m := range resp {
		if m.Reject {
			refused = append(refused, m.From)
		} else {
			granted = append(granted, m.From)
		}
	}
	if !slices.Equal(granted, ids(2, 3, 6, 7)) || !slices.Equal(refused, ids(4, 5)) {
		t.Fatalf("votes for n1: granted by %v, refused by %v; want granted by [2 3 6 7], refused by [4 5]", granted, refused)
	}
	stab(1)
	esState(t, c, 1, core.RoleLeader, 9, 1, 15)
	if n1 := esNode(c, 1); n1.LastIndex != 18 {
		t.Fatalf("n1's log ends at %d; want its empty entry at 18", n1.LastIndex)
	}
	for _, id := range without(all, 1) {
		esWantProgress(t, c, 1, id, "probe", 0, 18)
	}

	// Recover each follower, one by one. firstAnswer is the follower's
	// first MsgAppResp: rejected or not, and the term of its log at the
	// hint (etcd's "Log:6/20 Rejected (Hint: 19)" has term 6).
	type answer struct {
		reject  bool
		logTerm core.Term
	}
	want := map[core.NodeID]answer{
		2: {true, 6 + 1}, 3: {true, 4 + 1}, 4: {false, 0},
		5: {true, 6 + 1}, 6: {true, 4 + 1}, 7: {true, 3 + 1},
	}
	for _, id := range without(all, 1) {
		got := esStabilize(t, c, 1, id)
		var first *wire.MessageView
		for i, m := range got {
			if m.From == id && m.Type == "MsgAppResp" {
				first = &got[i]
				break
			}
		}
		if first == nil {
			t.Fatalf("%s never answered n1's append", id)
		}
		if w := want[id]; first.Reject != w.reject || (w.reject && first.LogTerm != w.logTerm) {
			t.Fatalf("%s's first answer: reject %v at log term %d; want reject %v at log term %d", id, first.Reject, first.LogTerm, w.reject, w.logTerm)
		}
		esWantProgress(t, c, 1, id, "replicate", 18, 19)
	}
	esStabilize(t, c)

	final := plusOne([]core.Term{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 8})
	for _, id := range all {
		if got := esTerms(t, c, id, 8); !slices.Equal(got, final) {
			t.Fatalf("%s's log terms from 8: %v; want n1's %v", id, got, final)
		}
		role := core.RoleFollower
		if id == 1 {
			role = core.RoleLeader
		}
		esState(t, c, id, role, 9, 1, 18)
	}
	sameLogs(t, c.View(wire.MaxLogWindow))
}

// TestEtcdScenarioPreVoteCheckQuorum mirrors etcd's prevote_checkquorum.txt:
// with PreVote and CheckQuorum, a follower (n2) that campaigns while the
// others heard from the leader lately gets no pre-vote: both ignore it
// (lease not expired) and n1 keeps leading. Once n2 has not heard from the
// leader for an election timeout, it grants n3's pre-vote and vote, and n3
// wins the next term although n1, still the leader in its lease, ignores
// both. Then n1 campaigns and fails (n2 and n3 are in n3's lease), but
// when n2 campaigns, n1 (a pre-candidate, no longer following anyone)
// grants it: n2 wins the following term, n3 ignoring it to the end.
//
// Indexes: etcd's 11, 12, 13 (the empty entries of n1, n3, n2) are the
// simulator's 4, 5, 6: minus 7. Terms: etcd's plus one.
//
// Deviation: etcd's "set-randomized-election-timeout 2 timeout=5" and
// "tick-election 2" tick only n2. The simulator ticks every node with the
// clock, so the test runs it for 1.1 virtual seconds (more than the longest
// election timeout) delivering every message between n1 and n3 (heartbeats
// keep n3 following n1 and n1's quorum active) and dropping every message
// to or from n2 (n2's own pre-campaigns come to nothing, as in the
// script). How often n2 campaigns then depends on the seed; the outcome
// does not.
func TestEtcdScenarioPreVoteCheckQuorum(t *testing.T) {
	c := esCluster(t, 3, func(cfg *wire.Config) {
		cfg.Raft.PreVote = true
		cfg.Raft.CheckQuorum = true
	})
	esCampaign(t, c, 1)
	esStabilize(t, c)
	for _, id := range ids(1, 2, 3) {
		role := core.RoleFollower
		if id == 1 {
			role = core.RoleLeader
		}
		esState(t, c, id, role, 2, 1, 4)
	}

	// campaign 2: ignored by n1 and n3, lease not expired.
	since := c.EventCount()
	esCampaign(t, c, 2)
	esOnly(t, c, "2->1 MsgPreVote", "2->3 MsgPreVote")
	esStabilize(t, c)
	esOnly(t, c)
	if got := esLeaseRefusals(c, since); !slices.Equal(got, []string{"1<-2", "3<-2"}) {
		t.Fatalf("lease refusals %v; want n1 and n3 ignoring n2", got)
	}
	esState(t, c, 2, core.RolePreCandidate, 2, 0, 4)
	esState(t, c, 1, core.RoleLeader, 2, 1, 4)
	esState(t, c, 3, core.RoleFollower, 2, 1, 4)

	// n2 hears nothing from the leader for more than an election timeout.
	hbMS := int64(c.Config().Raft.HeartbeatIntervalMS)
	for elapsed := int64(0); elapsed <= 2*int64(c.Config().Raft.ElectionTimeoutMinMS); elapsed += hbMS {
		run(t, c, hbMS)
		for {
			ms := esHeld(c, nil)
			if len(ms) == 0 {
				break
			}
			for _, m := range ms {
				kind := wire.CmdDeliver
				if m.From == 2 || m.To == 2 {
					kind = wire.CmdDrop
				}
				do(t, c, wire.Command{Kind: kind, Msg: m.ID})
			}
		}
	}
	esState(t, c, 1, core.RoleLeader, 2, 1, 4)
	esState(t, c, 3, core.RoleFollower, 2, 1, 4)
	if n2 := esNode(c, 2); n2.Term != 2 || n2.Role == core.RoleLeader || n2.Role == core.RoleCandidate {
		t.Fatalf("n2 is %s in term %d; want still in term 2, not a candidate (pre-votes do not raise terms)", n2.Role, n2.Term)
	}

	// campaign 3; n2 grants its pre-vote first (deliver-msgs 2).
	esCampaign(t, c, 3)
	esOnly(t, c, "3->1 MsgPreVote", "3->2 MsgPreVote")
	esDeliverOne(t, c, 3, 2, "MsgPreVote")
	if r := esOnly(t, c, "3->1 MsgPreVote", "2->3 MsgPreVoteResp")[1]; r.Reject {
		t.Fatalf("n2 refused n3's pre-vote: %+v", r)
	}
	since = c.EventCount()
	esStabilize(t, c)
	if got := esLeaseRefusals(c, since); !slices.Equal(got, []string{"1<-3", "1<-3"}) {
		t.Fatalf("lease refusals %v; want n1 ignoring n3's pre-vote and vote", got)
	}
	esState(t, c, 3, core.RoleLeader, 3, 3, 5)
	esState(t, c, 1, core.RoleFollower, 3, 3, 5)
	esState(t, c, 2, core.RoleFollower, 3, 3, 5)

	// campaign 1: n2 and n3 are in n3's lease.
	since = c.EventCount()
	esCampaign(t, c, 1)
	esStabilize(t, c)
	if got := esLeaseRefusals(c, since); !slices.Equal(got, []string{"2<-1", "3<-1"}) {
		t.Fatalf("lease refusals %v; want n2 and n3 ignoring n1", got)
	}
	esState(t, c, 1, core.RolePreCandidate, 3, 0, 5)
	esState(t, c, 3, core.RoleLeader, 3, 3, 5)

	// campaign 2: the pre-candidate n1 grants; n3 ignores to the end.
	since = c.EventCount()
	esCampaign(t, c, 2)
	esStabilize(t, c)
	if got := esLeaseRefusals(c, since); !slices.Equal(got, []string{"3<-2", "3<-2"}) {
		t.Fatalf("lease refusals %v; want n3 ignoring n2's pre-vote and vote", got)
	}
	esState(t, c, 2, core.RoleLeader, 4, 2, 6)
	esState(t, c, 1, core.RoleFollower, 4, 2, 6)
	esState(t, c, 3, core.RoleFollower, 4, 2, 6)
	for _, id := range ids(1, 2, 3) {
		if got := esTerms(t, c, id, 4); !slices.Equal(got, []core.Term{2, 3, 4}) {
			t.Fatalf("%s's log terms from 4: %v; want [2 3 4]", id, got)
		}
	}
}
