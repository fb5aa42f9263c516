package native

import (
	"fmt"
	"slices"
	"time"
)

// DefaultMemberSilence is how long a member hosted outside the process may
// send nothing before the cluster removes it (SetMemberSilence).
const DefaultMemberSilence = 10 * time.Second

// SetMemberSilence sets how long a member hosted outside the process (a
// page, a `devserver -join` process) may go without a message Deliver
// accepts before the cluster removes it (ConfChange RemoveNode), counted
// in heartbeat ticks while a native node leads; d <= 0 restores DefaultMemberSilence. The
// setting is kept by Create. Together with the limit on voters hosted
// outside (AddRemote), this keeps members that go silent from holding the
// native nodes' quorum: they are removed while the native nodes can still
// commit the removal.
func (c *Cluster) SetMemberSilence(d time.Duration) {
	c.current().silence.Store(int64(max(d, 0)))
}

// memberSilence is the run's member silence.
func (r *run) memberSilence() time.Duration {
	if d := time.Duration(r.silence.Load()); d > 0 {
		return d
	}
	return DefaultMemberSilence
}

// remoteVotersLocked counts the voters hosted outside the process: the
// registered members that joined as voters, or the voters with ids above
// the native nodes' in the leader's membership if there are more (a member
// whose removal timed out stays one). r.remoteMu is held.
func (r *run) remoteVotersLocked(configured int) int {
	n := 0
	for _, rm := range r.remotes {
		if !rm.learner {
			n++
		}
	}
	return max(n, configured)
}

// configuredRemoteVoters counts the voters with ids above the native
// nodes' in the membership the leader last published.
func (r *run) configuredRemoteVoters() int {
	l := r.leader()
	if l == nil {
		return 0
	}
	l.mu.Lock()
	voters := l.state.status.Voters
	l.mu.Unlock()
	n := 0
	for _, v := range voters {
		if r.node(v) == nil {
			n++
		}
	}
	return n
}

// watchMembers removes members that have been silent for the member
// silence until the run stops. It counts silence in heartbeat ticks, and
// only while a native node leads: without a leader a member may have
// nothing to answer (a learner does not campaign), and no removal could
// commit anyway. A removal is retried until it is applied or the run
// stops: the native nodes make a quorum of their own, so it commits once
// they have a leader.
func (r *run) watchMembers() {
	defer r.wg.Done()
	every := time.Duration(r.cfg.Raft.HeartbeatIntervalMS) * time.Millisecond
	t := time.NewTicker(every)
	defer t.Stop()
	type quiet struct {
		heard int64 // rm.heard when last looked at
		ticks int   // ticks with a native leader since then
	}
	quiets := make(map[*Remote]*quiet)
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		silence := r.memberSilence()
		led := r.leader() != nil
		members := r.remoteList()
		for rm := range quiets {
			if !slices.Contains(members, rm) {
				delete(quiets, rm)
			}
		}
		for _, rm := range members {
			if !rm.added.Load() {
				continue // AddRemote removes it if its join fails
			}
			q := quiets[rm]
			if q == nil {
				q = &quiet{}
				quiets[rm] = q
			}
			if h := rm.heard.Load(); h != q.heard {
				q.heard, q.ticks = h, 0
				continue
			}
			if led {
				q.ticks++
			}
			if time.Duration(q.ticks)*every < silence || rm.removing.Swap(true) {
				continue
			}
			why := fmt.Sprintf("nothing heard from it for %d heartbeats (%v) while a native node led (the limit is %v)", q.ticks, time.Duration(q.ticks)*every, silence)
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				_ = rm.remove(r.ctx, why)
			}()
		}
	}
}
