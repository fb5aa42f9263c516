package native

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
)

// A panic inside etcd Raft (here: a heartbeat whose commit is past the
// follower's last index, stepped straight into its RaftNode, past every
// guard) stops that node, with its reason in its view and the trace; the
// process and the other nodes go on, and the node restarts from its
// storage.
func TestAPanicStopsOneNodeNotTheProcess(t *testing.T) {
	c := startCluster(t, testConfig(3))
	l := waitLeader(t, c)
	mustSet(t, c, "a", "1")
	f := core.NodeID(1)
	if f == l.ID {
		f = 2
	}
	r := c.current()
	in := r.nodes[f-1].running()
	err := in.do(func() {
		last, _ := in.rn.Storage().LastIndex()
		_ = in.rn.Step(&pb.Message{Type: pb.MsgHeartbeat.Enum(), From: proto.Uint64(uint64(l.ID)), To: proto.Uint64(uint64(f)),
			Term: proto.Uint64(uint64(in.rn.Term())), Commit: proto.Uint64(last + 100)})
	})
	if !errors.Is(err, ErrNodeDown) {
		t.Fatalf("do = %v, want ErrNodeDown", err)
	}
	nv := nodeView(c, f)
	if nv.Up || !strings.Contains(nv.Error, "etcd Raft panicked") || !strings.Contains(nv.Error, "tocommit") {
		t.Fatalf("%s: up %v, error %q", f, nv.Up, nv.Error)
	}
	evs := c.Frame(0, false, 0, 0).Events
	if !slices.ContainsFunc(evs, func(e sim.Event) bool {
		return e.Kind == sim.EvCrash && e.Node == f && strings.Contains(e.Text, "etcd Raft panicked")
	}) {
		t.Fatal("no crash event naming the panic")
	}
	mustSet(t, c, "b", "2")
	mustApply(t, c, sim.Command{Kind: sim.CmdRestart, Node: f})
	waitFor(t, 10*time.Second, "the restarted node applies b", func() bool {
		v, ok := kvOf(nodeView(c, f), "b")
		return ok && v == "2"
	})
}
