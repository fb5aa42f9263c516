package main

import (
	"context"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/internal/bridge"
	"github.com/seshat-raft/seshat/native"
)

// joinNative lets pages host members of the native cluster (the bridge's
// join operation).
func joinNative(c *native.Cluster) bridge.JoinFunc {
	return func(ctx context.Context, id core.NodeID, send func(*pb.Message)) (bridge.Member, error) {
		rm, err := c.AddRemoteAs(ctx, id, send)
		if err != nil {
			return nil, err
		}
		return rm, nil
	}
}
