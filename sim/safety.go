package sim

import (
	"github.com/seshat-raft/seshat/core"
)

// Violation is a broken safety property, found by the online checkers.
type Violation struct {
	At       int64         `json:"at"`
	Property string        `json:"property"` // e.g. "Election Safety"
	Nodes    []core.NodeID `json:"nodes,omitempty"`
	Term     core.Term     `json:"term,omitempty"`
	Index    core.LogIndex `json:"index,omitempty"`
	Text     string        `json:"text"`
}

// safety runs the online safety checks. It holds no pointer back to the
// cluster (a seek replaces the cluster's contents wholesale).
type safety struct{}

func newSafety() *safety { return &safety{} }

// observe checks one node's Ready round.
func (s *safety) observe(c *Cluster, n *simNode, u *core.Update) {}

// afterStep checks cluster-wide invariants after each event.
func (s *safety) afterStep(c *Cluster) {}

// violate stops the run with a violation.
func (c *Cluster) violate(v Violation) {
	if c.halted != nil {
		return
	}
	v.At = c.now
	c.halted = &v
	c.emit(Event{Kind: EvViolation, Term: v.Term, Index: v.Index, Type: v.Property, Text: v.Property + " violated: " + v.Text})
}
