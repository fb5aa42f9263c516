package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/internal/member"
	"github.com/seshat-raft/seshat/native"
	"github.com/seshat-raft/seshat/wire"
)

// joinNative is the dev server's Options.Join for a native cluster.
func joinNative(c *native.Cluster) JoinFunc {
	return func(ctx context.Context, id core.NodeID, send func(*pb.Message)) (Member, error) {
		rm, err := c.AddRemoteAs(ctx, id, send)
		if err != nil {
			return nil, err
		}
		return rm, nil
	}
}

// mixedConfig is a native cluster with short ticks, as native's tests use.
func mixedConfig(nodes int) wire.Config {
	cfg := wire.DefaultConfig()
	cfg.Nodes = nodes
	cfg.Raft.HeartbeatIntervalMS = 10
	cfg.Raft.ElectionTimeoutMinMS = 200
	cfg.Raft.ElectionTimeoutMaxMS = 400
	cfg.Network = wire.NetworkConfig{MinLatencyMS: 0, MaxLatencyMS: 2}
	return cfg
}

// startMixed starts a native cluster of nodes nodes (mixedConfig),
// stopped when the test ends.
func startMixed(t *testing.T, nodes int) *native.Cluster {
	t.Helper()
	c, err := native.Start(mixedConfig(nodes))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// pageNode is what a page does after "Join from this page", in Go: it
// sends join over the websocket, starts an internal/member node with the
// id and tuning answered, ticks it every heartbeat of wall time and relays
// raftpb binary frames both ways. Every call on the member and every write
// happen under mu.
type pageNode struct {
	t    *testing.T
	conn *websocket.Conn

	mu      sync.Mutex
	m       *member.Member
	early   [][]byte       // frames that came before the join reply
	sent    []*pb.Message  // every message the member sent
	got     []*pb.Message  // every message the member stepped
	errs    []string       // error replies of the bridge
	joined  chan JoinReply // the join reply
	stopped chan struct{}  // closed when the relay ends
	quit    chan struct{}
	wg      sync.WaitGroup
}

// joinPage connects to srv, joins, and runs the member until the test ends
// or close is called. slower multiplies the member's election timeout.
func joinPage(t *testing.T, srv string, slower int) (*pageNode, JoinReply) {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(srv, nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	p := &pageNode{t: t, conn: conn, joined: make(chan JoinReply, 1), stopped: make(chan struct{}), quit: make(chan struct{})}
	t.Cleanup(p.close)
	p.wg.Add(1)
	go p.read()
	p.mu.Lock()
	err = conn.WriteMessage(websocket.TextMessage, []byte(`{"id":1,"op":"join","args":{}}`))
	p.mu.Unlock()
	if err != nil {
		t.Fatalf("send join: %v", err)
	}
	var jr JoinReply
	select {
	case jr = <-p.joined:
	case <-p.stopped:
		t.Fatalf("the connection ended before join answered: %v", p.errors())
	case <-time.After(wait):
		t.Fatalf("join did not answer: %v", p.errors())
	}
	rc := jr.Raft
	rc.ElectionTimeoutMinMS *= slower
	rc.ElectionTimeoutMaxMS *= slower
	m, err := member.New(jr.Node, rc)
	if err != nil {
		t.Fatalf("member.New: %v", err)
	}
	p.mu.Lock()
	p.m = m
	early := p.early
	p.early = nil
	for _, data := range early {
		p.stepLocked(data)
	}
	p.mu.Unlock()
	p.wg.Add(1)
	go p.tick(time.Duration(rc.HeartbeatIntervalMS) * time.Millisecond)
	return p, jr
}

// read relays the bridge's frames until the connection ends.
func (p *pageNode) read() {
	defer p.wg.Done()
	defer close(p.stopped)
	for {
		typ, data, err := p.conn.ReadMessage()
		if err != nil {
			return
		}
		if typ == websocket.BinaryMessage {
			p.mu.Lock()
			if p.m == nil {
				p.early = append(p.early, data)
			} else {
				p.stepLocked(data)
			}
			p.mu.Unlock()
			continue
		}
		var w struct {
			ID    uint64          `json:"id"`
			Reply *wireAnswer     `json:"reply"`
			Push  string          `json:"push"`
			Rest  json.RawMessage `json:"frame"`
		}
		if err := json.Unmarshal(data, &w); err != nil || w.Reply == nil {
			continue
		}
		if w.ID == 1 && w.Reply.OK {
			var jr JoinReply
			if err := json.Unmarshal(w.Reply.Result, &jr); err == nil {
				p.joined <- jr
				continue
			}
		}
		if !w.Reply.OK {
			p.mu.Lock()
			p.errs = append(p.errs, w.Reply.Error)
			p.mu.Unlock()
		}
	}
}

// tick ticks the member every heartbeat interval until close.
func (p *pageNode) tick(every time.Duration) {
	defer p.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-p.stopped:
			return
		case <-t.C:
			p.mu.Lock()
			out, err := p.m.Tick()
			if err != nil {
				p.errs = append(p.errs, err.Error())
			}
			p.sendLocked(out)
			p.mu.Unlock()
		}
	}
}

// stepLocked steps one frame and sends what the member answers; mu is held.
func (p *pageNode) stepLocked(data []byte) {
	msg, err := member.Unmarshal(data)
	if err != nil {
		p.errs = append(p.errs, err.Error())
		return
	}
	p.got = append(p.got, msg)
	out, err := p.m.Step(msg)
	if err != nil {
		p.errs = append(p.errs, err.Error())
	}
	p.sendLocked(out)
}

// sendLocked writes messages as binary frames; mu is held. A failed write
// is the connection ending: the reader notices.
func (p *pageNode) sendLocked(out []*pb.Message) {
	for _, msg := range out {
		p.sent = append(p.sent, msg)
		data, err := member.Marshal(msg)
		if err != nil {
			p.errs = append(p.errs, err.Error())
			continue
		}
		p.conn.SetWriteDeadline(time.Now().Add(wait))
		if err := p.conn.WriteMessage(websocket.BinaryMessage, data); err != nil {
			return
		}
	}
}

// transfer asks the member, which leads, to hand leadership to to.
func (p *pageNode) transfer(to core.NodeID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out, err := p.m.TransferLeadership(to)
	if err != nil {
		p.t.Fatalf("transfer to %s: %v", to, err)
	}
	p.sendLocked(out)
}

// writeRaw writes one frame as the page would.
func (p *pageNode) writeRaw(typ int, data []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conn.SetWriteDeadline(time.Now().Add(wait))
	if err := p.conn.WriteMessage(typ, data); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// view returns the member's view.
func (p *pageNode) view() wire.NodeView {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m.View()
}

// errors returns the error replies and member errors so far.
func (p *pageNode) errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.errs)
}

// sentWhere returns the member's sent messages that match f.
func (p *pageNode) sentWhere(f func(*pb.Message) bool) []*pb.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*pb.Message
	for _, m := range p.sent {
		if f(m) {
			out = append(out, m)
		}
	}
	return out
}

// gotWhere returns the messages the member received that match f.
func (p *pageNode) gotWhere(f func(*pb.Message) bool) []*pb.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*pb.Message
	for _, m := range p.got {
		if f(m) {
			out = append(out, m)
		}
	}
	return out
}

// close closes the page's connection and waits for its goroutines.
func (p *pageNode) close() {
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	p.conn.Close()
	p.wg.Wait()
}

// clusterLeader returns the leader of the highest term among the native
// nodes and remote members in the cluster's view, or 0.
func clusterLeader(c *native.Cluster) (core.NodeID, core.Term) {
	var id core.NodeID
	var term core.Term
	for _, n := range c.Frame(^uint64(0), true, 1, wire.ViewOptions{LogWindow: 1}).View.Nodes {
		if n.Up && n.Role == core.RoleLeader && n.Term >= term {
			id, term = n.ID, n.Term
		}
	}
	return id, term
}

// nativeVoters returns the membership a native leader has applied.
func nativeVoters(c *native.Cluster) []core.NodeID {
	for _, n := range c.Frame(^uint64(0), true, 1, wire.ViewOptions{LogWindow: 1}).View.Nodes {
		if n.Up && !n.Left && n.Role == core.RoleLeader && len(n.Progress) > 0 {
			return n.Voters
		}
	}
	return nil
}

// TestPageMemberVotesAndApplies is issue 5's mixed cluster: a node run by
// the page's member code (internal/member, which the wasm engine serves)
// joins a native 3-node cluster through the bridge, its raft messages
// crossing the websocket as raftpb binary frames. It applies writes
// proposed on the native nodes, then its vote elects the next leader: with
// 4 voters and the native leader crashed, no leader can be elected
// without it. When the page goes away it is removed with ConfChange
// RemoveNode.
func TestPageMemberVotesAndApplies(t *testing.T) {
	c := startMixed(t, 3)
	b, srv := serve(t, c, Options{Join: joinNative(c)})
	ctx, cancel := context.WithTimeout(context.Background(), 4*wait)
	defer cancel()
	if _, err := c.Set(ctx, "before", "join"); err != nil {
		t.Fatalf("set before join: %v", err)
	}

	// The member's election timeout is four times the natives': a native
	// usually wins the election below, and the member's vote decides it.
	p, jr := joinPage(t, wsURL(srv), 4)
	if jr.Node != 4 || !slices.Equal(jr.Peers, []core.NodeID{1, 2, 3}) || jr.Raft.HeartbeatIntervalMS != 10 {
		t.Fatalf("join = %+v", jr)
	}
	if got := nativeVoters(c); !slices.Equal(got, []core.NodeID{1, 2, 3, 4}) {
		t.Fatalf("after join the leader's voters are %v", got)
	}

	// Writes proposed on a native node reach the member's state machine,
	// with the log from index 1 (the founding membership included).
	for i := range 5 {
		if _, err := c.Set(ctx, fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i)); err != nil {
			t.Fatalf("set k%d: %v", i, err)
		}
	}
	eventually(t, "the member applies every write", func() bool {
		v := p.view()
		return v.Applied > 0 && kvHas(v, "before", "join") && kvHas(v, "k4", "v4")
	})
	v := p.view()
	if !slices.Equal(v.Voters, []core.NodeID{1, 2, 3, 4}) || v.Role != core.RoleFollower {
		t.Fatalf("member view %+v", v)
	}

	// The page reports its node's state: the cluster's view shows it.
	report, err := json.Marshal(map[string]any{"id": 2, "op": "report", "args": p.view()})
	if err != nil {
		t.Fatal(err)
	}
	p.writeRaw(websocket.TextMessage, report)
	eventually(t, "the report shown", func() bool {
		for _, n := range c.Frame(^uint64(0), true, 1, wire.ViewOptions{LogWindow: 0}).View.Nodes {
			if n.ID == 4 {
				return n.Applied > 0 && len(n.Log) > 0 && slices.Contains(n.KV.Pairs, wire.KVPair{Key: "k4", Value: "v4"})
			}
		}
		return false
	})

	// The cluster's view shows the member as a node, and the join event.
	f := c.Frame(0, true, 0, wire.ViewOptions{LogWindow: 0})
	var shown *wire.NodeView
	for i := range f.View.Nodes {
		if f.View.Nodes[i].ID == 4 {
			shown = &f.View.Nodes[i]
		}
	}
	if shown == nil || !shown.Up || shown.LastIndex == 0 {
		t.Fatalf("the view does not show n4 up with its log: %+v", f.View.Nodes)
	}
	if !slices.ContainsFunc(f.Events, func(e wire.Event) bool { return strings.Contains(e.Text, "n4 joined from the page") }) {
		t.Errorf("no join event")
	}

	// Crash the native leader: of the 4 voters, the 3 left (n4 included)
	// are all needed to elect the next one.
	old, oldTerm := clusterLeader(c)
	if old == 0 || old == 4 {
		t.Fatalf("leader before the crash: %s", old)
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdCrash, Node: old}); err != nil {
		t.Fatal(err)
	}
	var leader core.NodeID
	var term core.Term
	eventually(t, "a new leader elected with the member's vote", func() bool {
		leader, term = clusterLeader(c)
		return leader != 0 && leader != old && term > oldTerm
	})
	if leader == 4 {
		// The member won (its timeout fired first): both natives left
		// granted it their votes. It hands leadership to one of them,
		// which needs the member's vote in turn.
		granted := p.gotWhere(func(m *pb.Message) bool {
			return m.GetType() == pb.MsgVoteResp && !m.GetReject() && core.Term(m.GetTerm()) == term
		})
		if len(granted) < 2 {
			t.Fatalf("n4 leads term %d with %d granted votes", term, len(granted))
		}
		t.Logf("the page's member won the election of term %d; it hands leadership over", term)
		target := core.NodeID(1)
		for target == old {
			target++
		}
		p.transfer(target)
		won := term
		eventually(t, "a native leader after the transfer", func() bool {
			leader, term = clusterLeader(c)
			return leader != 0 && leader != 4 && term > won
		})
	}
	votes := p.sentWhere(func(m *pb.Message) bool {
		return m.GetType() == pb.MsgVoteResp && !m.GetReject() && core.Term(m.GetTerm()) == term && core.NodeID(m.GetTo()) == leader
	})
	if len(votes) == 0 {
		t.Fatalf("%s leads term %d without a vote from the member; the member sent %d messages", leader, term, len(p.sentWhere(func(*pb.Message) bool { return true })))
	}
	// The native leader's own account names the member among its voters.
	f = c.Frame(0, true, 0, wire.ViewOptions{LogWindow: 0})
	want := fmt.Sprintf("%s became leader in term %d with votes from", leader, term)
	if !slices.ContainsFunc(f.Events, func(e wire.Event) bool {
		return strings.HasPrefix(e.Text, want) && strings.Contains(e.Text, "n4")
	}) {
		t.Errorf("no event %q naming n4", want)
	}
	t.Logf("n4 granted its vote to %s in term %d", leader, term)

	// The new leader's writes reach the member too.
	if _, err := c.Set(ctx, "after", "election"); err != nil {
		t.Fatalf("set after the election: %v", err)
	}
	eventually(t, "the member applies the new leader's write", func() bool { return kvHas(p.view(), "after", "election") })

	// Malformed binary frames are answered and dropped; nothing else changes.
	p.writeRaw(websocket.BinaryMessage, []byte{0xff, 0xff, 0xff})
	p.writeRaw(websocket.BinaryMessage, mustMarshal(t, &pb.Message{Type: pb.MsgHeartbeatResp.Enum(), From: ptrU(2), To: ptrU(1)}))
	eventually(t, "two error replies", func() bool { return len(p.errors()) >= 2 })
	for _, e := range p.errors() {
		if !strings.Contains(e, "not a raftpb.Message") && !strings.Contains(e, "from n2, but this member is n4") {
			t.Errorf("unexpected error %q", e)
		}
	}

	// The page goes away: the member is removed once a quorum of the
	// 4 voters can commit that (the crashed node restarted).
	if err := c.Apply(wire.Command{Kind: wire.CmdRestart, Node: old}); err != nil {
		t.Fatal(err)
	}
	p.close()
	eventually(t, "the member removed", func() bool {
		return len(c.Remotes()) == 0 && slices.Equal(nativeVoters(c), []core.NodeID{1, 2, 3})
	})
	var st ClientStats
	for _, cs := range b.Stats().Clients {
		if cs.Member == 4 {
			st = cs
		}
	}
	if st.RaftIn == 0 || st.RaftOut == 0 || st.RaftRefused != 2 {
		t.Errorf("stats %+v", st)
	}
	if _, err := c.Set(ctx, "after", "leave"); err != nil {
		t.Fatalf("set after the member left: %v", err)
	}
}

func kvHas(v wire.NodeView, key, value string) bool {
	for _, kv := range v.KV.Pairs {
		if kv.Key == key {
			return kv.Value == value
		}
	}
	return false
}

func mustMarshal(t *testing.T, m *pb.Message) []byte {
	t.Helper()
	data, err := member.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func ptrU(v uint64) *uint64 { return &v }

// TestNativeWritesTakeLeadershipBackFromThePage hands leadership to the
// page's node (a transfer command can now name it), then writes through the
// native cluster: the native nodes cannot propose on the page's node, so one
// of them asks it for leadership (a forwarded MsgTransferLeader) and the
// writes go through.
func TestNativeWritesTakeLeadershipBackFromThePage(t *testing.T) {
	c := startMixed(t, 3)
	_, srv := serve(t, c, Options{Join: joinNative(c)})
	ctx, cancel := context.WithTimeout(context.Background(), 4*wait)
	defer cancel()
	if _, err := c.Set(ctx, "before", "join"); err != nil {
		t.Fatalf("set before join: %v", err)
	}
	// The page's node never times out by itself here: it leads only when
	// handed leadership.
	p, jr := joinPage(t, wsURL(srv), 50)
	eventually(t, "the member to catch up", func() bool { return kvHas(p.view(), "before", "join") })
	if err := c.Apply(wire.Command{Kind: wire.CmdTransfer, Node: jr.Node}); err != nil {
		t.Fatalf("transfer to the page's node: %v", err)
	}
	eventually(t, "the page's node to lead", func() bool { return p.view().Role == core.RoleLeader })

	if _, err := c.Set(ctx, "after", "reclaim"); err != nil {
		t.Fatalf("a native write while the page's node leads: %v", err)
	}
	if l, _ := clusterLeader(c); l == 0 || l == jr.Node {
		t.Fatalf("after the write the leader is %s, want a native node", l)
	}
	reclaimed := false
	for _, e := range c.Frame(0, true, 0, wire.ViewOptions{LogWindow: 0}).Events {
		reclaimed = reclaimed || (e.Type == "reclaim" && e.Peer == jr.Node)
	}
	if !reclaimed {
		t.Fatal("no event says a native node asked the page's node for leadership")
	}
	eventually(t, "the member to apply the write", func() bool { return kvHas(p.view(), "after", "reclaim") })
	if err := c.Apply(wire.Command{Kind: wire.CmdTransfer, Node: 9}); !errors.Is(err, wire.ErrUnknownNode) {
		t.Fatalf("transfer to a node that does not exist: %v", err)
	}
	// An honest member, leading or following, is never refused.
	if errs := p.errors(); len(errs) > 0 {
		t.Fatalf("the page's member got errors: %q", errs)
	}
}

// A native cluster keeps a quorum of its own: on one native node there is
// no room for a voter hosted elsewhere, so the page joins as a learner,
// says so in its join reply, and still receives every write.
func TestPageBeyondTheVoterLimitJoinsAsLearner(t *testing.T) {
	c := startMixed(t, 1)
	_, srv := serve(t, c, Options{Join: joinNative(c)})
	ctx, cancel := context.WithTimeout(context.Background(), 4*wait)
	defer cancel()
	if _, err := c.Set(ctx, "before", "join"); err != nil {
		t.Fatalf("set before join: %v", err)
	}
	p, jr := joinPage(t, wsURL(srv), 1)
	if jr.Node != 2 || !jr.Learner {
		t.Fatalf("join reply %+v, want n2 as a learner", jr)
	}
	if _, err := c.Set(ctx, "after", "join"); err != nil {
		t.Fatalf("set after join: %v", err)
	}
	eventually(t, "the learner to apply both writes", func() bool {
		return kvHas(p.view(), "before", "join") && kvHas(p.view(), "after", "join")
	})
	if errs := p.errors(); len(errs) > 0 {
		t.Fatalf("the page's member got errors: %q", errs)
	}
}
