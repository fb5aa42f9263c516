//go:build seshat_engine

package sim

import "github.com/seshat-raft/seshat/core"

// toolOptions is empty in the page's engine (the seshat_engine build tag):
// no tool adds options to its nodes (tools.go has ImportWithOptions).
type toolOptions struct{}

// nodeOptions are opts unchanged in the page's engine.
func (*toolOptions) nodeOptions(opts []core.Option) []core.Option { return opts }
