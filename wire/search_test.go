package wire

import (
	"errors"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
)

// The searches and the conditions they stand for, and what each
// matches in a hand-made trace.
func TestSearchPhrasesAndConditions(t *testing.T) {
	reject := Event{Kind: EvSend, Node: 3, Peer: 1, Type: "MsgAppResp", Text: "sent 3->1 MsgAppResp Rejected"}.WithMessage(&pb.Message{Reject: new(true)})
	accept := Event{Kind: EvSend, Node: 3, Peer: 1, Type: "MsgAppResp", Text: "sent 3->1 MsgAppResp"}.WithMessage(&pb.Message{})
	events := []Event{
		{Kind: EvRole, Node: 1, Type: "leader", Text: "n1 became leader in term 2"},
		{Kind: EvRole, Node: 2, Type: "candidate", Text: "n2 became candidate in term 3"},
		{Kind: EvCommit, Node: 2, Index: 9, Index2: 10, Text: "n2 learnt that entries up to 10 are committed"},
		{Kind: EvCommit, Node: 2, Index: 11, Index2: 12, Text: "n2 learnt that entries up to 12 are committed"},
		reject, accept,
		{Kind: EvRole, Node: 3, Type: "leader", Text: "n3 became leader in term 3"},
	}
	for _, tc := range []struct {
		search string
		want   []int // positions in events
		first  bool
	}{
		{"leader changes", []int{0, 6}, false},
		{"rejected appends from n3", []int{4}, false},
		{"first time commit index of n2 went past 10", []int{3}, true},
		{"kind:commit node:2 index>10 first", []int{3}, true},
		{"kind:role type:leader node:3", []int{6}, false},
		{"text:became candidate", []int{1}, false},
	} {
		q, err := ParseSearch(tc.search)
		if err != nil {
			t.Fatalf("%q: %v", tc.search, err)
		}
		var got []int
		for i := range events {
			if q.Match(&events[i]) {
				got = append(got, i)
			}
		}
		if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) || got[len(got)-1] != tc.want[len(tc.want)-1] || q.First != tc.first {
			t.Errorf("%q (%+v) matches %v first %v, want %v first %v", tc.search, q, got, q.First, tc.want, tc.first)
		}
	}
	for _, bad := range []struct{ search, want string }{
		{"", "empty"},
		{"kind:weather", `kind "weather" is not a kind of event`},
		{"node:x", `"x" is not a whole number`},
		{"leader changes please", `"please" is not understood`},
	} {
		if _, err := ParseSearch(bad.search); !errors.Is(err, ErrBadCommand) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want a refusal naming %q", bad.search, err, bad.want)
		}
	}
}

// A search past the text limit, and planted faults named twice or not
// known, are refused, naming the fault.
func TestSearchAndFaultsRefuseBadInput(t *testing.T) {
	if _, err := ParseSearch(strings.Repeat("a", MaxTextBytes+1)); !errors.Is(err, ErrBadCommand) || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("a search too long: %v", err)
	}
	cfg := DefaultConfig()
	cfg.Faults = []FaultKind{FaultForgetVote, FaultForgetVote}
	if err := cfg.Validate(); !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), `"forget-vote" is named twice`) {
		t.Fatalf("a fault named twice: %v", err)
	}
	cfg.Faults = []FaultKind{"forget-everything"}
	if err := cfg.Validate(); !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), "the faults are forget-vote, forget-hard-state, no-conf-change-check") {
		t.Fatalf("an unknown fault: %v", err)
	}
	cfg.Faults = []FaultKind{FaultNoConfChangeCheck}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("a known fault: %v", err)
	}
}
