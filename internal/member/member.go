package member

import (
	"errors"
	"fmt"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// MaxMessageBytes is the largest encoded message Unmarshal accepts.
const MaxMessageBytes = 16 << 20

// Errors of a member.
var (
	// ErrBadMessage is returned for a message that cannot be decoded, is
	// too large, is not addressed to the member, or is of a type only a
	// node's own process produces. The member is unchanged.
	ErrBadMessage = errors.New("member: bad message")
	// ErrFailed is returned by every call once a Ready round has failed
	// (storage or decoding): the node cannot continue.
	ErrFailed = errors.New("member: the node has failed")
)

// Member is one Raft node joining a cluster from outside. It is not safe
// for concurrent use.
type Member struct {
	id  core.NodeID
	rn  *core.RaftNode
	err error

	nar    wire.Narrator // narrates its Ready rounds, as the simulator does
	events []wire.Event
}

// New returns a member with id id and Raft tuning rc (the cluster's: the
// same timing, PreVote and CheckQuorum). It has no membership yet.
func New(id core.NodeID, rc core.RaftConfig) (*Member, error) {
	cfg := core.Config{Node: core.NodeConfig{ID: id}, Raft: rc}
	rn, err := core.New(cfg, storage.NewMemStorage())
	if err != nil {
		return nil, fmt.Errorf("member: %w", err)
	}
	m := &Member{id: id, rn: rn}
	hs, _, _ := rn.Storage().InitialState()
	m.nar.ID = id
	m.nar.Restart(hs)
	return m, nil
}

// ID is the member's Raft id.
func (m *Member) ID() core.NodeID { return m.id }

// Tick advances the member's Raft clock by one heartbeat interval and
// returns the messages to send.
func (m *Member) Tick() ([]*pb.Message, error) {
	if m.err != nil {
		return nil, m.err
	}
	m.rn.Tick()
	m.nar.Ticked(m.rn.Role(), m.keep)
	return m.drain()
}

// Step hands the member a message from a peer and returns the messages to
// send. A message etcd Raft ignores (an old term, a peer it does not know)
// is not an error.
func (m *Member) Step(msg *pb.Message) ([]*pb.Message, error) {
	if m.err != nil {
		return nil, m.err
	}
	if err := m.check(msg); err != nil {
		return nil, err
	}
	m.nar.Heard(msg)
	_ = m.rn.Step(msg) // a refusal is etcd Raft ignoring what it should ignore
	return m.drain()
}

// TransferLeadership asks the member, if it leads, to hand leadership to
// voter to, and returns the messages to send. It returns a
// *core.NotLeaderError when the member does not lead.
func (m *Member) TransferLeadership(to core.NodeID) ([]*pb.Message, error) {
	if m.err != nil {
		return nil, m.err
	}
	if err := m.rn.TransferLeadership(to); err != nil {
		return nil, err
	}
	return m.drain()
}

func (m *Member) check(msg *pb.Message) error {
	switch {
	case core.NodeID(msg.GetTo()) != m.id:
		return fmt.Errorf("%w: it is for %s; this member is %s", ErrBadMessage, core.NodeID(msg.GetTo()), m.id)
	case msg.GetFrom() == 0 || core.NodeID(msg.GetFrom()) == m.id:
		return fmt.Errorf("%w: it is from %s", ErrBadMessage, core.NodeID(msg.GetFrom()))
	case raft.IsLocalMsg(msg.GetType()) || msg.GetType() == pb.MsgProp:
		return fmt.Errorf("%w: %s is not sent between nodes here", ErrBadMessage, msg.GetType())
	}
	return nil
}

// StepBytes decodes a message (Unmarshal) and steps it.
func (m *Member) StepBytes(data []byte) ([]*pb.Message, error) {
	msg, err := Unmarshal(data)
	if err != nil {
		return nil, err
	}
	return m.Step(msg)
}

// drain runs Ready rounds until there is nothing left to do, collecting
// their messages. Each round persists, applies and advances before its
// messages are returned (core.RaftNode.Process).
func (m *Member) drain() ([]*pb.Message, error) {
	var out []*pb.Message
	for m.rn.HasReady() {
		u, err := m.rn.Process()
		if err != nil {
			m.err = fmt.Errorf("%w: %w", ErrFailed, err)
			return nil, m.err
		}
		m.nar.Observe(&u, true, m.keep)
		out = append(out, u.Messages...)
	}
	return out, nil
}

// maxEvents bounds the events kept until TakeEvents.
const maxEvents = 256

// keep records an event of the member's narrator, described (it keeps no
// reference to the round's entries), dropping the oldest beyond maxEvents.
func (m *Member) keep(e wire.Event) {
	if len(m.events) == maxEvents {
		m.events = m.events[1:]
	}
	m.events = append(m.events, e.Described())
}

// TakeEvents returns the events since the last call (at most 256: the
// oldest go first) and forgets them.
func (m *Member) TakeEvents() []wire.Event {
	ev := m.events
	m.events = nil
	return ev
}

// LogWindow is how many of the newest log entries View shows.
const LogWindow = 40

// View returns the member's state in the schema every producer shows its
// nodes in (wire.NodeView), filled as the simulator fills a running node's:
// up (false once the member has failed, with the reason in Error), role,
// term, vote, leader, commit, applied, log indexes, election clock, voters,
// a leader's progress, the newest LogWindow log entries and the first page
// of keys (wire.DefaultKVLimit). The page reports it to the native cluster
// (the bridge's report operation, its keys cut to fit a frame), which
// keeps of it what is the member's to say.
func (m *Member) View() wire.NodeView {
	st := m.rn.Status()
	v := wire.NodeView{
		ID: m.id, Up: m.err == nil, Role: st.Role, Term: st.Term, Vote: st.Vote, Leader: st.Leader,
		Commit: st.Commit, Applied: st.Applied, LastIndex: st.LastIndex, FirstIndex: st.FirstIndex,
		SnapshotIndex: st.SnapshotIndex, SnapshotTerm: st.SnapshotTerm,
		ElectionElapsed: m.nar.ElectionElapsed(st.Role), Voters: st.Voters, Progress: st.Progress,
		KV: wire.KVPage(m.rn.StateMachine(), "", wire.DefaultKVLimit),
	}
	v.Log, v.LogOmitted = wire.LogTail(m.rn.Storage(), st.FirstIndex, st.LastIndex, LogWindow)
	if m.err != nil {
		v.Error = wire.CutText(m.err.Error())
	}
	return v
}

// Get reads key from the member's state machine (not linearizable: what
// the member has applied).
func (m *Member) Get(key string) (string, bool) { return m.rn.StateMachine().Get(key) }

// Marshal encodes a message as it crosses the wire: protobuf binary.
func Marshal(msg *pb.Message) ([]byte, error) {
	b, err := proto.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("member: encode %s: %w", msg.GetType(), err)
	}
	return b, nil
}

// Unmarshal decodes a message of at most MaxMessageBytes.
func Unmarshal(data []byte) (*pb.Message, error) {
	if len(data) > MaxMessageBytes {
		return nil, fmt.Errorf("%w: %d bytes; the limit is %d", ErrBadMessage, len(data), MaxMessageBytes)
	}
	msg := new(pb.Message)
	if err := proto.Unmarshal(data, msg); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	return msg, nil
}
