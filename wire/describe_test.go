package wire

import (
	"math/rand/v2"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/statemachine"
)

// TestDescribeMessageIsRaftsWords checks DescribeMessage against
// raft.DescribeMessage over random messages: every type, numbers zero or
// not, rejections, votes, entries of every type with operations, empty or
// undecodable data, snapshots, responses and the targets raft names.
func TestDescribeMessageIsRaftsWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	num := func() uint64 {
		switch rng.IntN(4) {
		case 0:
			return 0
		case 1:
			return rng.Uint64()
		default:
			return rng.Uint64N(300)
		}
	}
	cc, _ := proto.Marshal(&pb.ConfChange{Type: pb.ConfChangeAddNode.Enum(), NodeId: proto.Uint64(4)})
	cc2, _ := proto.Marshal(&pb.ConfChangeV2{Changes: []*pb.ConfChangeSingle{{Type: pb.ConfChangeRemoveNode.Enum(), NodeId: proto.Uint64(2)}}})
	data := [][]byte{nil, statemachine.Set("k1", "v").Encode(), statemachine.Set("a b", "<é \"q\">").Encode(), statemachine.Del("k2").Encode(), {1, 2, 3}}
	entry := func() *pb.Entry {
		e := &pb.Entry{Term: proto.Uint64(num()), Index: proto.Uint64(num())}
		switch rng.IntN(6) {
		case 0:
			e.Type, e.Data = pb.EntryConfChange.Enum(), cc
		case 1:
			e.Type, e.Data = pb.EntryConfChangeV2.Enum(), cc2
		default:
			e.Data = data[rng.IntN(len(data))]
		}
		return e
	}
	target := func() uint64 {
		switch rng.IntN(10) {
		case 0:
			return raft.None
		case 1:
			return raft.LocalAppendThread
		case 2:
			return raft.LocalApplyThread
		default:
			return 1 + rng.Uint64N(20)
		}
	}
	var message func(depth int) *pb.Message
	message = func(depth int) *pb.Message {
		m := &pb.Message{
			Type: pb.MessageType(rng.IntN(len(pb.MessageType_name) + 1)).Enum(), From: proto.Uint64(target()), To: proto.Uint64(target()),
			Term: proto.Uint64(num()), LogTerm: proto.Uint64(num()), Index: proto.Uint64(num()), Commit: proto.Uint64(num()),
			Vote: proto.Uint64(num()), Reject: proto.Bool(rng.IntN(4) == 0), RejectHint: proto.Uint64(num()),
		}
		for range rng.IntN(4) {
			m.Entries = append(m.Entries, entry())
		}
		if rng.IntN(8) == 0 {
			m.Snapshot = &pb.Snapshot{Metadata: &pb.SnapshotMetadata{Index: proto.Uint64(num()), Term: proto.Uint64(num()), ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}}}}
		}
		if depth == 0 && rng.IntN(8) == 0 {
			m.Responses = []*pb.Message{message(1)}
		}
		return m
	}
	for range 20000 {
		m := message(0)
		if got, want := DescribeMessage(m), raft.DescribeMessage(m, statemachine.FormatEntryData); got != want {
			t.Fatalf("DescribeMessage(%v)\n got %q\nwant %q", m, got, want)
		}
	}
}
