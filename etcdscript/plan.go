package etcdscript

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// planner writes an export's directives.
type planner struct {
	buf     bytes.Buffer
	ids     []uint64          // every node, in id order
	term    map[uint64]uint64 // each node's term in the script so far
	prevote bool
	quorum  bool              // CheckQuorum: voters must forget their leader first
	leading map[uint64]bool   // nodes the script elected that may still lead
	removed map[uint64]bool   // nodes a conf change in the log removed
	snap    map[uint64]uint64 // each compacted node's snapshot index
	count   int               // directives written
	notes   map[int]string    // comment lines before directive i
}

func (p *planner) line(format string, args ...any) {
	fmt.Fprintf(&p.buf, format+"\n----\n\n", args...)
	p.count++
}

// note puts a comment line before the next directive.
func (p *planner) note(format string, args ...any) {
	p.notes[p.count] += "# " + fmt.Sprintf(format, args...) + "\n"
}

// plan returns the script (without expected outputs) for c, the index of
// its founding configuration, and the State it must reach.
func plan(c *sim.Cluster) (p *planner, base uint64, want State, err error) {
	cfg := c.Config()
	n := uint64(cfg.Nodes)
	if n < 2 {
		return nil, 0, State{}, fmt.Errorf("%w: a single-node cluster: add-nodes bootstraps from a snapshot at an index above 1", ErrNotExpressible)
	}
	v := c.View(0)
	compact := map[uint64]uint64{} // node -> its snapshot index, if compacted
	if uint64(len(v.Nodes)) != n {
		return nil, 0, State{}, fmt.Errorf("%w: the session has %d nodes, %d founding: membership changes that add nodes are not exported", ErrNotExpressible, len(v.Nodes), n)
	}
	for i, nv := range v.Nodes {
		if uint64(nv.ID) != uint64(i+1) {
			return nil, 0, State{}, fmt.Errorf("%w: node ids are not 1..%d", ErrNotExpressible, n)
		}
		ents, err := sim.LogEntries(c, nv.ID)
		if err != nil {
			return nil, 0, State{}, err
		}
		if nv.FirstIndex > 1 {
			if uint64(nv.FirstIndex)-1 > n { // at or below n, add-nodes' snapshot covers it
				compact[uint64(nv.ID)] = uint64(nv.FirstIndex) - 1
			}
			continue
		}
		for _, e := range ents[:min(uint64(len(ents)), n)] {
			if e.GetType() != pb.EntryConfChange || e.GetTerm() != 1 {
				return nil, 0, State{}, fmt.Errorf("%w: node %d's entry %d is not a founding configuration change", ErrNotExpressible, nv.ID, e.GetIndex())
			}
		}
	}
	base = n
	if want, err = SeshatState(c, base); err != nil {
		return nil, 0, State{}, err
	}
	leaders := map[uint64]uint64{}
	written := map[uint64]uint64{} // index -> term of the last leader's append there
	events := c.Events(0)
	for _, e := range events {
		if e.Kind == wire.EvRole && e.Type == string(core.RoleLeader) {
			leaders[uint64(e.Term)] = uint64(e.Node)
		}
	}
	for _, e := range events {
		if e.Kind == wire.EvAppend && leaders[uint64(e.Term)] == uint64(e.Node) {
			for i := e.Index; i <= e.Index2; i++ {
				written[uint64(i)] = uint64(e.Term)
			}
		}
	}
	runs, err := termRuns(want, compactedEntries(want, base, compact, written))
	if err != nil {
		return nil, 0, State{}, err
	}

	p = &planner{term: map[uint64]uint64{}, notes: map[int]string{}, leading: map[uint64]bool{}, removed: map[uint64]bool{}, snap: compact, prevote: cfg.Raft.PreVote, quorum: cfg.Raft.CheckQuorum}
	for id := uint64(1); id <= n; id++ {
		p.ids = append(p.ids, id)
	}
	fmt.Fprintf(&p.buf, "# Exported from a Seshat session (etcdscript.Export): %d nodes, seed %d, %d ms\n", n, cfg.Seed, c.Now())
	fmt.Fprintf(&p.buf, "# of virtual time. It reaches the session's leader, terms, commit indexes and\n")
	fmt.Fprintf(&p.buf, "# logs; it does not replay its schedule (Seshat ticks every %d ms, %d ticks to an\n", cfg.Raft.HeartbeatIntervalMS, cfg.Raft.ElectionTicks())
	fmt.Fprintf(&p.buf, "# election timeout; this script ticks only to depose a leader). Entries 1..%d, the\n", n)
	fmt.Fprintf(&p.buf, "# founding configuration, are the snapshot add-nodes starts from. Proposals are\n")
	fmt.Fprintf(&p.buf, "# Seshat's operations as text: set:<id>:<key>:<value>, del:<id>:<key> (escaped).\n")
	ro := "safe"
	if cfg.Raft.ReadOnlyLeaseBased {
		ro = "lease-based"
	}
	p.line("add-nodes %d voters=(%s) index=%d prevote=%t checkquorum=%t inflight=%d read-only=%s step-down-on-removal=true",
		n, join(p.ids), n, p.prevote, p.quorum, cfg.Raft.Inflight(), ro)

	for _, run := range runs {
		lead, ok := leaders[run.term]
		if !ok {
			return nil, 0, State{}, fmt.Errorf("%w: no leader of term %d in the trace", ErrNotExpressible, run.term)
		}
		if err := p.elect(lead, run.term, want); err != nil {
			return nil, 0, State{}, err
		}
		for i, e := range run.entries {
			p.append(lead, e, i == 0, want)
		}
	}
	for _, ns := range want.Nodes {
		if p.term[ns.ID] >= ns.Term {
			continue
		}
		if p.removed[ns.ID] {
			return nil, 0, State{}, fmt.Errorf("%w: node %d reached term %d after it was removed, and a script sends nothing to a removed node", ErrNotExpressible, ns.ID, ns.Term)
		}
		if p.prevote {
			continue // the State check reports it
		}
		if err := p.stepDown(ns.ID); err != nil {
			return nil, 0, State{}, err
		}
		for p.term[ns.ID] < ns.Term {
			p.failedCampaign(ns.ID, nil)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(compact)) {
		p.note("Node %d compacts its log up to its snapshot at index %d, as Seshat's did.", id, compact[id])
		p.line("compact %d %d", id, compact[id])
	}
	return p, base, want, nil
}

// compactedEntries returns stand-ins for the entries after base that no
// node holds any more, up to the highest snapshot index in compact: each
// with the term its leader appended it in (written, from the trace) and
// no data. Their data is gone with the logs; the State does not hold them.
func compactedEntries(want State, base uint64, compact, written map[uint64]uint64) []Entry {
	var top uint64
	for _, i := range compact {
		top = max(top, i)
	}
	held := map[uint64]bool{}
	for _, ns := range want.Nodes {
		for _, e := range ns.Log {
			held[e.Index] = true
		}
	}
	var out []Entry
	for i := base + 1; i <= top; i++ {
		if t, ok := written[i]; ok && !held[i] {
			out = append(out, Entry{Index: i, Term: t, compacted: true})
		}
	}
	return out
}

// termRun is the entries one term's leader appended, in index order.
type termRun struct {
	term    uint64
	entries []Entry
}

// termRuns returns, by term, the entries of every node's log: a deposed
// leader's entries that only some nodes kept are in their term's run. It
// checks that two nodes holding an index at the same term hold the same
// entry (Raft's log matching) and that each run has no gap.
func termRuns(want State, compacted []Entry) ([]termRun, error) {
	byTerm := map[uint64]map[uint64]Entry{}
	logs := [][]Entry{compacted}
	for _, ns := range want.Nodes {
		logs = append(logs, ns.Log)
	}
	for _, log := range logs {
		for _, e := range log {
			m := byTerm[e.Term]
			if m == nil {
				m = map[uint64]Entry{}
				byTerm[e.Term] = m
			}
			if o, ok := m[e.Index]; ok && (o.Type != e.Type || !bytes.Equal(o.Data, e.Data)) {
				return nil, fmt.Errorf("%w: two nodes hold different entries at index %d, term %d", ErrNotExpressible, e.Index, e.Term)
			}
			m[e.Index] = e
		}
	}
	terms := slices.Sorted(maps.Keys(byTerm))
	runs := make([]termRun, 0, len(terms))
	for _, t := range terms {
		idx := slices.Sorted(maps.Keys(byTerm[t]))
		if idx[len(idx)-1]-idx[0] != uint64(len(idx)-1) {
			return nil, fmt.Errorf("%w: the entries of term %d have a gap (%d..%d, %d entries)", ErrNotExpressible, t, idx[0], idx[len(idx)-1], len(idx))
		}
		run := termRun{term: t}
		for _, i := range idx {
			run.entries = append(run.entries, byTerm[t][i])
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// voters returns the nodes other than lead whose final term is at least t:
// those that heard of term t.
func (p *planner) voters(lead, t uint64, want State) []uint64 {
	var ids []uint64
	for _, ns := range want.Nodes {
		if ns.ID != lead && ns.Term >= t && !p.removed[ns.ID] {
			ids = append(ids, ns.ID)
		}
	}
	return ids
}

// elect makes lead the leader of term t: campaigns whose messages are
// dropped take it to term t-1, then a campaign among the nodes that
// heard of term t.
func (p *planner) elect(lead, t uint64, want State) error {
	vs := p.voters(lead, t, want)
	if err := p.stepDown(lead); err != nil {
		return err
	}
	for _, v := range vs {
		if p.quorum && p.leading[v] {
			// A CheckQuorum leader ignores vote requests in its lease.
			if err := p.stepDown(v); err != nil {
				return err
			}
		}
	}
	for p.term[lead]+1 < t {
		p.failedCampaign(lead, vs)
	}
	if p.term[lead]+1 != t {
		return fmt.Errorf("%w: node %d leads term %d but the script has it at term %d", ErrNotExpressible, lead, t, p.term[lead])
	}
	p.forget(vs)
	p.note("Node %d becomes the leader of term %d.", lead, t)
	p.line("campaign %d", lead)
	if p.prevote {
		p.round(lead, vs)
	}
	p.round(lead, vs)
	p.term[lead] = t
	for _, id := range vs {
		p.term[id] = t
		p.leading[id] = false
	}
	p.leading[lead] = true
	return nil
}

// stepDown makes lead a follower if the script has it leading: etcd
// ignores a leader's campaign. With CheckQuorum, two election timeouts
// without an answer (its heartbeats are dropped) make it step down;
// without, nothing in a script can depose it without raising another
// node's term.
func (p *planner) stepDown(lead uint64) error {
	if !p.leading[lead] {
		return nil
	}
	if !p.quorum {
		return fmt.Errorf("%w: node %d, the script's leader, campaigns again; without CheckQuorum it cannot step down on its own", ErrNotExpressible, lead)
	}
	p.note("Node %d hears nothing for two election timeouts and steps down.", lead)
	for range 2 {
		p.line("tick-election %d", lead)
		p.line("process-ready %d", lead)
		p.deliver(nil)
	}
	p.leading[lead] = false
	return nil
}

// failedCampaign takes lead one term up: it campaigns and its vote
// requests are dropped (with PreVote, its pre-vote round among vs
// succeeds first, so the campaign reaches a new term).
func (p *planner) failedCampaign(lead uint64, vs []uint64) {
	p.note("Node %d campaigns for term %d and hears nothing back.", lead, p.term[lead]+1)
	if p.prevote {
		p.forget(vs)
	}
	p.line("campaign %d", lead)
	if p.prevote {
		p.round(lead, vs)
	}
	p.line("process-ready %d", lead)
	p.deliver(nil)
	p.term[lead]++
}

// forget makes each of ids forget its leader, when CheckQuorum would make
// it ignore a vote request inside its leader's lease (the script never
// ticks, so the lease never runs out).
func (p *planner) forget(ids []uint64) {
	if !p.quorum {
		return
	}
	for _, id := range ids {
		p.line("forget-leader %d", id)
	}
}

// round is one request/response exchange between lead and vs: lead's
// messages go to vs (the others' are dropped), their answers to lead.
func (p *planner) round(lead uint64, vs []uint64) {
	p.line("process-ready %d", lead)
	p.deliver(vs)
	if len(vs) > 0 {
		p.line("process-ready %s", joinSp(vs))
	}
	p.deliver([]uint64{lead})
}

// deliver delivers the messages to ids and drops those to every other
// node.
func (p *planner) deliver(ids []uint64) {
	args := make([]string, 0, len(p.ids))
	for _, id := range p.ids {
		if slices.Contains(ids, id) {
			args = append(args, strconv.FormatUint(id, 10))
		} else {
			args = append(args, "drop="+strconv.FormatUint(id, 10))
		}
	}
	p.line("deliver-msgs %s", strings.Join(args, " "))
}

// append has lead append e (proposing it unless the leader appends it by
// itself) and replicates it to the nodes whose final log holds it (and the
// leader, whose copy a later leader may overwrite).
func (p *planner) append(lead uint64, e Entry, first bool, want State) {
	holders := want.holders(e.Index, e.Term)
	for id, snap := range p.snap {
		if snap >= e.Index && !slices.Contains(holders, id) {
			holders = append(holders, id)
		}
	}
	if !slices.Contains(holders, lead) {
		holders = append(holders, lead)
	}
	slices.Sort(holders)
	switch {
	case e.compacted && !first:
		p.line("propose %d compacted-%d", lead, e.Index)
	case e.compacted:
		// The empty entry of a new leader (now compacted).
	case e.Type == pb.EntryNormal && len(e.Data) == 0:
		// The empty entry of a new leader, or of an automatic leave-joint.
	case e.Type == pb.EntryNormal:
		p.line("propose %d %s", lead, encodeToken(e.Data))
	case e.Type == pb.EntryConfChangeV2 && strings.TrimSpace(string(e.Data)) == "auto":
		// The leader leaves a joint configuration by itself.
	default:
		word, changes, _ := strings.Cut(string(e.Data), " ")
		opt := "transition=" + word
		if word == "v1" {
			opt = "v1=true"
		}
		fmt.Fprintf(&p.buf, "propose-conf-change %d %s\n%s\n----\n\n", lead, opt, changes)
		p.count++
		for _, ch := range strings.Fields(changes) {
			if id, err := strconv.ParseUint(ch[1:], 10, 64); err == nil {
				p.removed[id] = ch[0] == 'r'
			}
		}
	}
	if knowing := want.committed(e.Index, holders); len(knowing) < len(holders) {
		p.withholdCommit(lead, e.Index, holders, knowing)
		return
	}
	p.line("stabilize %s", joinSp(holders))
	if len(holders) < len(p.ids) {
		p.deliver(nil)
	}
}

// withholdCommit replicates entry index to holders one exchange at a
// time, so that only the nodes in knowing learn it is committed: the
// others (a follower whose commit index lags its log by one, as one that
// had not heard the next heartbeat yet) get the entry but not the
// leader's next message.
func (p *planner) withholdCommit(lead, index uint64, holders, knowing []uint64) {
	followers := slices.DeleteFunc(slices.Clone(holders), func(id uint64) bool { return id == lead })
	p.note("Entry %d reaches nodes %s; only %s learn it is committed.", index, join(holders), join(knowing))
	p.line("process-ready %s", joinSp(holders))
	p.deliver(followers)
	p.line("process-ready %s", joinSp(holders))
	if slices.Contains(knowing, lead) {
		p.deliver([]uint64{lead})
		p.line("process-ready %s", joinSp(holders))
	}
	if len(knowing) > 0 {
		p.line("stabilize %s", joinSp(knowing))
	}
	p.deliver(nil)
}

func join(ids []uint64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatUint(id, 10)
	}
	return strings.Join(s, ",")
}

func joinSp(ids []uint64) string { return strings.ReplaceAll(join(ids), ",", " ") }
