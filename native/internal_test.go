package native

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
)

// nodeByID returns a node of the current cluster, for white-box tests.
func (c *Cluster) nodeByID(id core.NodeID) *node { return c.current().node(id) }

func opSet(key, value string, id uint64) statemachine.Operation {
	return statemachine.Operation{Kind: statemachine.OpSet, Key: key, Value: value, ID: id}
}

func TestFramesRoundTripAndRefuseOversizedLengths(t *testing.T) {
	m := &pb.Message{Type: pb.MsgApp.Enum(), From: new(uint64(1)), To: new(uint64(2)), Term: new(uint64(3)),
		Entries: []*pb.Entry{{Index: new(uint64(4)), Term: new(uint64(3)), Data: opSet("k", "v", 9).Encode()}}}
	var buf []byte
	buf, err := appendFrame(buf, m)
	if err != nil {
		t.Fatal(err)
	}
	buf, err = appendFrame(buf, m)
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(bytes.NewReader(buf))
	for i := 0; i < 2; i++ {
		got, _, err := readFrame(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got, m) {
			t.Fatalf("frame %d = %v, want %v", i, got, m)
		}
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], MaxFrameBytes+1)
	if _, _, err := readFrame(bufio.NewReader(bytes.NewReader(hdr[:])), nil); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("oversized frame: %v, want ErrFrameTooLarge", err)
	}
	binary.BigEndian.PutUint32(hdr[:], 3)
	if _, _, err := readFrame(bufio.NewReader(bytes.NewReader(append(hdr[:], 0xff, 0xff, 0xff))), nil); err == nil {
		t.Error("garbage frame decoded")
	}
}
