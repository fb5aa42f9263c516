package native

import (
	"fmt"
	"time"
)

// DefaultMemberSilence is how long a member hosted outside the process may
// send nothing before the cluster removes it (SetMemberSilence).
const DefaultMemberSilence = 10 * time.Second

// SetMemberSilence sets how long a member hosted outside the process (a
// page, a `devserver -join` process) may go without a message Deliver
// accepts before the cluster removes it (ConfChange RemoveNode), checked
// once per heartbeat interval; d <= 0 restores DefaultMemberSilence. The
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
		if int(v) > len(r.nodes) {
			n++
		}
	}
	return n
}

// watchMembers removes members that have been silent for the member
// silence, once per heartbeat interval, until the run stops. A removal is
// retried until it is applied or the run stops: the native nodes make a
// quorum of their own, so it commits once they have a leader.
func (r *run) watchMembers() {
	defer r.wg.Done()
	t := time.NewTicker(time.Duration(r.cfg.Raft.HeartbeatIntervalMS) * time.Millisecond)
	defer t.Stop()
	for {
		var now time.Time
		select {
		case <-r.ctx.Done():
			return
		case now = <-t.C:
		}
		silence := r.memberSilence()
		for _, rm := range r.remoteList() {
			quiet := now.Sub(time.Unix(0, rm.heard.Load()))
			if quiet < silence || rm.removing.Swap(true) {
				continue
			}
			why := fmt.Sprintf("nothing heard from it for %v (the limit is %v)", quiet.Round(time.Millisecond), silence)
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				_ = rm.remove(r.ctx, why)
			}()
		}
	}
}
