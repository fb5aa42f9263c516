package sim

import "github.com/seshat-raft/seshat/wire"

// MaxSearchResults is how many events a search returns at most; it counts
// every match.
const MaxSearchResults = 500

// Search is a trace search over the whole session (StartSearch), run in
// slices as a replay is: Run it until it reports it is over, then take
// Result.
type Search struct {
	r     *Replay
	q     wire.SearchQuery
	found []wire.Event
	total int
	done  bool
}

// SearchResult is what a search found: the first MaxSearchResults events
// that match, oldest first, and how many matched in all.
type SearchResult struct {
	Events []wire.Event `json:"events"`
	Total  int          `json:"total"`
}

// StartSearch begins searching every event of the cluster's session, from
// its start to its horizon, for q: the session is replayed from its seed
// and commands (the kept trace holds only the newest events), which
// gives the same events with the same numbers. The cluster is not changed.
func (c *Cluster) StartSearch(q wire.SearchQuery) (*Search, error) {
	r, err := StartImport(c.Export())
	if err != nil {
		return nil, err
	}
	s := &Search{r: r, q: q}
	r.c.watch = func(e *wire.Event) {
		if s.done || !s.q.Match(e) {
			return
		}
		s.total++
		if len(s.found) < MaxSearchResults {
			s.found = append(s.found, e.Described())
		}
		s.done = s.q.First
	}
	return s, nil
}

// Run replays up to maxSteps more events and reports whether the search
// is over: the horizon reached, or the first match found for a search of
// the first only.
func (s *Search) Run(maxSteps int) (bool, error) {
	if s.done {
		return true, nil
	}
	done, err := s.r.Run(maxSteps)
	s.done = s.done || done
	return s.done, err
}

// Progress is how far the replay has gone.
func (s *Search) Progress() ReplayProgress { return s.r.Progress() }

// Result is what the search found so far.
func (s *Search) Result() SearchResult {
	return SearchResult{Events: append([]wire.Event{}, s.found...), Total: s.total}
}
