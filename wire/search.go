package wire

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/seshat-raft/seshat/core"
)

// This file is trace search: a query over every event of a session (the
// simulator replays it to answer), written as a phrase ("leader changes",
// "rejected appends from n3", "first time commit index of n2 went past
// 10") or as conditions ("kind:commit node:2 index>10 first").

// SearchQuery is a parsed search: events of one of Kinds (any if empty),
// of node Node and peer Peer (any if 0), of term Term (any if 0), whose
// index range reaches past IndexOver (a commit or append beyond it), of
// message type Type, answers that Reject, whose text holds Text; First
// stops at the first.
type SearchQuery struct {
	Kinds     []EventKind   `json:"kinds,omitempty"`
	Node      core.NodeID   `json:"node,omitempty"`
	Peer      core.NodeID   `json:"peer,omitempty"`
	Term      core.Term     `json:"term,omitempty"`
	IndexOver core.LogIndex `json:"index_over,omitempty"`
	Type      string        `json:"type,omitempty"`
	Reject    bool          `json:"reject,omitempty"`
	Text      string        `json:"text,omitempty"`
	First     bool          `json:"first,omitempty"`
}

// searchPhrases are the phrases a search may be written in, each the
// conditions it stands for (a node named after "from" or "of" is added).
var searchPhrases = []struct{ phrase, conds string }{
	{"leader changes", "kind:role type:leader"},
	{"elections", "kind:role type:candidate"},
	{"timeouts", "kind:timeout"},
	{"crashes", "kind:crash"},
	{"restarts", "kind:restart"},
	{"cuts", "kind:partition"},
	{"rejected appends", "kind:send type:MsgAppResp reject"},
	{"rejected votes", "kind:vote type:refused"},
	{"snapshots sent", "kind:snapshot-send"},
	{"membership changes", "kind:conf-change"},
	{"violations", "kind:violation"},
	{"commit index", "kind:commit"},
}

// SearchHelp says how a search is written.
func SearchHelp() string {
	names := make([]string, len(searchPhrases))
	for i, p := range searchPhrases {
		names[i] = p.phrase
	}
	return "a phrase (" + strings.Join(names, ", ") + `; "from n3" or "of n3" names a node, "first time" stops at the first, "went past 10" an index) or conditions: kind:K node:N peer:N term:T index>I type:MsgApp reject first text:words`
}

// ParseSearch reads a search. A word it does not know is refused, naming
// it, with ErrBadCommand.
func ParseSearch(s string) (SearchQuery, error) {
	var q SearchQuery
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return q, fmt.Errorf("%w: search: empty; write %s", ErrBadCommand, SearchHelp())
	}
	if len(s) > MaxTextBytes {
		return q, fmt.Errorf("%w: search: %d bytes; at most %d", ErrBadCommand, len(s), MaxTextBytes)
	}
	s = strings.Replace(s, "first time", "first", 1)
	for _, p := range searchPhrases {
		if strings.Contains(s, p.phrase) {
			s = strings.Replace(s, p.phrase, p.conds, 1)
			break
		}
	}
	words := strings.Fields(s)
	for i := 0; i < len(words); i++ {
		w := words[i]
		num := func(v string) (uint64, error) {
			n, err := strconv.ParseUint(strings.TrimPrefix(v, "n"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%w: search: %q: %q is not a whole number", ErrBadCommand, w, v)
			}
			return n, nil
		}
		next := func() string {
			if i+1 < len(words) {
				i++
				return words[i]
			}
			return ""
		}
		var err error
		var n uint64
		switch key, val, _ := strings.Cut(w, ":"); {
		case w == "first":
			q.First = true
		case w == "reject":
			q.Reject = true
		case w == "from" || w == "of" || w == "on":
			n, err = num(next())
			q.Node = core.NodeID(n)
		case w == "went" || w == "past" || w == "index":
			// "went past 10", "index past 10"
		case strings.HasPrefix(w, "index>"):
			n, err = num(strings.TrimPrefix(w, "index>"))
			q.IndexOver = core.LogIndex(n)
		case key == "kind":
			q.Kinds = append(q.Kinds, EventKind(val))
			if _, ok := lookup(eventKinds, EventKind(val), func(k EventKindInfo) EventKind { return k.Kind }); !ok {
				return q, fmt.Errorf("%w: search: kind %q is not a kind of event", ErrBadCommand, val)
			}
		case key == "node" || key == "peer" || key == "term":
			n, err = num(val)
			switch key {
			case "node":
				q.Node = core.NodeID(n)
			case "peer":
				q.Peer = core.NodeID(n)
			default:
				q.Term = core.Term(n)
			}
		case key == "type":
			q.Type = val
		case key == "text":
			q.Text = strings.Join(append([]string{val}, words[i+1:]...), " ")
			i = len(words)
		case i > 0 && words[i-1] == "past":
			n, err = num(w)
			q.IndexOver = core.LogIndex(n)
		default:
			return q, fmt.Errorf("%w: search: %q is not understood; write %s", ErrBadCommand, w, SearchHelp())
		}
		if err != nil {
			return q, err
		}
	}
	return q, nil
}

// Match reports whether e is an event the search asks for.
func (q *SearchQuery) Match(e *Event) bool {
	if len(q.Kinds) > 0 && !containsKind(q.Kinds, e.Kind) {
		return false
	}
	switch {
	case q.Node != 0 && e.Node != q.Node, q.Peer != 0 && e.Peer != q.Peer, q.Term != 0 && e.Term != q.Term,
		q.IndexOver != 0 && max(e.Index, e.Index2) <= q.IndexOver:
		return false
	case q.Type != "" && !strings.EqualFold(e.Type, q.Type):
		return false
	case q.Reject && (e.Message() == nil || !e.Message().GetReject()):
		return false
	}
	return q.Text == "" || strings.Contains(strings.ToLower(e.Read().Text), q.Text)
}

func containsKind(ks []EventKind, k EventKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
