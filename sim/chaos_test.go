package sim

import (
	"errors"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// The chaos campaign. Each seed decides a cluster (3, 5 or 7 nodes, Raft
// tuning, network faults, clients) and a stream of faults over a virtual
// run; at the end everything heals and the run must show no safety
// violation, every acknowledged write applied, a linearizable history and
// identical stores equal to a replay of the committed log. One seed in three
// also runs vote storms (voteStorm). Linearizability is decided by the exact
// log-order check; Porcupine's cross-check running out of its budget is
// logged, and counted in the summary, not failed.
//
// Environment:
//
//	SESHAT_CHAOS_SEEDS    how many seeds (default 100)
//	SESHAT_CHAOS_FIRST    the first seed (default 1)
//	SESHAT_CHAOS_SECONDS  virtual seconds per seed (default 60, at least 20)
//	SESHAT_CHAOS_OUT      where a failing seed's files go (default: a new
//	                      directory under the system's temporary directory)
//
// `make chaos SEEDS=1000` runs a longer campaign.

// chaosEnv reads a positive integer setting from the environment.
func chaosEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func TestChaos(t *testing.T) {
	seeds := chaosEnv("SESHAT_CHAOS_SEEDS", 100)
	seconds := max(chaosEnv("SESHAT_CHAOS_SECONDS", 60), 20)
	first := chaosEnv("SESHAT_CHAOS_FIRST", 1)
	if testing.Short() {
		seeds = min(seeds, 10)
	}
	var ops, failed int
	var undecided []string
	for s := first; s < first+seeds; s++ {
		seed := uint64(s)
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			var lin LinearizabilityResult
			c, err := chaosRunOpts(seed, int64(seconds)*1000, chaosOpts{lin: &lin})
			ops += lin.Ops
			if strings.Contains(lin.CrossCheck, "timed out") || strings.Contains(lin.CrossCheck, "skipped") {
				undecided = append(undecided, fmt.Sprintf("seed %d: %s", seed, lin.CrossCheck))
				t.Logf("seed %d: %s", seed, lin.CrossCheck)
			}
			if err == nil {
				return
			}
			failed++
			dir, files, shrunk := saveChaosFailure(c, seed, err, nil)
			t.Fatalf("seed %d: %v\nreplay: SESHAT_CHAOS_FIRST=%d SESHAT_CHAOS_SEEDS=1 SESHAT_CHAOS_SECONDS=%d go test ./sim -run 'TestChaos/seed=%d$' -v\nfiles in %s: %s\n%s",
				seed, err, seed, seconds, seed, dir, strings.Join(files, ", "), shrunk)
		})
	}
	t.Logf("chaos: %d seeds from %d, %d virtual s each: %d failed; %d operations checked in log order; Porcupine undecided on %d seeds",
		seeds, first, seconds, failed, ops, len(undecided))
	for _, u := range undecided {
		t.Log(u)
	}
}

// TestChaosSeed884Finishes is the seed whose history (461 operations, 63
// writes of unknown outcome, before vote storms changed the seed) once sent
// Porcupine, run without a budget, past 6 GB of memory without an answer:
// the exact log-order check decides it, and Porcupine's cross-check ends
// within its budget.
func TestChaosSeed884Finishes(t *testing.T) {
	if testing.Short() {
		t.Skip("a 60 virtual second run")
	}
	var r LinearizabilityResult
	c, err := chaosRunOpts(884, 60_000, chaosOpts{lin: &r, noVoteStorms: true})
	if err != nil {
		t.Fatal(err)
	}
	unknown := 0
	for _, op := range c.History() {
		if op.Kind != wire.OpGet && (op.Unknown || op.Return < 0) && !op.Failed {
			unknown++
		}
	}
	if !r.OK || r.CrossCheck == "" || r.Ops != 461 || unknown != 63 {
		t.Fatalf("check: %+v, %d writes of unknown outcome; want the history of 461 operations with 63", r, unknown)
	}
	t.Logf("%s; %s", r.Text, r.CrossCheck)
}

// TestChaosCatchesPlantedStaleReads shows the campaign failing: with a
// planted bug (nodes answer reads from their own state, leader or not) some
// seed must be reported non-linearizable, with its files written.
func TestChaosCatchesPlantedStaleReads(t *testing.T) {
	t.Setenv("SESHAT_CHAOS_OUT", t.TempDir())
	for seed := uint64(1); seed <= 20; seed++ {
		plant := func(c *Cluster) {
			c.hooks.localRead = func(*Cluster, *simNode) bool { return true }
		}
		c, err := chaosRun(seed, 30_000, plant)
		if err == nil {
			continue
		}
		if !strings.Contains(err.Error(), "linearizab") {
			t.Fatalf("seed %d failed, but not on linearizability: %v", seed, err)
		}
		dir, files, shrunk := saveChaosFailure(c, seed, err, plant)
		if !slices.Contains(files, "session.json") || !slices.Contains(files, "linearizability.html") || !slices.Contains(files, "session-shrunk.json") {
			t.Fatalf("files written for seed %d: %v", seed, files)
		}
		data, rerr := os.ReadFile(filepath.Join(dir, "session.json"))
		if rerr != nil {
			t.Fatal(rerr)
		}
		if _, rerr := UnmarshalSession(data); rerr != nil {
			t.Fatalf("the saved session does not load: %v", rerr)
		}
		// The shrunk session is smaller and still not linearizable.
		if data, rerr = os.ReadFile(filepath.Join(dir, "session-shrunk.json")); rerr != nil {
			t.Fatal(rerr)
		}
		small, rerr := UnmarshalSession(data)
		if rerr != nil {
			t.Fatalf("the shrunk session does not load: %v", rerr)
		}
		if len(small.Commands) >= len(c.log) || !strings.HasPrefix(shrunk, "shrunk: ") {
			t.Fatalf("shrunk to %d commands from %d: %s", len(small.Commands), len(c.log), shrunk)
		}
		again, rerr := replayPlanted(small, plant)
		if rerr != nil || again.CheckLinearizable().OK {
			t.Fatalf("the shrunk session replays linearizable (%v)", rerr)
		}
		t.Logf("seed %d: %s", seed, shrunk)
		return
	}
	t.Fatal("no seed of 20 caught nodes answering reads from their own state")
}

// chaosRun runs one seed for duration virtual ms and checks the outcome. It
// returns the cluster and the first problem found. plant, if not nil, plants
// a fault in the new cluster (for the test that shows the campaign fails).
func chaosRun(seed uint64, duration int64, plant func(*Cluster)) (*Cluster, error) {
	return chaosRunOpts(seed, duration, chaosOpts{plant: plant})
}

// chaosOpts are chaosRunOpts's options.
type chaosOpts struct {
	// plant, if not nil, plants a fault in the new cluster.
	plant func(*Cluster)
	// lin, if not nil, receives the linearizability verdict when the run
	// gets as far as checking it.
	lin *LinearizabilityResult
	// noVoteStorms runs the seed as it ran before vote storms existed.
	noVoteStorms bool
	// membership adds membership churn (membershipCommand) from a random
	// stream of its own.
	membership bool
	// faults are planted through the configuration (wire.Config.Faults).
	faults []wire.FaultKind
}

// chaosRunOpts is chaosRun with options.
func chaosRunOpts(seed uint64, duration int64, o chaosOpts) (*Cluster, error) {
	plant, lin := o.plant, o.lin
	rng := mrand.New(mrand.NewPCG(seed, 0xc4a05))
	cfg := wire.DefaultConfig()
	cfg.Seed = seed
	cfg.Nodes = 3 + 2*rng.IntN(3) // 3, 5 or 7
	cfg.Raft.SnapshotIntervalEntries = uint64(20 + rng.IntN(200))
	cfg.Raft.SnapshotCatchupEntries = uint64(rng.IntN(20))
	cfg.Raft.PreVote = rng.IntN(4) != 0
	cfg.Raft.CheckQuorum = rng.IntN(4) != 0
	cfg.Network = wire.NetworkConfig{
		MinLatencyMS: 1 + rng.IntN(10), MaxLatencyMS: 20 + rng.IntN(60),
		DropRate: rng.Float64() * 0.05, DuplicateRate: rng.Float64() * 0.05, ReorderRate: rng.Float64() * 0.1,
	}
	cfg.Clients = wire.ClientConfig{Count: 3 + rng.IntN(3), RatePerSec: 5, TimeoutMS: 1000 + rng.IntN(2000), Keys: 3}
	cfg.Faults = o.faults
	// One seed in three also runs the vote-storm profile (see voteStorm),
	// from its own random stream: the draws of rng, and so the runs of the
	// other seeds, stay as they were.
	voteRng := mrand.New(mrand.NewPCG(seed, 0x707e5))
	voteStorms := voteRng.IntN(3) == 0 && !o.noVoteStorms
	memRng := mrand.New(mrand.NewPCG(seed, 0x3e3b))
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if plant != nil {
		plant(c)
	}
	applied := watchApplied(c)
	apply := func(cmd wire.Command) error {
		if err := c.Apply(cmd); err != nil {
			return fmt.Errorf("command %+v at %d ms: %w", cmd, c.Now(), err)
		}
		return nil
	}

	// Faults until 10 s before the end.
	quiet := duration - 10_000
	for c.Now() < quiet {
		if err := c.RunFor(int64(500 + rng.IntN(3000))); err != nil {
			return c, err
		}
		if c.Now() >= quiet {
			break
		}
		cmd := chaosCommand(c, rng)
		switch k := rng.IntN(20); {
		case k == 0:
			// A burst of bad network, until a later change or the end.
			cmd = wire.Command{Kind: wire.CmdNetwork, Network: &wire.NetworkConfig{
				MinLatencyMS: cfg.Network.MinLatencyMS, MaxLatencyMS: cfg.Network.MaxLatencyMS + rng.IntN(200),
				DropRate: rng.Float64() * 0.3, DuplicateRate: rng.Float64() * 0.2, ReorderRate: rng.Float64() * 0.5,
			}}
		case k == 1:
			base := cfg.Network
			cmd = wire.Command{Kind: wire.CmdNetwork, Network: &base}
		case k == 2 && c.activeClients() < 8:
			cmd = wire.Command{Kind: wire.CmdAddClients, Count: 1}
		case k == 3 && c.activeClients() > 1:
			cmd = wire.Command{Kind: wire.CmdRemoveClients, Count: 1}
		}
		if err := apply(cmd); err != nil {
			return c, err
		}
		if o.membership && memRng.IntN(2) == 0 {
			// A change the cluster cannot take now (one pending, no
			// leader, etcd's refusal) is refused and changes nothing;
			// a malformed one is a bug of the generator or the checks.
			mc := membershipCommand(c, memRng)
			if err := c.Apply(mc); err != nil && !errors.Is(err, wire.ErrImpossible) {
				return c, fmt.Errorf("command %+v at %d ms: %w", mc, c.Now(), err)
			}
		}
		if voteStorms && voteRng.IntN(3) == 0 && c.Now()+2_000 < quiet {
			if err := voteStorm(c, voteRng, apply); err != nil {
				return c, err
			}
		}
	}
	// Heal, restart, restore the network; let the clients run on, then
	// stop them and let the cluster settle.
	if err := apply(wire.Command{Kind: wire.CmdHeal}); err != nil {
		return c, err
	}
	base := cfg.Network
	if err := apply(wire.Command{Kind: wire.CmdNetwork, Network: &base}); err != nil {
		return c, err
	}
	for _, n := range c.View(1).Nodes {
		if !n.Up {
			if err := apply(wire.Command{Kind: wire.CmdRestart, Node: n.ID}); err != nil {
				return c, err
			}
		}
	}
	if err := c.RunUntil(duration - 4_000); err != nil {
		return c, err
	}
	if k := c.activeClients(); k > 0 {
		if err := apply(wire.Command{Kind: wire.CmdRemoveClients, Count: k}); err != nil {
			return c, err
		}
	}
	if err := c.RunUntil(duration); err != nil {
		return c, err
	}
	// A slow catch-up (a snapshot lost to drops, say) gets up to 20 more
	// virtual seconds; safety is not at stake there, only the final check.
	for extra := 0; extra < 20 && !settled(c.View(1)); extra++ {
		if err := c.RunFor(1000); err != nil {
			return c, err
		}
	}
	if err := checkConverged(c, applied); err != nil {
		return c, err
	}
	r := c.CheckLinearizable()
	if lin != nil {
		*lin = r
	}
	if !r.OK {
		return c, fmt.Errorf("%w: %s", errNotLinearizable, r.Text)
	}
	return c, nil
}

var errNotLinearizable = errors.New("history not linearizable")

// settled tells whether every node is up, a leader leads, and every node has
// applied everything the leader committed.
func settled(v wire.View) bool {
	ls := leadersIn(v)
	if len(ls) != 1 {
		return false
	}
	for _, n := range members(v) {
		if !n.Up || n.Commit != ls[0].Commit || n.Applied != n.Commit {
			return false
		}
	}
	return true
}

// checkConverged checks a cluster that was healed and left quiet: no
// violation, no request applied twice, every acknowledged write applied,
// every node up with everything committed applied, and every node's store
// equal to the replay of the committed operations.
func checkConverged(c *Cluster, applied *appliedLog) error {
	if v := c.Halted(); v != nil {
		return fmt.Errorf("violation: %s", v.Text)
	}
	if applied.dup != "" {
		return errors.New(applied.dup)
	}
	v := c.View(1)
	ms := members(v)
	if len(ms) == 0 {
		return fmt.Errorf("after the quiet period no node leads")
	}
	ref := ms[0]
	for _, n := range ms {
		if !n.Up || n.Applied != n.Commit || n.Commit != ref.Commit {
			return fmt.Errorf("after the quiet period %s is up=%v, applied %d, commit %d (%s commit %d)", n.ID, n.Up, n.Applied, n.Commit, ref.ID, ref.Commit)
		}
	}
	ackedWrites := 0
	for _, h := range c.History() {
		if h.Kind == wire.OpGet || !acked(h) {
			continue
		}
		ackedWrites++
		i, ok := applied.idAt[h.ID]
		if !ok || i > uint64(ref.Commit) {
			return fmt.Errorf("acknowledged write %s #%d (client %d, returned at %d ms) is not in the committed log (found at index %d; commit %d)",
				wire.DescribeOp(h.Kind, h.Key, h.Value), h.ID, h.Client, h.Return, i, ref.Commit)
		}
	}
	if ackedWrites == 0 {
		return errors.New("no write was acknowledged")
	}
	want := applied.replay(uint64(ref.Commit))
	for _, n := range ms {
		if got := kvMap(n); !maps.Equal(got, want) {
			return fmt.Errorf("%s's store %v differs from the replay of the committed log %v", n.ID, got, want)
		}
	}
	return nil
}

// saveChaosFailure writes a failing seed's files to SESHAT_CHAOS_OUT/seed<N>
// (or a new temporary directory): session.json, the session to import;
// session-shrunk.json, the smallest session found that fails the same way
// (Shrink: the same checker halting it, or a history that is not
// linearizable), when the failure is one of those; and for a history that
// is not linearizable, linearizability.html. It returns the directory,
// the files written, and what the shrinking found, in words. plant is the
// fault the run was given, if any: the shrinking plants it in every run.
func saveChaosFailure(c *Cluster, seed uint64, err error, plant func(*Cluster)) (string, []string, string) {
	dir := os.Getenv("SESHAT_CHAOS_OUT")
	var derr error
	if dir == "" {
		dir, derr = os.MkdirTemp("", fmt.Sprintf("seshat-chaos-seed%d-", seed))
	} else {
		dir = filepath.Join(dir, fmt.Sprintf("seed%d", seed))
		derr = os.MkdirAll(dir, 0o755)
	}
	if derr != nil || c == nil {
		return dir, nil, ""
	}
	var files []string
	s := c.Export()
	if data, merr := MarshalSession(s); merr == nil && os.WriteFile(filepath.Join(dir, "session.json"), data, 0o644) == nil {
		files = append(files, "session.json")
	}
	lin := errors.Is(err, errNotLinearizable)
	if lin {
		if f, ferr := os.Create(filepath.Join(dir, "linearizability.html")); ferr == nil {
			werr := c.WriteLinearizabilityHTML(f)
			if cerr := f.Close(); werr == nil && cerr == nil {
				files = append(files, "linearizability.html")
			}
		}
	}
	opts := ShrinkOptions{plant: plant}
	switch {
	case c.Halted() != nil:
	case lin:
		opts.Fails = func(c *Cluster) bool { return !c.CheckLinearizable().OK }
	default:
		return dir, files, "not shrunk: the failure is not a checker's (" + err.Error() + ")"
	}
	r, serr := Shrink(s, opts)
	if serr != nil {
		return dir, files, "not shrunk: " + serr.Error()
	}
	if data, merr := MarshalSession(r.Session); merr == nil && os.WriteFile(filepath.Join(dir, "session-shrunk.json"), data, 0o644) == nil {
		files = append(files, "session-shrunk.json")
	}
	return dir, files, fmt.Sprintf("shrunk: %s -> %s in %d runs", r.Before, r.After, r.Runs)
}

// members are the nodes of the configuration a leader (the only one)
// applied, in any role; without a single leader, every node not removed.
func members(v wire.View) []wire.NodeView {
	var out []wire.NodeView
	ls := leadersIn(v)
	for _, n := range v.Nodes {
		if len(ls) == 1 {
			l := ls[0]
			if !slices.Contains(l.Voters, n.ID) && !slices.Contains(l.Learners, n.ID) && !slices.Contains(l.VotersOutgoing, n.ID) && !slices.Contains(l.LearnersNext, n.ID) {
				continue
			}
		} else if n.Left {
			continue
		}
		out = append(out, n)
	}
	return out
}

// membershipCommand picks a membership change: add a voter or a learner,
// promote a learner, remove a member (the leader too), replace a voter, a
// change of two members with a random transition, or leave-joint.
func membershipCommand(c *Cluster, rng *mrand.Rand) wire.Command {
	v := c.View(1)
	m := c.membership()
	pick := func(ids []core.NodeID) core.NodeID {
		if len(ids) == 0 {
			return 1
		}
		return ids[rng.IntN(len(ids))]
	}
	all := slices.Concat(m.Voters, m.Learners)
	switch k := rng.IntN(8); {
	case k == 0 && len(v.Nodes) < wire.MaxNodes:
		return wire.Command{Kind: wire.CmdAddNode}
	case k == 1 && len(v.Nodes) < wire.MaxNodes:
		return wire.Command{Kind: wire.CmdAddLearner}
	case k == 2 && len(m.Learners) > 0:
		return wire.Command{Kind: wire.CmdPromote, Node: pick(m.Learners)}
	case k == 3 && len(all) > 0:
		return wire.Command{Kind: wire.CmdRemoveNode, Node: pick(all)}
	case k == 4 && len(m.Voters) > 0 && len(v.Nodes) < wire.MaxNodes:
		return wire.Command{Kind: wire.CmdReplace, Node: pick(m.Voters)}
	case k == 5 && len(all) > 1:
		a := pick(all)
		b := pick(without(all, a))
		ops := []wire.MemberOp{wire.OpAddVoter, wire.OpAddLearner, wire.OpRemove}
		tr := []string{"", wire.TransitionAuto, wire.TransitionImplicit, wire.TransitionExplicit}[rng.IntN(4)]
		return wire.Command{Kind: wire.CmdChange, Transition: tr, Changes: []wire.MemberChange{
			{Op: ops[rng.IntN(3)], Node: a}, {Op: ops[rng.IntN(3)], Node: b}}}
	default:
		return wire.Command{Kind: wire.CmdLeaveJoint}
	}
}

// chaosCommand picks a fault: crash or restart a node, partition (groups or
// one-way cuts), isolate, heal, force an election or transfer leadership.
// Removed nodes are fair game: their processes still run.
func chaosCommand(c *Cluster, rng *mrand.Rand) wire.Command {
	v := c.View(1)
	live := allIDs(c)
	n := len(live)
	node := live[rng.IntN(n)]
	var down []core.NodeID
	for _, x := range v.Nodes {
		if !x.Up {
			down = append(down, x.ID)
		}
	}
	up := v.Nodes[node-1].Up
	ls := leadersIn(v)
	switch k := rng.IntN(10); {
	case k < 2 && len(down) > 0:
		return wire.Command{Kind: wire.CmdRestart, Node: down[rng.IntN(len(down))]}
	case k < 3 && up:
		return wire.Command{Kind: wire.CmdCrash, Node: node}
	case k < 5:
		perm := rng.Perm(n)
		cut := 1 + rng.IntN(n-1)
		var a, b []core.NodeID
		for i, p := range perm {
			if i < cut {
				a = append(a, live[p])
			} else {
				b = append(b, live[p])
			}
		}
		return wire.Command{Kind: wire.CmdPartition, Groups: [][]core.NodeID{a, b}}
	case k < 6:
		i := slices.Index(live, node)
		peer := live[(i+1+rng.IntN(n-1))%n]
		return wire.Command{Kind: wire.CmdCut, Node: node, Peer: peer, OneWay: rng.IntN(2) == 0}
	case k < 7:
		return wire.Command{Kind: wire.CmdIsolate, Node: node}
	case k < 8 && up:
		return wire.Command{Kind: wire.CmdCampaign, Node: node}
	case k < 9 && up && len(ls) > 0 && c.leader().id != node:
		return wire.Command{Kind: wire.CmdTransfer, Node: node}
	default:
		return wire.Command{Kind: wire.CmdHeal}
	}
}

// voteStorm is the vote-storm fault: voters restarted right after voting,
// and a second candidate campaigning in the same term. With n nodes it
// picks, among the running ones, n/2 voters (the leader first, if there is
// one), a first candidate A and a second candidate B, and cuts A from B so
// that B does not learn A's term. The voters are restarted (a restarted
// node follows no leader, so it grants votes even under check-quorum), A
// campaigns, each voter is restarted again right after it saved its vote
// for A, and B campaigns at once: with A and B in the same term, a voter
// that forgot its vote on restart votes twice. Every link is healed after.
func voteStorm(c *Cluster, rng *mrand.Rand, apply func(wire.Command) error) error {
	v := c.View(1)
	var up []core.NodeID
	for _, x := range v.Nodes {
		if x.Up {
			up = append(up, x.ID)
		}
	}
	k := len(v.Nodes) / 2
	if len(up) < k+2 {
		return nil
	}
	rng.Shuffle(len(up), func(i, j int) { up[i], up[j] = up[j], up[i] })
	if ls := leadersIn(v); len(ls) == 1 {
		if i := slices.Index(up, ls[0].ID); i > 0 {
			up[0], up[i] = up[i], up[0]
		}
	}
	voters, a, b := up[:k], up[k], up[k+1]
	restart := func(ids []core.NodeID) error {
		for _, id := range ids {
			if err := apply(wire.Command{Kind: wire.CmdCrash, Node: id}); err != nil {
				return err
			}
			if err := apply(wire.Command{Kind: wire.CmdRestart, Node: id}); err != nil {
				return err
			}
		}
		return nil
	}
	if err := apply(wire.Command{Kind: wire.CmdHeal}); err != nil {
		return err
	}
	if err := apply(wire.Command{Kind: wire.CmdCut, Node: a, Peer: b}); err != nil {
		return err
	}
	if err := restart(voters); err != nil {
		return err
	}
	if !c.nodes[a-1].up() {
		return apply(wire.Command{Kind: wire.CmdHeal})
	}
	term := c.nodes[a-1].Term
	if err := apply(wire.Command{Kind: wire.CmdCampaign, Node: a}); err != nil {
		return err
	}
	// Restart each voter as soon as it has voted for A.
	pending := slices.Clone(voters)
	for ms := 0; ms < 500 && len(pending) > 0 && c.Halted() == nil; ms++ {
		if err := c.RunFor(1); err != nil {
			return err
		}
		var voted []core.NodeID
		pending = slices.DeleteFunc(pending, func(id core.NodeID) bool {
			n := c.nodes[id-1]
			if n.up() && n.Vote == a && n.Term > term {
				voted = append(voted, id)
				return true
			}
			return false
		})
		if err := restart(voted); err != nil {
			return err
		}
		if len(voted) > 0 && c.nodes[b-1].up() {
			if err := apply(wire.Command{Kind: wire.CmdCampaign, Node: b}); err != nil {
				return err
			}
		}
	}
	if err := c.RunFor(300); err != nil {
		return err
	}
	return apply(wire.Command{Kind: wire.CmdHeal})
}

// TestChaosCatchesPlantedForgottenVote shows the vote-storm profile and the
// one-vote-per-term check at work: with a planted bug (a node's vote is lost
// when it crashes) some seed must fail on a node voting twice in a term, or
// on the two leaders that follows. Without the profile, the campaign passed
// 200 seeds with this bug. The bug is the configuration's planted fault
// (wire.FaultForgetVote), as the page plants it.
func TestChaosCatchesPlantedForgottenVote(t *testing.T) {
	t.Setenv("SESHAT_CHAOS_OUT", t.TempDir())
	for seed := uint64(1); seed <= 30; seed++ {
		c, err := chaosRunOpts(seed, 30_000, chaosOpts{faults: []wire.FaultKind{wire.FaultForgetVote}})
		if err == nil {
			continue
		}
		if v := c.Halted(); v == nil || (v.Property != wire.PropOneVote && v.Property != wire.PropElectionSafety) {
			t.Fatalf("seed %d failed, but not on a double vote: %v", seed, err)
		}
		t.Logf("seed %d: %v", seed, err)
		return
	}
	t.Fatal("no seed of 30 caught nodes that forget their vote on a crash")
}

// TestChaosMembership is the chaos campaign with membership churn mixed in:
// adds, learners, promotions, removals (the leader too), replacements and
// joint changes among the crashes, partitions and message faults, with
// every check of TestChaos (safety, convergence, linearizability).
func TestChaosMembership(t *testing.T) {
	seeds := chaosEnv("SESHAT_CHAOS_MEMBER_SEEDS", 30)
	seconds := max(chaosEnv("SESHAT_CHAOS_SECONDS", 60), 20)
	first := chaosEnv("SESHAT_CHAOS_FIRST", 1)
	if testing.Short() {
		seeds = min(seeds, 5)
	}
	changed, ops, undecided := 0, 0, 0
	for s := first; s < first+seeds; s++ {
		seed := uint64(s)
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			var lin LinearizabilityResult
			c, err := chaosRunOpts(seed, int64(seconds)*1000, chaosOpts{lin: &lin, membership: true})
			ops += lin.Ops
			if strings.Contains(lin.CrossCheck, "timed out") || strings.Contains(lin.CrossCheck, "skipped") {
				undecided++
				t.Logf("seed %d: %s", seed, lin.CrossCheck)
			}
			if err != nil {
				dir, files, shrunk := saveChaosFailure(c, seed, err, nil)
				t.Fatalf("seed %d: %v\nreplay: SESHAT_CHAOS_FIRST=%d SESHAT_CHAOS_MEMBER_SEEDS=1 SESHAT_CHAOS_SECONDS=%d go test ./sim -run 'TestChaosMembership/seed=%d$' -v\nfiles in %s: %s\n%s",
					seed, err, seed, seconds, seed, dir, strings.Join(files, ", "), shrunk)
			}
			if len(c.nodes) > c.initial.Nodes {
				changed++
			}
		})
	}
	if changed == 0 {
		t.Fatal("no seed added a node: the churn never happened")
	}
	t.Logf("membership chaos: %d seeds from %d, %d virtual s each; %d of them added nodes; %d operations checked in log order; Porcupine undecided on %d seeds",
		seeds, first, seconds, changed, ops, undecided)
}

// TestChaosMembershipCatchesPlantedFaults shows the membership campaign
// failing on two faults it was built to catch: a removed leader that does
// not hand leadership on (some seed is left without a leader for good) and
// removed nodes that go on serving clients (a removed node that still
// believes it leads answers a read from its stale state). The second is
// rare: seeds 481, 515 and 944 hit it among the first thousand; if a change
// of the engine moves them, find new ones by giving this loop seeds 1 to
// 1000 (about 40 s). Each seed must pass unplanted first.
func TestChaosMembershipCatchesPlantedFaults(t *testing.T) {
	t.Setenv("SESHAT_CHAOS_OUT", t.TempDir())
	var seq []uint64
	for s := uint64(1); s <= 200; s++ {
		seq = append(seq, s)
	}
	for _, tc := range []struct {
		name  string
		plant func(*Cluster)
		seeds []uint64
		want  string
	}{
		{"no hand-off", func(c *Cluster) { c.hooks.noHandOff = true }, seq, "after the quiet period"},
		{"removed nodes serve clients", func(c *Cluster) { c.hooks.servesRemoved = true }, []uint64{481, 515, 944}, "linearizab"},
	} {
		caught := false
		for _, seed := range tc.seeds {
			if _, err := chaosRunOpts(seed, 60_000, chaosOpts{membership: true}); err != nil {
				t.Fatalf("%s: seed %d fails unplanted: %v", tc.name, seed, err)
			}
			_, err := chaosRunOpts(seed, 60_000, chaosOpts{plant: tc.plant, membership: true})
			if err != nil && strings.Contains(err.Error(), tc.want) {
				caught = true
				t.Logf("%s: seed %d: %v", tc.name, seed, err)
				break
			}
		}
		if !caught {
			t.Errorf("%s: no seed of %d failed with %q", tc.name, len(tc.seeds), tc.want)
		}
	}
}
