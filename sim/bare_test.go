package sim

import (
	"io"
	"log"
	mrand "math/rand/v2"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/statemachine"
)

// bareLoop is the simulated cluster reduced to etcd Raft itself: RawNodes on
// raft.MemoryStorage, the same tick schedule, latency model and proposal
// rate as benchConfig, and nothing else (no trace, checkers, clients, state
// machine or snapshots). It is the speed the simulator is measured against.
type bareLoop struct {
	now   int64
	rng   *mrand.Rand
	nodes []*raft.RawNode
	store []*raft.MemoryStorage
	queue eventQueue
	seq   uint64
	msgs  map[uint64]*pb.Message
	next  uint64
	sent  int
}

func newBareLoop(tb testing.TB, size int, seed uint64) *bareLoop {
	b := &bareLoop{rng: mrand.New(mrand.NewPCG(seed, seed)), msgs: map[uint64]*pb.Message{}}
	var voters []uint64
	for i := 1; i <= size; i++ {
		voters = append(voters, uint64(i))
	}
	for i := 1; i <= size; i++ {
		st := raft.NewMemoryStorage()
		if err := st.ApplySnapshot(&pb.Snapshot{Metadata: &pb.SnapshotMetadata{ConfState: &pb.ConfState{Voters: voters}, Index: new(uint64(0)), Term: new(uint64(0))}}); err != nil {
			tb.Fatal(err)
		}
		rn, err := raft.NewRawNode(&raft.Config{ID: uint64(i), ElectionTick: 5, HeartbeatTick: 1, Storage: st,
			MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256, CheckQuorum: true, PreVote: true,
			Logger: &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}})
		if err != nil {
			tb.Fatal(err)
		}
		b.nodes = append(b.nodes, rn)
		b.store = append(b.store, st)
		b.push(qevent{at: b.rng.Int64N(100), kind: qTick, who: int32(i - 1)})
	}
	b.push(qevent{at: 100, kind: qClientWake})
	return b
}

func (b *bareLoop) push(e qevent) {
	b.seq++
	e.seq = b.seq
	b.queue.push(e)
}

func (b *bareLoop) ready(i int) {
	rn, st := b.nodes[i], b.store[i]
	for rn.HasReady() {
		rd := rn.Ready()
		if !raft.IsEmptySnap(rd.Snapshot) {
			_ = st.ApplySnapshot(rd.Snapshot)
		}
		_ = st.Append(rd.Entries)
		if !raft.IsEmptyHardState(rd.HardState) {
			_ = st.SetHardState(rd.HardState)
		}
		for _, m := range rd.Messages {
			b.next++
			b.sent++
			b.msgs[b.next] = m
			b.push(qevent{at: b.now + 10 + b.rng.Int64N(21), kind: qDeliver, arg: b.next})
		}
		rn.Advance(rd)
	}
}

func (b *bareLoop) runUntil(t int64) {
	data := statemachine.Set("key", "value").Encode()
	for b.queue.Len() > 0 && b.queue.peek().at <= t {
		e := b.queue.pop()
		b.now = e.at
		switch e.kind {
		case qTick:
			b.nodes[e.who].Tick()
			b.ready(int(e.who))
			b.push(qevent{at: b.now + 100, kind: qTick, who: e.who})
		case qDeliver:
			m := b.msgs[e.arg]
			delete(b.msgs, e.arg)
			to := int(m.GetTo()) - 1
			_ = b.nodes[to].Step(m)
			b.ready(to)
		case qClientWake: // 10 proposals per second to the leader
			for i, rn := range b.nodes {
				if rn.BasicStatus().RaftState == raft.StateLeader {
					_ = rn.Propose(data)
					b.ready(i)
					break
				}
			}
			b.push(qevent{at: b.now + 100, kind: qClientWake})
		}
	}
	b.now = t
}

// BenchmarkBareRawNodeLoop simulates 10 virtual minutes of the bare loop.
func BenchmarkBareRawNodeLoop(b *testing.B) {
	var msgs uint64
	for i := 0; i < b.N; i++ {
		withEntropy(newEntropy(1), func() {
			l := newBareLoop(b, 5, 1)
			l.runUntil(10 * 60 * 1000)
			msgs += uint64(l.sent)
		})
	}
	reportSpeed(b, msgs, 10*60)
}
