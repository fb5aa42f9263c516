package wire

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
)

// trace is a hand-made trace: each event gets the next Seq.
type trace struct{ ev []Event }

func (t *trace) add(e Event) uint64 {
	e.Seq = uint64(len(t.ev) + 1)
	if e.Text == "" {
		e.Text = fmt.Sprintf("%s of %s", e.Kind, e.Node)
	}
	t.ev = append(t.ev, e)
	return e.Seq
}

// whyView is a view of nodes 1 to 3, up, in term 3, n1 leading.
func whyView() View {
	v := View{}
	for id := core.NodeID(1); id <= 3; id++ {
		v.Nodes = append(v.Nodes, NodeView{ID: id, Up: true, Role: core.RoleFollower, Term: 3, Leader: 1, Voters: []core.NodeID{1, 2, 3}})
	}
	v.Nodes[0].Role = core.RoleLeader
	return v
}

// seqs lists a chain's event numbers.
func seqs(a WhyAnswer) []uint64 {
	out := make([]uint64, len(a.Chain))
	for i, s := range a.Chain {
		out[i] = s.Seq
	}
	return out
}

func mustWhy(t *testing.T, events []Event, v View, q WhyQuestion) WhyAnswer {
	t.Helper()
	a, err := Why(events, v, q)
	if err != nil {
		t.Fatalf("Why(%+v): %v", q, err)
	}
	return a
}

func wantText(t *testing.T, a WhyAnswer, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(a.Text, p) {
			t.Errorf("answer %q lacks %q", a.Text, p)
		}
	}
}

func wantChain(t *testing.T, a WhyAnswer, want ...uint64) {
	t.Helper()
	if got := seqs(a); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("chain %v, want %v (%q)", got, want, a.Text)
	}
}

// The example: a follower whose leader's link was cut campaigns
// when its timer runs out; the answer names the last heartbeat and the cut.
func TestWhyRoleNamesTheCut(t *testing.T) {
	var tr trace
	tr.add(Event{At: 100, Kind: EvRole, Node: 1, Term: 2, Type: string(core.RoleLeader), Text: "n1 became leader in term 2"})
	hb := tr.add(Event{At: 1290, Kind: EvDeliver, Node: 3, Peer: 1, Term: 2, Type: "MsgHeartbeat", Msg: 40, Text: "delivered 1->3 MsgHeartbeat Term:2"})
	cut := tr.add(Event{At: 1300, Kind: EvPartition, Node: 1, Peer: 3, Text: "cut the link n1↔n3"})
	tr.add(Event{At: 1500, Kind: EvDrop, Node: 1, Peer: 3, Msg: 41, Type: "MsgHeartbeat", Text: "dropped MsgHeartbeat n1→n3: the link n1→n3 is cut"})
	to := tr.add(Event{At: 2310, Kind: EvTimeout, Node: 3, Term: 2, Text: "n3's election timeout fired after 12 ticks without hearing from a leader"})
	role := tr.add(Event{At: 2310, Kind: EvRole, Node: 3, Term: 3, Type: string(core.RoleCandidate), Text: "n3 became candidate in term 3 and asked for votes"})
	v := whyView()
	v.Nodes[2].Role = core.RoleCandidate
	a := mustWhy(t, tr.ev, v, WhyQuestion{About: WhyRole, Node: 3})
	wantText(t, a, "n3 became candidate in term 3 and asked for votes (2.310 s).", "Its election timer ran out: n3's election timeout fired after 12 ticks without hearing from a leader (2.310 s).",
		"Then the link was cut: cut the link n1↔n3 (1.300 s).", "The last message it had from its leader: delivered 1->3 MsgHeartbeat Term:2 (1.290 s).")
	wantChain(t, a, hb, cut, to, role)
}

// A campaign forced by a command is said to be the command's.
func TestWhyRoleOfACommandedCampaign(t *testing.T) {
	var tr trace
	cmd := tr.add(Event{At: 700, Kind: EvCommand, Node: 2, Type: string(CmdCampaign), Text: "forced n2's election timeout"})
	role := tr.add(Event{At: 700, Kind: EvRole, Node: 2, Term: 3, Type: string(core.RoleCandidate), Text: "n2 became candidate in term 3"})
	a := mustWhy(t, tr.ev, whyView(), WhyQuestion{About: WhyRole, Node: 2})
	wantText(t, a, "It campaigned because of your command: forced n2's election timeout (0.700 s).")
	wantChain(t, a, cmd, role)
}

// A leader's answer names its voters and, through the vote it was sent,
// how its campaign began.
func TestWhyLeaderNamesItsVoters(t *testing.T) {
	var tr trace
	to := tr.add(Event{At: 1000, Kind: EvTimeout, Node: 1, Term: 1, Text: "n1's election timeout fired"})
	cand := tr.add(Event{At: 1000, Kind: EvRole, Node: 1, Term: 2, Type: string(core.RoleCandidate), Text: "n1 became candidate in term 2"})
	tr.add(Event{At: 1000, Kind: EvSend, Node: 1, Peer: 2, Term: 2, Type: "MsgVote", Msg: 5})
	tr.add(Event{At: 1010, Kind: EvDeliver, Node: 2, Peer: 1, Term: 2, Type: "MsgVote", Msg: 5})
	vote := tr.add(Event{At: 1010, Kind: EvVote, Node: 2, Peer: 1, Term: 2, Text: "n2 voted for n1 in term 2"})
	tr.add(Event{At: 1010, Kind: EvSend, Node: 2, Peer: 1, Term: 2, Type: "MsgVoteResp", Msg: 6}.WithMessage(&pb.Message{Type: pb.MsgVoteResp.Enum()}))
	resp := tr.add(Event{At: 1020, Kind: EvDeliver, Node: 1, Peer: 2, Term: 2, Type: "MsgVoteResp", Msg: 6}.WithMessage(&pb.Message{Type: pb.MsgVoteResp.Enum()}))
	// A refusal does not count.
	tr.add(Event{At: 1021, Kind: EvDeliver, Node: 1, Peer: 3, Term: 2, Type: "MsgVoteResp", Msg: 8}.WithMessage(&pb.Message{Type: pb.MsgVoteResp.Enum(), Reject: new(true)}))
	lead := tr.add(Event{At: 1021, Kind: EvRole, Node: 1, Term: 2, Type: string(core.RoleLeader), Text: "n1 became leader in term 2 with votes from n1, n2"})
	a := mustWhy(t, tr.ev, whyView(), WhyQuestion{About: WhyRole, Node: 1})
	wantText(t, a, "with its own vote and those of n2:", "It was granted: n2 voted for n1 in term 2 (1.010 s).", "It had started the election: n1 became candidate in term 2 (1.000 s).", "Its election timer ran out: n1's election timeout fired (1.000 s).")
	wantChain(t, a, to, cand, vote, resp, lead)
}

// A term learnt from a message follows that message back to its sender's
// term.
func TestWhyTermFromAHigherTerm(t *testing.T) {
	var tr trace
	peer := tr.add(Event{At: 50, Kind: EvTerm, Node: 3, Term: 4, Text: "n3 moved to term 4"})
	send := tr.add(Event{At: 50, Kind: EvSend, Node: 3, Peer: 2, Term: 4, Type: "MsgVote", Msg: 9, Text: "sent 3->2 MsgVote Term:4"})
	got := tr.add(Event{At: 60, Kind: EvDeliver, Node: 2, Peer: 3, Term: 4, Type: "MsgVote", Msg: 9, Text: "delivered 3->2 MsgVote Term:4"})
	term := tr.add(Event{At: 60, Kind: EvTerm, Node: 2, Term: 4, Text: "n2 moved to term 4"})
	a := mustWhy(t, tr.ev, whyView(), WhyQuestion{About: WhyTerm, Node: 2})
	wantText(t, a, "n2 moved to term 4 (0.060 s).", "A message carried the higher term, and a node always moves to a higher term it hears of: delivered 3->2 MsgVote Term:4 (0.060 s).",
		"It was sent: sent 3->2 MsgVote Term:4 (0.050 s).", "The sender had moved to that term: n3 moved to term 4 (0.050 s).")
	wantChain(t, a, peer, send, got, term)
}

// A refused vote says etcd's reason.
func TestWhyVoteRefused(t *testing.T) {
	var tr trace
	ask := tr.add(Event{At: 10, Kind: EvDeliver, Node: 2, Peer: 3, Term: 5, Type: "MsgVote", Msg: 2, Text: "delivered 3->2 MsgVote Term:5"})
	no := tr.add(Event{At: 10, Kind: EvVote, Node: 2, Peer: 3, Term: 5, Type: "refused", Text: "n2 refused n3's vote for term 5: its log is more up to date"})
	a := mustWhy(t, tr.ev, whyView(), WhyQuestion{About: WhyVote, Node: 2})
	wantText(t, a, "n2 refused n3's vote for term 5: its log is more up to date (0.010 s).", "It was asked: delivered 3->2 MsgVote Term:5 (0.010 s).")
	wantChain(t, a, ask, no)
}

// A follower's commit index comes from its leader's message; a leader's
// from the acknowledgements.
func TestWhyCommit(t *testing.T) {
	var tr trace
	lead := tr.add(Event{At: 5, Kind: EvRole, Node: 1, Term: 3, Type: string(core.RoleLeader)})
	ack := func(from core.NodeID, index uint64, at int64) uint64 {
		return tr.add(Event{At: at, Kind: EvDeliver, Node: 1, Peer: from, Term: 3, Type: "MsgAppResp", Msg: uint64(at)}.WithMessage(&pb.Message{Type: pb.MsgAppResp.Enum(), Index: new(index)}))
	}
	ack(3, 4, 20) // an older acknowledgement: not enough
	last := ack(2, 7, 30)
	commit := tr.add(Event{At: 30, Kind: EvCommit, Node: 1, Term: 3, Index: 5, Index2: 7, Text: "n1 learnt that entries up to 7 are committed"})
	send := tr.add(Event{At: 30, Kind: EvSend, Node: 1, Peer: 3, Term: 3, Type: "MsgApp", Msg: 50})
	got := tr.add(Event{At: 35, Kind: EvDeliver, Node: 3, Peer: 1, Term: 3, Type: "MsgApp", Msg: 50, Text: "delivered 1->3 MsgApp Commit:7"})
	fc := tr.add(Event{At: 35, Kind: EvCommit, Node: 3, Term: 3, Index: 5, Index2: 7})
	a := mustWhy(t, tr.ev, whyView(), WhyQuestion{About: WhyCommit, Node: 1})
	wantText(t, a, "n1 learnt that entries up to 7 are committed (0.030 s).", "acknowledgements of n2 for index 7")
	wantChain(t, a, last, commit)
	a = mustWhy(t, tr.ev, whyView(), WhyQuestion{About: WhyCommit, Node: 3})
	wantText(t, a, "Its leader told it: delivered 1->3 MsgApp Commit:7 (0.035 s).", "The leader had committed: n1 learnt that entries up to 7 are committed (0.030 s).")
	wantChain(t, a, commit, send, got, fc)
	_ = lead
}

// An entry not committed: the voters that lack it, and why.
func TestWhyEntryNotCommitted(t *testing.T) {
	var tr trace
	crash := tr.add(Event{At: 100, Kind: EvCrash, Node: 2, Text: "n2 crashed"})
	cut := tr.add(Event{At: 200, Kind: EvPartition, Node: 1, Peer: 3, Text: "cut the link n1↔n3"})
	v := whyView()
	v.Nodes[0].Commit, v.Nodes[0].LastIndex = 4, 6
	v.Nodes[0].Progress = []core.PeerProgress{{ID: 1, Match: 6, State: "replicate"}, {ID: 2, Match: 4, State: "probe"}, {ID: 3, Match: 4, State: "replicate"}}
	v.Nodes[1].Up = false
	v.Cuts = []Link{{From: 1, To: 3}, {From: 3, To: 1}}
	a := mustWhy(t, tr.ev, v, WhyQuestion{About: WhyEntry, Node: 1, Index: 5})
	wantText(t, a, "Entry 5 is not committed", "1 of the voters (n1, n2, n3) hold it, 2 are needed",
		"n2 lacks it: it is down.", "n3 lacks it: the link between n1 and n3 is cut.", "n2 crashed: n2 crashed (0.100 s).", "The link was cut: cut the link n1↔n3 (0.200 s).")
	wantChain(t, a, crash, cut)

	v.Nodes[0].Progress[2].Match = 5
	v.Cuts = nil
	a = mustWhy(t, tr.ev, v, WhyQuestion{About: WhyEntry, Node: 1, Index: 5})
	wantText(t, a, "A majority holds it")
	if _, err := Why(tr.ev, v, WhyQuestion{About: WhyEntry, Node: 1, Index: 9}); !errors.Is(err, ErrImpossible) {
		t.Fatalf("an entry past the leader's log: %v", err)
	}
}

// A rejected append: the receiver's answer and its hint.
func TestWhyMessageRejected(t *testing.T) {
	var tr trace
	send := tr.add(Event{At: 10, Kind: EvSend, Node: 1, Peer: 2, Term: 3, Type: "MsgApp", Msg: 7}.WithMessage(&pb.Message{Type: pb.MsgApp.Enum(), Index: new(uint64(6)), LogTerm: new(uint64(2))}))
	got := tr.add(Event{At: 12, Kind: EvDeliver, Node: 2, Peer: 1, Term: 3, Type: "MsgApp", Msg: 7})
	resp := tr.add(Event{At: 12, Kind: EvSend, Node: 2, Peer: 1, Term: 3, Type: "MsgAppResp", Msg: 8}.WithMessage(&pb.Message{Type: pb.MsgAppResp.Enum(), Reject: new(true), RejectHint: new(uint64(4)), LogTerm: new(uint64(1))}))
	a := mustWhy(t, tr.ev, whyView(), WhyQuestion{About: WhyMessage, Msg: 7})
	wantText(t, a, "Message 7, a MsgApp from n1 to n2 in term 3, left at 0.010 s", "n2 rejected it", "(index 6 of term 2)", "its hint, 4 (of term 1)")
	wantChain(t, a, send, got, resp)

	lost := tr.add(Event{At: 20, Kind: EvSend, Node: 1, Peer: 3, Term: 3, Type: "MsgApp", Msg: 9})
	drop := tr.add(Event{At: 25, Kind: EvDrop, Node: 1, Peer: 3, Msg: 9, Type: "MsgApp", Text: "dropped MsgApp n1→n3: lost by the network"})
	a = mustWhy(t, tr.ev, whyView(), WhyQuestion{About: WhyMessage, Msg: 9})
	wantText(t, a, "It was lost: dropped MsgApp n1→n3: lost by the network (0.025 s).")
	wantChain(t, a, lost, drop)
	if _, err := Why(tr.ev, whyView(), WhyQuestion{About: WhyMessage, Msg: 99}); !errors.Is(err, ErrUnknownMessage) {
		t.Fatalf("a message not in the trace: %v", err)
	}
}

// What happened before the trace is said to be, and bad questions are
// refused.
func TestWhyEarlierAndBadQuestions(t *testing.T) {
	tr := []Event{{Seq: 500, At: 9000, Kind: EvSend, Node: 1, Peer: 2, Text: "sent"}}
	a := mustWhy(t, tr, whyView(), WhyQuestion{About: WhyRole, Node: 2})
	wantText(t, a, "was set before the kept trace, which begins at event 500 at 9.000 s")
	if len(a.Chain) != 0 {
		t.Fatalf("chain %v", a.Chain)
	}
	a = mustWhy(t, nil, whyView(), WhyQuestion{About: WhyRole, Node: 2})
	wantText(t, a, "n2's role has not changed since it started (role follower, term 3, vote none")
	if _, err := Why(tr, whyView(), WhyQuestion{About: WhyRole, Node: 7}); !errors.Is(err, ErrUnknownNode) {
		t.Fatalf("an unknown node: %v", err)
	}
	if _, err := Why(tr, whyView(), WhyQuestion{About: "weather", Node: 1}); err == nil || !strings.Contains(err.Error(), `about "weather"; ask about role, term, vote, commit, applied, entry, message`) {
		t.Fatalf("an unknown question: %v", err)
	}
}

// The questions Why answers are the words the request table takes.
func TestWhyAboutsAreTheRequestWords(t *testing.T) {
	want := []WhyAbout{WhyRole, WhyTerm, WhyVote, WhyCommit, WhyApplied, WhyEntry, WhyMessage}
	if got := WhyAbouts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("WhyAbouts %v, want %v", got, want)
	}
	if err := CheckRequest(ReqWhy, []byte(`{"about": "weather"}`)); err == nil || !strings.Contains(err.Error(), "weather") {
		t.Fatalf("about weather: %v", err)
	}
}
