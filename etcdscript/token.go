package etcdscript

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/statemachine"
)

// A proposal token is how an exported script writes a normal entry's data
// on a propose line, whose data must be one datadriven key (no space, no
// "=", printable). Seshat's entries hold binary encoded operations, so the
// token is a reversible text form of them:
//
//	set:<id>:<key>:<value>   an OpSet (key and value url.QueryEscape'd)
//	del:<id>:<key>           an OpDel
//	hex:<bytes in hex>       anything statemachine.Decode refuses
//
// The entry InteractionEnv appends holds the token's bytes; decodeToken
// turns them back into Seshat's.

// encodeToken returns the proposal token of data (not empty).
func encodeToken(data []byte) string {
	op, err := statemachine.Decode(data)
	if err != nil {
		return "hex:" + hex.EncodeToString(data)
	}
	id := strconv.FormatUint(op.ID, 10)
	if op.Kind == statemachine.OpDel {
		return "del:" + id + ":" + url.QueryEscape(op.Key)
	}
	return "set:" + id + ":" + url.QueryEscape(op.Key) + ":" + url.QueryEscape(op.Value)
}

// decodeToken returns the data a token stands for, or tok itself when it
// is not a token encodeToken writes.
func decodeToken(tok []byte) []byte {
	b, err := parseToken(string(tok))
	if err != nil {
		return tok
	}
	return b
}

func parseToken(tok string) ([]byte, error) {
	kind, rest, _ := strings.Cut(tok, ":")
	if kind == "hex" {
		return hex.DecodeString(rest)
	}
	parts := strings.Split(rest, ":")
	if (kind != "set" || len(parts) != 3) && (kind != "del" || len(parts) != 2) {
		return nil, fmt.Errorf("not a token: %q", tok)
	}
	id, err := strconv.ParseUint(parts[0], 10, 64)
	if err != nil {
		return nil, err
	}
	key, err := url.QueryUnescape(parts[1])
	if err != nil {
		return nil, err
	}
	if kind == "del" {
		return statemachine.Operation{Kind: statemachine.OpDel, ID: id, Key: key}.Encode(), nil
	}
	val, err := url.QueryUnescape(parts[2])
	if err != nil {
		return nil, err
	}
	return statemachine.Operation{Kind: statemachine.OpSet, ID: id, Key: key, Value: val}.Encode(), nil
}

// confChangeText returns a configuration change entry as a
// propose-conf-change directive's arguments and input would state it:
// "v1 <change>" for a ConfChange, "<transition> <changes>" for a
// ConfChangeV2 (ConfChangesToString's words). The change's context and
// id are left out: a script cannot set them.
func confChangeText(e *pb.Entry) (string, error) {
	switch e.GetType() {
	case pb.EntryConfChange:
		var cc pb.ConfChange
		if err := proto.Unmarshal(e.GetData(), &cc); err != nil {
			return "", err
		}
		return "v1 " + pb.ConfChangesToString(cc.AsV2().GetChanges()), nil
	case pb.EntryConfChangeV2:
		var cc pb.ConfChangeV2
		if err := proto.Unmarshal(e.GetData(), &cc); err != nil {
			return "", err
		}
		return transitionWord(cc.GetTransition()) + " " + pb.ConfChangesToString(cc.GetChanges()), nil
	}
	return "", fmt.Errorf("entry %d is not a configuration change", e.GetIndex())
}

// transitionWord is propose-conf-change's transition= value for t.
func transitionWord(t pb.ConfChangeTransition) string {
	switch t {
	case pb.ConfChangeTransitionJointImplicit:
		return "implicit"
	case pb.ConfChangeTransitionJointExplicit:
		return "explicit"
	}
	return "auto"
}
