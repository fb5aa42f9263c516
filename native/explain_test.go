package native

import (
	"strings"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/wire"
)

// eventWith waits for an event since seq whose text holds every part.
func eventWith(t *testing.T, c *Cluster, since uint64, what string, parts ...string) {
	t.Helper()
	waitFor(t, 10*time.Second, what, func() bool {
		for _, e := range c.Frame(since, true, 0, wire.ViewOptions{}).Events {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(e.Text, p)
			}
			if ok {
				return true
			}
		}
		return false
	})
}

// TestExplainElections: native nodes say, in the simulator's words, who
// refused a forced pre-vote and why, and why an isolated leader stepped down.
func TestExplainElections(t *testing.T) {
	c := startCluster(t, testConfig(3))
	l := waitLeader(t, c)
	f := l.ID%3 + 1
	since := c.EventCount()
	mustApply(t, c, wire.Command{Kind: wire.CmdCampaign, Node: f})
	eventWith(t, c, since, "a refused pre-vote",
		" refused "+f.String()+"'s pre-vote for term ", ": it ")
	eventWith(t, c, since, "the forced node back to follower",
		f.String()+" went back to follower in term ", ": it heard from leader "+l.ID.String())

	l = waitLeader(t, c)
	since = c.EventCount()
	mustApply(t, c, wire.Command{Kind: wire.CmdIsolate, Node: l.ID})
	eventWith(t, c, since, "the isolated leader to step down",
		l.ID.String()+" stepped down to follower in term ", ": it heard from no quorum within an election timeout")
}
