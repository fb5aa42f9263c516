package sim

// Time travel keeps checkpoints: paused replicas of the cluster at regular
// virtual times, each built by replaying the session from time 0 (the
// simulator never deep-copies a cluster; etcd Raft's state cannot be copied).
// Seeking back to t takes the latest checkpoint at or before t and replays
// from there, so a seek costs at most a checkpoint interval of simulation.
//
// Checkpoints are built a little at a time by Maintain, which the page calls
// when idle; a checkpoint used by a seek is gone and is rebuilt later.

// DefaultCheckpointEveryMS is the default spacing of checkpoints: two virtual
// minutes, a seek replays at most that much.
const DefaultCheckpointEveryMS = 2 * 60 * 1000

// Bounds on what checkpoints hold, so a long session's memory stays bounded:
// at most maxCheckpoints replicas (past that the spacing doubles and every
// other checkpoint is dropped), each keeping only the newest
// checkpointTraceKeep trace events.
const (
	maxCheckpoints      = 12
	checkpointTraceKeep = 2_000
)

// checkpoints is the live cluster's set of replicas.
type checkpoints struct {
	every   int64      // spacing in virtual ms; 0 disables checkpoints
	saved   []*Cluster // paused replicas, by increasing time
	builder *Cluster   // a replica replaying towards the next checkpoint
	target  int64      // the time the builder is heading for
}

// SetCheckpointInterval sets the spacing of checkpoints in virtual ms (0
// turns them off) and drops the existing ones.
func (c *Cluster) SetCheckpointInterval(ms int64) {
	if ms < 0 {
		ms = 0
	}
	c.cps = &checkpoints{every: ms}
}

// Checkpoints returns the virtual times of the checkpoints ready for seeking.
func (c *Cluster) Checkpoints() []int64 {
	var out []int64
	for _, r := range c.cps.saved {
		out = append(out, r.now)
	}
	return out
}

// Maintain does up to maxSteps simulation steps of checkpoint building and
// reports whether every checkpoint up to the horizon is built. It never
// changes the live cluster's state.
func (c *Cluster) Maintain(maxSteps int) bool {
	cp := c.cps
	if cp.every <= 0 || c.replica {
		return true
	}
	for maxSteps > 0 {
		if cp.builder == nil {
			t := c.missingCheckpoint()
			if t < 0 {
				return true
			}
			b, err := New(c.initial)
			if err != nil {
				return true // cannot happen: the live cluster was built from it
			}
			b.replica = true
			b.log = c.log
			b.hooks = c.hooks
			b.trace.resize(checkpointTraceKeep)
			cp.builder, cp.target = b, t
		}
		b := cp.builder
		done, steps := b.runUntilBudget(cp.target, maxSteps)
		maxSteps -= steps
		if done {
			cp.builder = nil
			if b.halted == nil {
				c.saveCheckpoint(b)
			}
		}
	}
	return c.missingCheckpoint() < 0 && cp.builder == nil
}

// missingCheckpoint returns the earliest checkpoint time (a positive
// multiple of the spacing, not after the horizon) with no checkpoint, or -1.
// Times past the current point (after a seek back) replay the recorded
// future, which is what a later seek there would replay too.
func (c *Cluster) missingCheckpoint() int64 {
	cp := c.cps
	i := 0
	for t := cp.every; t <= c.horizon; t += cp.every {
		for i < len(cp.saved) && cp.saved[i].now < t {
			i++
		}
		if i < len(cp.saved) && cp.saved[i].now == t {
			continue
		}
		return t
	}
	return -1
}

func (c *Cluster) saveCheckpoint(r *Cluster) {
	cp := c.cps
	if len(cp.saved) >= maxCheckpoints {
		// Thin out: double the spacing and keep the checkpoints on it.
		cp.every *= 2
		keep := cp.saved[:0]
		for _, s := range cp.saved {
			if s.now%cp.every == 0 {
				keep = append(keep, s)
			}
		}
		for i := len(keep); i < len(cp.saved); i++ {
			cp.saved[i] = nil
		}
		cp.saved = keep
		if r.now%cp.every != 0 {
			return
		}
	}
	i := 0
	for i < len(cp.saved) && cp.saved[i].now < r.now {
		i++
	}
	cp.saved = append(cp.saved, nil)
	copy(cp.saved[i+1:], cp.saved[i:])
	cp.saved[i] = r
}

// invalidateAfter is called when a new command has replaced the recorded
// future: it drops the checkpoints (and the builder) past the current point,
// and hands the builder the new log.
func (c *Cluster) invalidateAfter() {
	cp := c.cps
	before := func(r *Cluster) bool { return r.steps <= c.steps && r.now <= c.now }
	keep := cp.saved[:0]
	for _, r := range cp.saved {
		if before(r) {
			keep = append(keep, r)
		}
	}
	for i := len(keep); i < len(cp.saved); i++ {
		cp.saved[i] = nil
	}
	cp.saved = keep
	if b := cp.builder; b != nil {
		if before(b) {
			b.log = c.log
		} else {
			cp.builder = nil
		}
	}
}

// takeCheckpoint removes and returns the latest checkpoint at or before t.
func (c *Cluster) takeCheckpoint(t int64) *Cluster {
	cp := c.cps
	for i := len(cp.saved) - 1; i >= 0; i-- {
		if r := cp.saved[i]; r.now <= t {
			cp.saved = append(cp.saved[:i], cp.saved[i+1:]...)
			return r
		}
	}
	return nil
}

// runUntilBudget is RunUntil(t) limited to maxSteps events; it reports
// whether it reached t and how many steps it took.
func (c *Cluster) runUntilBudget(t int64, maxSteps int) (reached bool, steps int) {
	withEntropy(c.ent, func() { reached, steps = c.runUntilBudgetLocked(t, maxSteps) })
	return reached, steps
}

// runUntilBudgetLocked is runUntilBudget with the cluster's entropy installed.
func (c *Cluster) runUntilBudgetLocked(t int64, maxSteps int) (bool, int) {
	steps := 0
	for c.halted == nil {
		c.applyDue(t)
		if c.halted != nil || c.queue.Len() == 0 || c.queue.peek().at > t {
			break
		}
		if steps >= maxSteps {
			return false, steps
		}
		if _, err := c.step(); err != nil {
			break
		}
		steps++
	}
	if t > c.now {
		c.now = t
	}
	if c.now > c.horizon {
		c.horizon = c.now
	}
	return true, steps
}
