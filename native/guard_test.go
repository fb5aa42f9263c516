package native

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// A panic inside etcd Raft (here: a heartbeat whose commit is past the
// follower's last index, stepped straight into its RaftNode, past every
// guard) stops that node, with its reason in its view and the trace; the
// process and the other nodes go on, and the node restarts from its
// storage.
func TestAPanicStopsOneNodeNotTheProcess(t *testing.T) {
	c := startCluster(t, testConfig(3))
	l := waitLeader(t, c)
	mustSet(t, c, "a", "1")
	f := core.NodeID(1)
	if f == l.ID {
		f = 2
	}
	r := c.current()
	in := r.all()[f-1].running()
	err := in.do(func() {
		last, _ := in.rn.Storage().LastIndex()
		_ = in.rn.Step(&pb.Message{Type: pb.MsgHeartbeat.Enum(), From: proto.Uint64(uint64(l.ID)), To: proto.Uint64(uint64(f)),
			Term: proto.Uint64(uint64(in.rn.Term())), Commit: proto.Uint64(last + 100)})
	})
	if !errors.Is(err, ErrNodeDown) {
		t.Fatalf("do = %v, want ErrNodeDown", err)
	}
	nv := nodeView(c, f)
	if nv.Up || !strings.Contains(nv.Error, "etcd Raft panicked") || !strings.Contains(nv.Error, "tocommit") {
		t.Fatalf("%s: up %v, error %q", f, nv.Up, nv.Error)
	}
	evs := c.Frame(0, false, 0, wire.ViewOptions{}).Events
	if !slices.ContainsFunc(evs, func(e wire.Event) bool {
		return e.Kind == wire.EvCrash && e.Node == f && strings.Contains(e.Text, "etcd Raft panicked")
	}) {
		t.Fatal("no crash event naming the panic")
	}
	mustSet(t, c, "b", "2")
	mustApply(t, c, wire.Command{Kind: wire.CmdRestart, Node: f})
	waitFor(t, 10*time.Second, "the restarted node applies b", func() bool {
		v, ok := kvOf(nodeView(c, f), "b")
		return ok && v == "2"
	})
}

// joinSilent adds a remote member that never answers: the tests speak for
// it through Deliver.
func joinSilent(t *testing.T, c *Cluster) *Remote {
	t.Helper()
	rm, err := c.AddRemote(ctxT(t), func(*pb.Message) {})
	if err != nil {
		t.Fatalf("AddRemote: %v", err)
	}
	return rm
}

// grantAll records that every native node granted rm its vote at term, as
// if it had won an election: what a member may then send as leader is
// refused only for what it says.
func grantAll(c *Cluster, rm *Remote, term core.Term) {
	for _, n := range c.current().all() {
		rm.granted(term, n.id)
	}
}

// follower returns a native node that does not lead, and its view.
func follower(t *testing.T, c *Cluster) wire.NodeView {
	t.Helper()
	var f wire.NodeView
	waitFor(t, 10*time.Second, "a native follower of a native leader", func() bool {
		v := view(c)
		v.Nodes = v.Nodes[:len(c.current().all())]
		l, ok := leaderOf(v)
		if !ok {
			return false
		}
		for _, n := range v.Nodes {
			if n.ID != l.ID {
				f = n
				return true
			}
		}
		return false
	})
	return f
}

// assertHealthy checks that every native node is up, the cluster takes a
// write, and every native node holds want.
func assertHealthy(t *testing.T, c *Cluster, want map[string]string) {
	t.Helper()
	mustSet(t, c, "after", "ok")
	want["after"] = "ok"
	waitFor(t, 10*time.Second, "every native node up and holding every key", func() bool {
		for _, n := range view(c).Nodes[:len(c.current().all())] {
			if !n.Up {
				t.Fatalf("%s is down: %s", n.ID, n.Error)
			}
			for k, v := range want {
				if got, ok := kvOf(n, k); !ok || got != v {
					return false
				}
			}
		}
		return true
	})
}

func msg(typ pb.MessageType, from, to core.NodeID, term core.Term) *pb.Message {
	return &pb.Message{Type: typ.Enum(), From: proto.Uint64(uint64(from)), To: proto.Uint64(uint64(to)), Term: proto.Uint64(uint64(term))}
}

func mustRefuse(t *testing.T, rm *Remote, m *pb.Message, want string) {
	t.Helper()
	err := rm.Deliver(m)
	if !errors.Is(err, ErrBadRemoteMessage) || !strings.Contains(err.Error(), want) {
		t.Errorf("Deliver(%s) = %v, want ErrBadRemoteMessage saying %q", m.GetType(), err, want)
	}
}

// A heartbeat from a member at the follower's term whose commit is past
// the follower's last index made etcd panic ("tocommit(X) is out of
// range"), which killed the process; it is refused, even from a member
// that won its term's votes.
func TestHeartbeatCommitPastLastIndexIsRefused(t *testing.T) {
	c := startCluster(t, testConfig(3))
	mustSet(t, c, "a", "1")
	rm := joinSilent(t, c)
	f := follower(t, c)
	grantAll(c, rm, f.Term)
	m := msg(pb.MsgHeartbeat, rm.ID(), f.ID, f.Term)
	m.Commit = proto.Uint64(uint64(f.LastIndex) + 100)
	mustRefuse(t, rm, m, "past")
	assertHealthy(t, c, map[string]string{"a": "1"})
}

// A heartbeat at term 2^64-1 made etcd panic too; no honest member's term
// runs that far ahead of the cluster's.
func TestMaxTermHeartbeatIsRefused(t *testing.T) {
	c := startCluster(t, testConfig(3))
	mustSet(t, c, "a", "1")
	rm := joinSilent(t, c)
	f := follower(t, c)
	grantAll(c, rm, ^core.Term(0))
	mustRefuse(t, rm, msg(pb.MsgHeartbeat, rm.ID(), f.ID, ^core.Term(0)), "term")
	assertHealthy(t, c, map[string]string{"a": "1"})
}

// A well-formed snapshot from a member, installed on one follower, spread
// to every node and wiped every key. Members may not send snapshots.
func TestForgedSnapshotIsRefused(t *testing.T) {
	c := startCluster(t, testConfig(3))
	mustSet(t, c, "a", "1")
	rm := joinSilent(t, c)
	f := follower(t, c)
	grantAll(c, rm, f.Term)
	idx := uint64(f.LastIndex) + 10
	sm := statemachine.New()
	data := sm.Snapshot()
	data[1] = byte(idx) // applied index, one uvarint byte
	m := msg(pb.MsgSnap, rm.ID(), f.ID, f.Term)
	m.Snapshot = &pb.Snapshot{Data: data, Metadata: &pb.SnapshotMetadata{
		Index: proto.Uint64(idx), Term: proto.Uint64(uint64(f.Term)),
		ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3, uint64(rm.ID())}},
	}}
	mustRefuse(t, rm, m, "snapshot")
	assertHealthy(t, c, map[string]string{"a": "1"})
}

// A MsgApp at the next term, from a member no native node voted for,
// made a follower commit a value at an index where the rest of the
// cluster holds another.
func TestMsgAppAtNextTermIsRefused(t *testing.T) {
	c := startCluster(t, testConfig(3))
	mustSet(t, c, "a", "1")
	rm := joinSilent(t, c)
	f := follower(t, c)
	st := c.current().all()[f.ID-1].storage()
	last, _ := st.LastIndex()
	lt, _ := st.Term(last)
	next := uint64(f.Term) + 1
	m := msg(pb.MsgApp, rm.ID(), f.ID, core.Term(next))
	m.Index, m.LogTerm, m.Commit = proto.Uint64(last), proto.Uint64(lt), proto.Uint64(last+1)
	m.Entries = []*pb.Entry{{Type: pb.EntryNormal.Enum(), Term: proto.Uint64(next), Index: proto.Uint64(last + 1),
		Data: statemachine.Set("a", "forged").Encode()}}
	mustRefuse(t, rm, m, "vote")
	assertHealthy(t, c, map[string]string{"a": "1"})
}

// Five joins on a five-node cluster that then stayed silent made ten
// voters, whose quorum of six the native nodes could no longer make:
// every write, and the removal that would have freed them, waited
// forever. Now the fifth joins as a learner (the native nodes stay a
// quorum of their own), and silent members are removed.
func TestFiveSilentJoinsDoNotTakeTheQuorum(t *testing.T) {
	c := startCluster(t, testConfig(5))
	c.SetMemberSilence(time.Hour)
	mustSet(t, c, "a", "1")
	var rms []*Remote
	for range 5 {
		rms = append(rms, joinSilent(t, c))
	}
	for i, rm := range rms {
		if want := i == 4; rm.Learner() != want {
			t.Fatalf("%s: learner %v, want %v", rm.ID(), rm.Learner(), want)
		}
	}
	mustSet(t, c, "b", "2")
	c.SetMemberSilence(50 * time.Millisecond)
	waitFor(t, 10*time.Second, "the silent members removed", func() bool {
		if len(c.Remotes()) != 0 {
			return false
		}
		for _, n := range view(c).Nodes[:5] {
			if !slices.Equal(n.Voters, []core.NodeID{1, 2, 3, 4, 5}) {
				return false
			}
		}
		return true
	})
	f := c.Frame(0, false, 0, wire.ViewOptions{})
	if !slices.ContainsFunc(f.Events, func(e wire.Event) bool { return strings.Contains(e.Text, "n10 left: nothing heard from it for") }) {
		t.Error("no event says n10 was removed for its silence")
	}
	if !slices.ContainsFunc(f.Events, func(e wire.Event) bool {
		return strings.Contains(e.Text, "n10 joined from the page: asking the leader to add it as a learner")
	}) {
		t.Error("no event says n10 joined as a learner")
	}
	assertHealthy(t, c, map[string]string{"a": "1", "b": "2"})
}

// A member sending 4 MB entries took the process from 68 MB to 1.7 GB,
// kept in every node's log. Entries from members are bounded, so the heap
// stays where it was however many it sends.
func TestMemberBigEntriesDoNotGrowTheProcess(t *testing.T) {
	c := startCluster(t, testConfig(3))
	mustSet(t, c, "a", "1")
	rm := joinSilent(t, c)
	f := follower(t, c)
	grantAll(c, rm, f.Term)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	last := uint64(f.LastIndex)
	lt, _ := c.current().all()[f.ID-1].storage().Term(last)
	const sends, size = 50, 4 << 20
	for i := range uint64(sends) {
		m := msg(pb.MsgApp, rm.ID(), f.ID, f.Term)
		m.Index, m.LogTerm, m.Commit = proto.Uint64(last+i), proto.Uint64(lt), proto.Uint64(uint64(f.Commit))
		m.Entries = []*pb.Entry{{Type: pb.EntryNormal.Enum(), Term: proto.Uint64(uint64(f.Term)), Index: proto.Uint64(last + i + 1),
			Data: statemachine.Set(fmt.Sprintf("big%d", i), strings.Repeat("x", size)).Encode()}}
		lt = uint64(f.Term)
		mustRefuse(t, rm, m, "limited")
	}
	grown := int64(heap()) - int64(before)
	t.Logf("heap %d MB before, grew %d MB after %d MsgApps of a %d MB entry", before>>20, grown>>20, sends, size>>20)
	if grown > 32<<20 {
		t.Fatalf("the heap grew by %d MB", grown>>20)
	}
	assertHealthy(t, c, map[string]string{"a": "1"})
}

// The checks on a member's message, one by one, against a node at term 5
// with entries 1-10 of term 2 (index 1-6) and 5 (7-10), committed to 8.
func TestMemberMessageChecks(t *testing.T) {
	tg := target{term: 5, commit: 8, last: 10, termAt: func(i uint64) (uint64, error) {
		if i <= 6 {
			return 2, nil
		}
		return 5, nil
	}}
	ent := func(i, term uint64, size int) *pb.Entry {
		return &pb.Entry{Type: pb.EntryNormal.Enum(), Index: proto.Uint64(i), Term: proto.Uint64(term), Data: make([]byte, size)}
	}
	app := func(term, index, logTerm uint64, ents ...*pb.Entry) *pb.Message {
		m := msg(pb.MsgApp, 4, 1, core.Term(term))
		m.Index, m.LogTerm, m.Entries = proto.Uint64(index), proto.Uint64(logTerm), ents
		return m
	}
	withCommit := func(m *pb.Message, c uint64) *pb.Message { m.Commit = proto.Uint64(c); return m }
	resp := func(term, index uint64) *pb.Message {
		m := msg(pb.MsgAppResp, 4, 1, core.Term(term))
		m.Index = proto.Uint64(index)
		return m
	}
	many := make([]*pb.Entry, maxMemberEntries+1)
	for i := range many {
		many[i] = ent(uint64(11+i), 5, 0)
	}
	for _, tc := range []struct {
		name string
		m    *pb.Message
		want string // "" if accepted
	}{
		{"honest append", withCommit(app(5, 10, 5, ent(11, 5, 100), ent(12, 5, 100)), 12), ""},
		{"honest append overlapping the committed prefix", app(5, 6, 2, ent(7, 5, 0), ent(8, 5, 0), ent(9, 5, 0)), ""},
		{"uncommitted entries replaced", app(6, 8, 5, ent(9, 6, 0), ent(10, 6, 0)), ""},
		{"honest heartbeat", withCommit(msg(pb.MsgHeartbeat, 4, 1, 5), 10), ""},
		{"proposal", msg(pb.MsgProp, 4, 1, 5), "not sent between nodes"},
		{"forget leader", msg(pb.MsgForgetLeader, 4, 1, 5), "not sent between nodes"},
		{"snapshot", msg(pb.MsgSnap, 4, 1, 5), "snapshots"},
		{"entry too large", app(5, 10, 5, ent(11, 5, MaxMemberEntryBytes)), "limited"},
		{"too many entries", app(5, 10, 5, many...), "limited to 4096"},
		{"term near 2^64", msg(pb.MsgVote, 4, 1, maxSaneTerm+1), "near 2^64"},
		{"index near 2^64", app(5, maxSaneIndex+1, 5), "near 2^64"},
		{"gap", app(5, 10, 5, ent(12, 5, 0)), "without gaps"},
		{"entry from a later term", app(5, 10, 5, ent(11, 6, 0)), "out of order"},
		{"log term from the future", app(5, 10, 6), "from its future"},
		{"entries on a vote", func() *pb.Message { m := msg(pb.MsgVote, 4, 1, 6); m.Entries = []*pb.Entry{ent(1, 1, 0)}; return m }(), "carries entries"},
		{"heartbeat past the last index", withCommit(msg(pb.MsgHeartbeat, 4, 1, 5), 11), "past"},
		{"committed entry rewritten", app(5, 6, 2, ent(7, 4, 0)), "committed entries never change"},
		{"acknowledgement past the last index", resp(5, 11), "never sent"},
		{"stale acknowledgement", resp(4, 11), ""},
		{"read-index request", msg(pb.MsgReadIndex, 4, 1, 0), ""},
		{"read-index request with a term", msg(pb.MsgReadIndex, 4, 1, 5), "without a term"},
		{"leadership request", msg(pb.MsgTransferLeader, 4, 1, 0), ""},
		{"leadership request with a term", msg(pb.MsgTransferLeader, 4, 1, 5), "without a term"},
		{"acknowledgement without a term", resp(0, 11), "without a term"},
		{"heartbeat without a term", withCommit(msg(pb.MsgHeartbeat, 4, 1, 0), 11), "without a term"},
		{"vote without a term", msg(pb.MsgVote, 4, 1, 0), "without a term"},
	} {
		err := checkShape(tc.m)
		if err == nil {
			err = checkAgainst(tc.m, tg)
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.want != "" && (!errors.Is(err, ErrBadRemoteMessage) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want a refusal saying %q", tc.name, err, tc.want)
		}
	}
}
