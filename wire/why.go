package wire

import (
	"fmt"
	"slices"
	"strings"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
)

// This file answers causal questions ("why?") from a trace: why a node has
// its role, term, vote, commit index or applied index, why an entry is not
// committed, what became of a message. An answer is the chain of events
// that led there, oldest first, each happening before the next (Lamport's
// happens-before: a delivery after its send, a node's event after its
// earlier events, a command before what it caused), and the same in words:
// the event asked about, then each cause with what it was to the next. It
// reads the events given (a cluster's kept trace) and the view of now;
// what happened before the first event given is said to be earlier than
// the trace. The code is kept small (it runs in the page's engine): causes
// are found by patterns and said with the events' own texts.

// WhyAbout names what a causal question asks about.
type WhyAbout string

// The causal questions.
const (
	// WhyRole: why the node has its role (its last role change).
	WhyRole WhyAbout = "role"
	// WhyTerm: why the node is in its term (its last term change).
	WhyTerm WhyAbout = "term"
	// WhyVote: why the node voted as it did last (or refused).
	WhyVote WhyAbout = "vote"
	// WhyCommit: why the node's commit index is what it is.
	WhyCommit WhyAbout = "commit"
	// WhyApplied: why the node applied up to where it did.
	WhyApplied WhyAbout = "applied"
	// WhyEntry: why entry Index is not committed yet (or when it was).
	WhyEntry WhyAbout = "entry"
	// WhyMessage: what became of message Msg: delivered, answered,
	// rejected (with etcd's hint), lost.
	WhyMessage WhyAbout = "message"
)

// WhyAbouts returns the questions Why answers, in the order of the
// constants: the words the request table (ReqWhy's about) takes.
func WhyAbouts() []WhyAbout {
	r, _ := RequestRuleOf(ReqWhy)
	out := make([]WhyAbout, len(r.Args[0].Words))
	for i, w := range r.Args[0].Words {
		out[i] = WhyAbout(w)
	}
	return out
}

// WhyQuestion is a causal question: About, of node Node (every question
// but WhyMessage), entry Index (WhyEntry), message Msg (WhyMessage).
type WhyQuestion struct {
	About WhyAbout      `json:"about"`
	Node  core.NodeID   `json:"node,omitempty"`
	Index core.LogIndex `json:"index,omitempty"`
	Msg   uint64        `json:"msg,omitempty"`
}

// WhyStep is one event of a causal chain: the event (Seq, At, Node, Text)
// and what it was to the answer (Because: "" for the event asked about).
type WhyStep struct {
	Seq     uint64      `json:"seq"`
	At      int64       `json:"at"`
	Node    core.NodeID `json:"node,omitempty"`
	Text    string      `json:"text"`
	Because string      `json:"because,omitempty"`
}

// WhyAnswer answers a WhyQuestion: Text in a few sentences, and Chain,
// the events that led there, oldest first, each happening before the next;
// for a question about an event, the last is that event. It is empty when
// that event is earlier than the trace; for an entry not committed it holds
// the events behind the state of now (a crash, a cut), in trace order.
type WhyAnswer struct {
	Question WhyQuestion `json:"question"`
	Text     string      `json:"text"`
	Chain    []WhyStep   `json:"chain"`
}

// maxWhyChain bounds a causal chain.
const maxWhyChain = 12

// Why answers q from events (oldest first, as a cluster keeps them) and v,
// the view of now. A question about a node v does not show, an entry past
// the leader's log, or a message the trace does not hold, returns an error
// wrapping ErrUnknownNode, ErrImpossible or ErrUnknownMessage.
func Why(events []Event, v View, q WhyQuestion) (WhyAnswer, error) {
	w := &why{ev: events, v: v, q: q}
	if q.About != WhyMessage && w.node(q.Node) == nil {
		return WhyAnswer{}, fmt.Errorf("%w: why: node %d is not in the view", ErrUnknownNode, q.Node)
	}
	var err error
	switch q.About {
	case WhyRole, WhyTerm, WhyVote, WhyCommit, WhyApplied:
		w.state()
	case WhyEntry:
		err = w.entry()
	case WhyMessage:
		err = w.message()
	default:
		r, _ := RequestRuleOf(ReqWhy)
		return WhyAnswer{}, BadRequest("why: about %q; ask about %s", q.About, strings.Join(r.Args[0].Words, ", "))
	}
	if err != nil {
		return WhyAnswer{}, err
	}
	text := w.text
	for _, s := range w.chain {
		if s.Because != "" {
			text = append(text, s.Because+": "+strings.TrimSuffix(s.Text, ".")+" ("+seconds(s.At)+").")
		}
	}
	// The chain was built from the effect back; it reads oldest first.
	// (For an entry, whose causes come in any order: by trace order.)
	for i := 1; i < len(w.chain); i++ {
		for j := i; j > 0 && w.chain[j].Seq > w.chain[j-1].Seq; j-- {
			w.chain[j], w.chain[j-1] = w.chain[j-1], w.chain[j]
		}
	}
	slices.Reverse(w.chain)
	return WhyAnswer{Question: q, Text: strings.Join(text, " "), Chain: w.chain}, nil
}

// why is one answer being built.
type why struct {
	ev    []Event
	v     View
	q     WhyQuestion
	chain []WhyStep // from the effect back (or any order, for an entry)
	text  []string  // sentences of the answer's own
}

// node returns node id's view, or nil.
func (w *why) node(id core.NodeID) *NodeView {
	for i := range w.v.Nodes {
		if w.v.Nodes[i].ID == id {
			return &w.v.Nodes[i]
		}
	}
	return nil
}

// say adds a sentence.
func (w *why) say(s string) { w.text = append(w.text, s) }

// add puts event i in the chain with what it was (because) and reports
// whether it did: it must come before every event there already, unless
// any is set (the causes of an entry's state).
func (w *why) add(i int, because string, any bool) bool {
	if i < 0 || len(w.chain) >= maxWhyChain {
		return false
	}
	e := &w.ev[i]
	for _, s := range w.chain {
		if s.Seq == e.Seq || (!any && e.Seq > s.Seq) {
			return false
		}
	}
	w.chain = append(w.chain, WhyStep{Seq: e.Seq, At: e.At, Node: e.Node, Text: w.ev[i].Read().Text, Because: because})
	return true
}

// Match kinds for a pattern's typ: a leader's message to its followers,
// an answer to a message.
const (
	typLeader = "\x00leader"
	typResp   = "\x00resp"
)

// pat is what an event is searched for by: its kind and, where set, its
// node, peer, time (at >= 0), message type (or typLeader, typResp), term
// and message.
type pat struct {
	kind EventKind
	node core.NodeID
	peer core.NodeID
	at   int64
	typ  string
	term core.Term
	msg  uint64
}

// any is a pattern's at that matches any time.
const anyTime = -1

func (p *pat) match(e *Event) bool {
	switch {
	case e.Kind != p.kind, p.node != 0 && e.Node != p.node, p.peer != 0 && e.Peer != p.peer,
		p.at != anyTime && e.At != p.at, p.term != 0 && e.Term != p.term, p.msg != 0 && e.Msg != p.msg:
		return false
	case p.typ == typLeader:
		return e.Type == "MsgApp" || e.Type == "MsgHeartbeat" || e.Type == "MsgSnap"
	case p.typ == typResp:
		return strings.HasSuffix(e.Type, "Resp")
	}
	return p.typ == "" || e.Type == p.typ
}

// last returns the position of the newest event before position before
// that matches p, or -1.
func (w *why) last(before int, p pat) int {
	for i := min(before, len(w.ev)) - 1; i >= 0; i-- {
		if p.match(&w.ev[i]) {
			return i
		}
	}
	return -1
}

// next returns the position of the oldest event from position from that
// matches p, or -1.
func (w *why) next(from int, p pat) int {
	for i := max(from, 0); i < len(w.ev); i++ {
		if p.match(&w.ev[i]) {
			return i
		}
	}
	return -1
}

// voteName is a vote in words: the node voted for, or "none".
func voteName(v core.NodeID) string {
	if v == 0 {
		return "none"
	}
	return v.String()
}

// seconds writes virtual ms as seconds: "2.310 s".
func seconds(ms int64) string { return fmt.Sprintf("%d.%03d s", ms/1000, ms%1000) }

// stateKinds are the events that set what each question about a node's
// state asks about.
var stateKinds = map[WhyAbout]EventKind{WhyRole: EvRole, WhyTerm: EvTerm, WhyVote: EvVote, WhyCommit: EvCommit, WhyApplied: EvApply}

// state answers a question about a node's role, term, vote, commit or
// applied index: the newest event that set it, then its causes.
func (w *why) state() {
	n := w.q.Node
	i := w.last(len(w.ev), pat{kind: stateKinds[w.q.About], node: n, at: anyTime})
	if w.q.About == WhyApplied {
		// A snapshot installed sets it too.
		i = max(i, w.last(len(w.ev), pat{kind: EvSnapshotInstall, node: n, at: anyTime}))
	}
	if i < 0 {
		nv := w.node(n)
		if len(w.ev) > 0 && w.ev[0].Seq > 1 {
			w.say(fmt.Sprintf("Its %s (%s: role %s, term %d, vote %s, commit %d, applied %d) was set before the kept trace, which begins at event %d at %s: seek back, or ask again after the next change.",
				w.q.About, n, nv.Role, nv.Term, voteName(nv.Vote), nv.Commit, nv.Applied, w.ev[0].Seq, seconds(w.ev[0].At)))
		} else {
			w.say(fmt.Sprintf("%s's %s has not changed since it started (role %s, term %d, vote %s, commit %d, applied %d).", n, w.q.About, nv.Role, nv.Term, voteName(nv.Vote), nv.Commit, nv.Applied))
		}
		return
	}
	w.add(i, "", false)
	w.say(strings.TrimSuffix(w.ev[i].Read().Text, ".") + " (" + seconds(w.ev[i].At) + ").")
	w.causes(i, 0)
}

// causes adds the causes of event i to the chain, depth levels down.
func (w *why) causes(i, depth int) {
	if depth > 4 || i < 0 {
		return
	}
	e := &w.ev[i]
	n, at := e.Node, e.At
	same := func(k EventKind) pat { return pat{kind: k, node: n, at: at} }
	switch e.Kind {
	case EvRole:
		switch core.Role(e.Type) {
		case core.RolePreCandidate:
			w.campaign(i)
		case core.RoleCandidate:
			// With pre-vote, a candidate is a pre-candidate that won.
			if p := w.last(i, pat{kind: EvRole, node: n, at: anyTime}); p >= 0 && w.ev[p].Type == string(core.RolePreCandidate) {
				if w.add(p, "Its pre-vote had succeeded; it had become pre-candidate", false) {
					w.campaign(p)
				}
				return
			}
			w.campaign(i)
		case core.RoleLeader:
			w.leader(i)
		default:
			if d := w.last(i, same(EvDeliver)); d >= 0 && w.add(d, "It stepped down on hearing of a higher term or a leader", false) {
				w.causes(d, depth+1)
			} else if r := w.last(i, same(EvRestart)); r >= 0 {
				w.add(r, "It restarted", false)
			}
		}
	case EvTerm:
		if r := w.next(i, pat{kind: EvRole, node: n, at: at, typ: string(core.RoleCandidate)}); r >= 0 {
			w.say("It started an election: a candidate moves to the next term.")
			w.campaign(r)
		} else if d := w.last(i, pat{kind: EvDeliver, node: n, at: at, term: e.Term}); d >= 0 && w.add(d, "A message carried the higher term, and a node always moves to a higher term it hears of", false) {
			w.causes(d, depth+1)
		} else if r := w.last(i, same(EvRestart)); r >= 0 {
			w.add(r, "It restarted with that term in its storage", false)
		}
	case EvVote:
		if e.Peer == n {
			if r := w.next(i, pat{kind: EvRole, node: n, at: at, typ: string(core.RoleCandidate)}); r >= 0 {
				w.say("A candidate votes for itself as it starts its election.")
				w.campaign(r)
			}
			return
		}
		if e.Type != "refused" {
			w.say("It had not voted in that term, and the candidate's log was at least as up to date as its own.")
		}
		if d := w.last(i, pat{kind: EvDeliver, node: n, peer: e.Peer, at: anyTime, typ: "MsgVote"}); d >= 0 && w.add(d, "It was asked", false) {
			w.causes(d, depth+1)
		} else if d := w.last(i, pat{kind: EvDeliver, node: n, peer: e.Peer, at: anyTime, typ: "MsgPreVote"}); d >= 0 && w.add(d, "It was asked", false) {
			w.causes(d, depth+1)
		}
	case EvCommit:
		if d := w.last(i, pat{kind: EvDeliver, node: n, at: at, typ: "MsgAppResp"}); d >= 0 {
			w.say(fmt.Sprintf("As leader it counted the acknowledgements of %s for index %d: with its own, a majority of the voters hold it.", NodeList(w.acks(i)), e.Index2))
			if w.add(d, "The acknowledgement that made the majority", false) {
				w.causes(d, depth+1)
			}
		} else if d := w.last(i, pat{kind: EvDeliver, node: n, at: at, typ: typLeader}); d >= 0 && w.add(d, "Its leader told it", false) {
			w.causes(d, depth+1)
			if c := w.last(d, pat{kind: EvCommit, node: e.Peer, at: anyTime}); c >= 0 {
				w.add(c, "The leader had committed", false)
			}
		} else if r := w.last(i, same(EvRestart)); r >= 0 {
			w.add(r, "It restarted", false)
		} else if r := w.last(i, same(EvSnapshotInstall)); r >= 0 {
			w.add(r, "It installed a snapshot", false)
		}
	case EvApply:
		w.say("A node applies entries, in order, once it knows they are committed.")
		if c := w.last(i, pat{kind: EvCommit, node: n, at: anyTime}); c >= 0 {
			w.add(c, "It learnt they were committed", false)
		}
	case EvDeliver:
		// A delivery follows its send; the sender's term, if the message
		// brought a new one.
		if s := w.last(i, pat{kind: EvSend, at: anyTime, msg: e.Msg}); s >= 0 && w.add(s, "It was sent", false) {
			if t := w.last(s, pat{kind: EvTerm, node: e.Peer, at: anyTime, term: e.Term}); t >= 0 {
				w.add(t, "The sender had moved to that term", false)
			}
		}
	}
}

// campaign adds why the campaign that started with role event i began: a
// forced timeout, a leader's hand-off, or its election timer, with why it
// heard nothing from a leader.
func (w *why) campaign(i int) {
	e := &w.ev[i]
	n, at := e.Node, e.At
	if c := w.last(i, pat{kind: EvCommand, node: n, at: at}); c >= 0 {
		w.add(c, "It campaigned because of your command", false)
		return
	}
	if d := w.last(i, pat{kind: EvDeliver, node: n, at: at, typ: "MsgTimeoutNow"}); d >= 0 {
		w.add(d, "Its leader told it to campaign (a leadership transfer)", false)
		return
	}
	t := w.last(i, pat{kind: EvTimeout, node: n, at: at})
	if !w.add(t, "Its election timer ran out", false) {
		return
	}
	// The last message it had from a leader, unless its role changed
	// since (a leader that stepped down hears from none).
	h := w.last(t, pat{kind: EvDeliver, node: n, at: anyTime, typ: typLeader})
	if p := w.last(t, pat{kind: EvRole, node: n, at: anyTime}); p > h {
		w.add(w.cutOf(p, t, n, 0), "Its links had been cut", false)
		w.add(p, "No leader's message reached it since", false)
		return
	}
	if h < 0 {
		w.say("It had heard from no leader in the kept trace.")
		return
	}
	leader := w.ev[h].Peer
	// What stopped the leader's messages after it: a cut, a crash, a loss,
	// the leader stepping down.
	stop := w.cutOf(h, t, n, leader)
	because := "Then the link was cut"
	for _, p := range []struct {
		p       pat
		because string
	}{
		{pat{kind: EvCrash, node: leader, at: anyTime}, "Then the leader crashed"},
		{pat{kind: EvDrop, node: leader, peer: n, at: anyTime}, "Then its messages were lost"},
		{pat{kind: EvRole, node: leader, at: anyTime}, "Then the leader stepped down"},
	} {
		if s := w.next(h+1, p.p); s >= 0 && s < t && (stop < 0 || s < stop) {
			stop, because = s, p.because
		}
	}
	if stop < 0 {
		w.say("Nothing in the trace stopped its leader's messages: they came late (latency), or none was sent in time.")
	}
	w.add(stop, because, false)
	w.add(h, "The last message it had from its leader", false)
}

// cutOf returns the newest cut between positions after and before that
// cuts node n off (from peer, if peer is not 0), or -1.
func (w *why) cutOf(after, before int, n, peer core.NodeID) int {
	for i := before - 1; i > after; i-- {
		e := &w.ev[i]
		if e.Kind != EvPartition {
			continue
		}
		switch {
		case e.Node == 0, e.Peer == 0 && (e.Node == n || e.Node == peer),
			e.Node == n && (peer == 0 || e.Peer == peer), e.Peer == n && (peer == 0 || e.Node == peer):
			return i
		}
	}
	return -1
}

// leader adds the votes that won the election of role event i, then how
// its campaign began.
func (w *why) leader(i int) {
	e := &w.ev[i]
	n := e.Node
	var voters []core.NodeID
	got := -1
	start := w.last(i, pat{kind: EvRole, node: n, at: anyTime, typ: string(core.RoleCandidate)})
	for j := i - 1; j > start; j-- {
		x := &w.ev[j]
		if x.Kind == EvDeliver && x.Node == n && x.Term == e.Term && x.Type == "MsgVoteResp" {
			if m := x.Message(); m != nil && !m.GetReject() {
				voters = append(voters, x.Peer)
				got = max(got, j)
			}
		}
	}
	slices.Sort(voters)
	if len(voters) > 0 {
		w.say("It won with its own vote and those of " + NodeList(voters) + ": a majority of the voters.")
	}
	if w.add(got, "The vote that made the majority arrived", false) {
		w.add(w.last(got, pat{kind: EvVote, node: w.ev[got].Peer, peer: n, at: anyTime}), "It was granted", false)
	}
	if w.add(start, "It had started the election", false) {
		w.causes(start, 1)
	}
}

// acks lists the nodes whose MsgAppResp to leader ev[i].Node acknowledged
// index ev[i].Index2 or beyond in its term, before position i.
func (w *why) acks(i int) []core.NodeID {
	c := &w.ev[i]
	var out []core.NodeID
	for j := i - 1; j >= 0; j-- {
		e := &w.ev[j]
		if e.Kind == EvRole && e.Node == c.Node {
			break // its term as leader started here
		}
		if e.Kind == EvDeliver && e.Node == c.Node && e.Type == "MsgAppResp" && e.Term == c.Term && !slices.Contains(out, e.Peer) {
			if m := e.Message(); m != nil && !m.GetReject() && core.LogIndex(m.GetIndex()) >= c.Index2 {
				out = append(out, e.Peer)
			}
		}
	}
	slices.Sort(out)
	return out
}

// entry explains why entry Index is not committed yet, from the view of
// now, or when it was.
func (w *why) entry() error {
	n, idx := w.q.Node, w.q.Index
	nv := w.node(n)
	if idx == 0 {
		return BadRequest("why: entry: index 0; entries start at 1")
	}
	if idx <= nv.Commit {
		c := w.next(0, pat{kind: EvCommit, node: n, at: anyTime})
		for c >= 0 && w.ev[c].Index2 < idx {
			c = w.next(c+1, pat{kind: EvCommit, node: n, at: anyTime})
		}
		w.say(fmt.Sprintf("Entry %d is committed on %s (commit index %d).", idx, n, nv.Commit))
		w.add(c, "It learnt it", true)
		return nil
	}
	var l *NodeView
	for i := range w.v.Nodes {
		if x := &w.v.Nodes[i]; x.Up && !x.Left && x.Role == core.RoleLeader && (l == nil || x.Term > l.Term) {
			l = x
		}
	}
	switch {
	case l == nil:
		w.say(fmt.Sprintf("Entry %d is not committed on %s (commit index %d), and no node leads now: only a leader commits, so it waits for an election.", idx, n, nv.Commit))
		return nil
	case idx > l.LastIndex:
		return fmt.Errorf("%w: why: entry %d: leader %s's log ends at %d", ErrImpossible, idx, l.ID, l.LastIndex)
	case idx <= l.Commit:
		w.say(fmt.Sprintf("Entry %d is committed on leader %s (commit index %d), but %s has not heard yet (its commit index is %d): the leader's next append or heartbeat tells it.", idx, l.ID, l.Commit, n, nv.Commit))
		return nil
	}
	w.say(fmt.Sprintf("Entry %d is not committed: leader %s commits it once a majority of the voters hold it in its term.", idx, l.ID))
	have := []core.NodeID{}
	var why []string
	for _, p := range l.Progress {
		switch {
		case !slices.Contains(l.Voters, p.ID) && !slices.Contains(l.VotersOutgoing, p.ID):
		case p.Match >= idx:
			have = append(have, p.ID)
		default:
			why = append(why, w.lacking(l, p))
		}
	}
	short := false
	for _, set := range [][]core.NodeID{l.Voters, l.VotersOutgoing} {
		k := 0
		for _, v := range set {
			if slices.Contains(have, v) {
				k++
			}
		}
		if len(set) > 0 && k <= len(set)/2 {
			short = true
			w.say(fmt.Sprintf("Now %d of the voters (%s) hold it, %d are needed.", k, NodeList(set), len(set)/2+1))
		}
	}
	if !short {
		w.say("A majority holds it; the leader commits it with its next round (an entry of an earlier term waits for one of the leader's own term).")
	}
	w.text = append(w.text, why...)
	return nil
}

// lacking says why voter p, as leader l's progress shows it, lacks the
// entry: down, its link cut, behind in probe or snapshot state, a window
// full; the event behind it goes in the chain.
func (w *why) lacking(l *NodeView, p core.PeerProgress) string {
	pv := w.node(p.ID)
	cut := slices.ContainsFunc(w.v.Cuts, func(k Link) bool {
		return (k.From == l.ID && k.To == p.ID) || (k.From == p.ID && k.To == l.ID)
	})
	switch {
	case pv == nil || !pv.Up:
		w.add(w.last(len(w.ev), pat{kind: EvCrash, node: p.ID, at: anyTime}), p.ID.String()+" crashed", true)
		return p.ID.String() + " lacks it: it is down."
	case cut:
		w.add(w.cutOf(-1, len(w.ev), p.ID, l.ID), "The link was cut", true)
		return fmt.Sprintf("%s lacks it: the link between %s and %s is cut.", p.ID, l.ID, p.ID)
	case p.State == "snapshot":
		return fmt.Sprintf("%s lacks it: it is being sent a snapshot (up to %d); the entries it needed were compacted.", p.ID, p.PendingSnapshot)
	case p.State == "probe":
		return fmt.Sprintf("%s lacks it: the leader is probing where its log matches (it holds up to %d, next to send %d), one append at a time until it answers.", p.ID, p.Match, p.Next)
	case p.InflightFull:
		return fmt.Sprintf("%s lacks it: the leader's window of appends in flight to it is full (%d); it waits for acknowledgements.", p.ID, p.Inflight)
	}
	return fmt.Sprintf("%s lacks it: it holds up to %d; the append is on its way, or was lost and will be sent again.", p.ID, p.Match)
}

// message says what became of message Msg: its send, its delivery or loss,
// and the answer its receiver sent at once, with etcd's reject hint.
func (w *why) message() error {
	id := w.q.Msg
	s := w.next(0, pat{kind: EvSend, at: anyTime, msg: id})
	if s < 0 {
		return fmt.Errorf("%w: why: message %d is not in the kept trace", ErrUnknownMessage, id)
	}
	se := &w.ev[s]
	w.say(fmt.Sprintf("Message %d, a %s from %s to %s in term %d, left at %s.", id, se.Type, se.Node, se.Peer, se.Term, seconds(se.At)))
	d := w.next(s+1, pat{kind: EvDeliver, at: anyTime, msg: id})
	if x := w.next(s+1, pat{kind: EvDrop, at: anyTime, msg: id}); x >= 0 && (d < 0 || x < d) {
		w.add(x, "It was lost", false)
		w.add(s, "It was sent", false)
		return nil
	}
	if d < 0 {
		w.say("It has not arrived yet: it is in flight.")
		w.add(s, "It was sent", false)
		return nil
	}
	de := &w.ev[d]
	r := w.next(d+1, pat{kind: EvSend, node: de.Node, peer: de.Peer, at: de.At, typ: typResp})
	w.add(r, "Its receiver answered", false)
	w.add(d, "It arrived", false)
	w.add(s, "It was sent", false)
	if v := w.next(d+1, pat{kind: EvVote, node: de.Node, peer: de.Peer, at: de.At, typ: "refused"}); v >= 0 {
		w.say(w.ev[v].Read().Text + ".")
	}
	if r < 0 {
		return nil
	}
	m, req := w.ev[r].Message(), se.Message()
	switch {
	case m == nil || !m.GetReject():
		w.say("It was accepted.")
	case req != nil && m.GetType() == pb.MsgAppResp:
		w.say(fmt.Sprintf("%s rejected it: its log does not hold the entry the append follows (index %d of term %d); its hint, %d (of term %d), tells the leader where to look for the entry both logs hold, to send from there.",
			de.Node, req.GetIndex(), req.GetLogTerm(), m.GetRejectHint(), m.GetLogTerm()))
	default:
		w.say(fmt.Sprintf("%s rejected it (hint %d).", de.Node, m.GetRejectHint()))
	}
	return nil
}
