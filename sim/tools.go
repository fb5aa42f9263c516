//go:build !seshat_engine

package sim

import (
	"fmt"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// toolOptions are what a tool (ImportWithOptions) adds to every node the
// cluster starts. The page's engine, built with the seshat_engine tag,
// has none (tools_engine.go).
type toolOptions struct {
	raftOpts []core.Option
}

// WithRaftOptions adds opts to the core options of every node the cluster
// starts and restarts: for tools that watch etcd Raft inside a run
// (core.WithRaftProbe) or set what core leaves alone (core.WithRaftConfig).
// They must not change what Raft does. The page's engine, built with the
// seshat_engine tag, has no such tool and no WithRaftOptions.
func WithRaftOptions(opts ...core.Option) Option {
	return func(t *toolOptions) { t.raftOpts = append(t.raftOpts, opts...) }
}

// nodeOptions are a node's core options opts with the tool's added.
func (t *toolOptions) nodeOptions(opts []core.Option) []core.Option {
	return append(opts, t.raftOpts...)
}

// ImportWithOptions is Import with opts added to the core options of every
// node the replay starts (and restarts): for tools that watch etcd Raft
// inside the replay (core.WithRaftProbe) or set what core leaves alone
// (core.WithRaftConfig). The options must not change what Raft does, or
// the replay is no longer the session's run. (Import's body repeated, not
// shared; the page's engine, built with the seshat_engine tag, has none
// of it.)
func ImportWithOptions(s Session, opts ...core.Option) (*Cluster, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	c, err := New(s.Config, WithRaftOptions(opts...))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", wire.ErrBadSession, err)
	}
	c.log = append(c.log, s.Commands...)
	r := &Replay{c: c, target: s.Until, isImport: true}
	if err := r.runAll(); err != nil {
		return nil, err
	}
	return r.Cluster(), nil
}
