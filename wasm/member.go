package main

import (
	"errors"
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/internal/member"
	"github.com/seshat-raft/seshat/wire"
)

// The member-* calls run one Raft node in the page that joins the dev
// server's native cluster (internal/member): the page asks the bridge to
// join, starts the member with the id it was given, ticks it every
// heartbeat interval of wall time and steps every binary frame the bridge
// sends; each call answers the messages to send back, as binary frames, and
// the member's view. Unlike the simulator, this node runs on the wall
// clock that the page's ticks bring: it is not replayable.

// memberStartArgs are the arguments of member-start: the id and the Raft
// tuning the bridge's join answered (omitted fields keep the defaults).
type memberStartArgs struct {
	ID   core.NodeID     `json:"id"`
	Raft core.RaftConfig `json:"raft"`
}

// memberStepArgs are the arguments of member-step: raftpb.Message bytes,
// base64 in JSON, one or many.
type memberStepArgs struct {
	Message  []byte   `json:"message"`
	Messages [][]byte `json:"messages"`
}

// memberAnswer is the result of every member-* call.
type memberAnswer struct {
	// Messages are the raftpb.Message bytes to send (base64 in JSON), one
	// binary websocket frame each, in order.
	Messages [][]byte `json:"messages"`
	// View is the member's state after the call.
	View wire.NodeView `json:"view"`
	// Events are what the member did since the last call, narrated as the
	// simulator narrates its nodes (wire.Narrator); Seq and At are 0.
	Events []wire.Event `json:"events"`
	// Refused lists why messages given to member-step were dropped.
	Refused []string `json:"refused,omitempty"`
}

// maxMemberMessages bounds the messages one member-step call takes.
const maxMemberMessages = wire.MaxMemberMessages

// callMember answers the member-* calls; ok is false for any other op.
func (e *Engine) callMember(op string, args []byte) (res any, ok bool, err error) {
	switch op {
	case "member-start":
		a := memberStartArgs{Raft: core.DefaultRaftConfig()}
		if err := decode(args, &a); err != nil {
			return nil, true, badRequest("member-start: %v", err)
		}
		m, err := member.New(a.ID, a.Raft)
		if err != nil {
			return nil, true, fmt.Errorf("%w: member-start: %w", errBadMember, err)
		}
		e.member = m
		return e.memberAnswer(nil, nil), true, nil
	case "member-tick", "member-step", "member-view", "member-stop":
	default:
		return nil, false, nil
	}
	if e.member == nil {
		r, _ := wire.RequestRuleOf(wire.RequestKind(op))
		return nil, true, r.TooEarly()
	}
	m := e.member
	switch op {
	case "member-tick":
		if err := decode(args, &struct{}{}); err != nil {
			return nil, true, badRequest("member-tick: %v", err)
		}
		out, err := m.Tick()
		if err != nil {
			return nil, true, err
		}
		return e.memberAnswer(out, nil), true, nil
	case "member-step":
		var a memberStepArgs
		if err := decode(args, &a); err != nil {
			return nil, true, badRequest("member-step: %v", err)
		}
		msgs := a.Messages
		if a.Message != nil {
			msgs = append([][]byte{a.Message}, msgs...)
		}
		if len(msgs) > maxMemberMessages {
			return nil, true, badRequest("member-step: %d messages; at most %d per call", len(msgs), maxMemberMessages)
		}
		var out []*pb.Message
		var refused []string
		for _, data := range msgs {
			sent, err := m.StepBytes(data)
			if errors.Is(err, member.ErrBadMessage) {
				refused = append(refused, err.Error())
				continue
			}
			if err != nil {
				return nil, true, err
			}
			out = append(out, sent...)
		}
		return e.memberAnswer(out, refused), true, nil
	case "member-view":
		return e.memberAnswer(nil, nil), true, nil
	default: // member-stop
		e.member = nil
		return struct{}{}, true, nil
	}
}

// errBadMember marks a member-start whose id or tuning is invalid.
var errBadMember = fmt.Errorf("%w: member", wire.ErrBadConfig)

// memberAnswer encodes the messages to send with the member's view.
func (e *Engine) memberAnswer(out []*pb.Message, refused []string) memberAnswer {
	a := memberAnswer{Messages: make([][]byte, 0, len(out)), View: e.member.View(), Events: e.member.TakeEvents(), Refused: refused}
	for _, msg := range out {
		if data, err := member.Marshal(msg); err == nil {
			a.Messages = append(a.Messages, data)
		}
	}
	if a.Events == nil {
		a.Events = []wire.Event{}
	}
	return a
}
