package etcdscript

import (
	"fmt"
	"strconv"

	"github.com/cockroachdb/datadriven"
	pb "go.etcd.io/raft/v3/raftpb"
)

// argCheck checks a directive's arguments against a cluster of nodes
// nodes, before InteractionEnv sees them. It returns an error wrapping
// ErrBadArgument or ErrTooManyNodes.
type argCheck func(d *Directive, nodes int) error

// checkFor returns the check for cmd, and false if InteractionEnv.Handle
// does not know cmd (its switch, rafttest v3.7.0). The checks refuse what
// would make Handle call t.Fatal or index past its nodes, with a reason.
func checkFor(cmd string) (argCheck, bool) {
	switch cmd {
	case "_breakpoint", "log-level", "raft-state":
		return noCheck, true
	case "add-nodes":
		return checkAddNodes, true
	case "campaign", "raft-log", "status", "tick-election", "tick-heartbeat", "forget-leader",
		"propose-conf-change":
		return checkFirstNode, true
	case "compact":
		return checkCompact, true
	case "propose":
		return checkPropose, true
	case "set-randomized-election-timeout":
		return checkElectionTimeout, true
	case "process-ready", "process-append-thread", "process-apply-thread", "stabilize":
		return checkNodeList(-1), true
	case "send-snapshot", "report-unreachable":
		return checkNodeList(2), true
	case "deliver-msgs":
		return checkDeliver, true
	case "transfer-leadership":
		return checkTransfer, true
	}
	return nil, false
}

func noCheck(*Directive, int) error { return nil }

// node parses s as a node index (1-based), in [1, nodes].
func node(s string, nodes int) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("%w: %q is not a node index", ErrBadArgument, s)
	}
	if n < 1 || n > nodes {
		return fmt.Errorf("%w: node %d does not exist (the nodes are 1 to %d)", ErrBadArgument, n, nodes)
	}
	return nil
}

// checkFirstNode wants a node index as the first argument.
func checkFirstNode(d *Directive, nodes int) error {
	if len(d.Args) == 0 || len(d.Args[0].Vals) != 0 {
		return fmt.Errorf("%w: %s wants a node index first", ErrBadArgument, d.Cmd)
	}
	return node(d.Args[0].Key, nodes)
}

func checkCompact(d *Directive, nodes int) error {
	if err := checkFirstNode(d, nodes); err != nil {
		return err
	}
	if len(d.Args) < 2 {
		return fmt.Errorf("%w: compact wants a node index and a new first index", ErrBadArgument)
	}
	return nil
}

func checkPropose(d *Directive, nodes int) error {
	if err := checkFirstNode(d, nodes); err != nil {
		return err
	}
	if len(d.Args) != 2 || len(d.Args[1].Vals) > 0 {
		return fmt.Errorf("%w: propose wants a node index and one value", ErrBadArgument)
	}
	return nil
}

func checkElectionTimeout(d *Directive, nodes int) error {
	if err := checkFirstNode(d, nodes); err != nil {
		return err
	}
	v, ok := keyed(d.Args, "timeout")
	if n, err := strconv.Atoi(v); !ok || err != nil || n == 0 {
		return fmt.Errorf("%w: set-randomized-election-timeout wants timeout=<non-zero int>", ErrBadArgument)
	}
	return nil
}

// checkNodeList wants every positional argument to be a node index, and
// exactly want of them (-1: any number).
func checkNodeList(want int) argCheck {
	return func(d *Directive, nodes int) error {
		got := 0
		for _, a := range d.Args {
			if len(a.Vals) != 0 {
				continue
			}
			if err := node(a.Key, nodes); err != nil {
				return err
			}
			got++
		}
		if want >= 0 && got != want {
			return fmt.Errorf("%w: %s wants %d node indexes, got %d", ErrBadArgument, d.Cmd, want, got)
		}
		return nil
	}
}

func checkDeliver(d *Directive, nodes int) error {
	deliver := map[string]bool{}
	for _, a := range d.Args {
		if len(a.Vals) == 0 {
			if err := node(a.Key, nodes); err != nil {
				return err
			}
			deliver[a.Key] = true
			continue
		}
		for _, v := range a.Vals {
			switch a.Key {
			case "drop":
				// Dropping messages to a node not yet created is allowed.
				if _, err := strconv.ParseUint(v, 10, 64); err != nil {
					return fmt.Errorf("%w: drop=%q is not a node id", ErrBadArgument, v)
				}
				if deliver[v] {
					return fmt.Errorf("%w: cannot both deliver and drop messages to %s", ErrBadArgument, v)
				}
			case "type":
				if _, ok := pb.MessageType_value[v]; !ok {
					return fmt.Errorf("%w: unknown message type %q", ErrBadArgument, v)
				}
			}
		}
	}
	return nil
}

func checkTransfer(d *Directive, nodes int) error {
	for _, k := range []string{"from", "to"} {
		v, ok := keyed(d.Args, k)
		if !ok {
			return fmt.Errorf("%w: transfer-leadership wants %s=<node>", ErrBadArgument, k)
		}
		if err := node(v, nodes); err != nil {
			return err
		}
	}
	return nil
}

func checkAddNodes(d *Directive, nodes int) error {
	if len(d.Args) == 0 || len(d.Args[0].Vals) != 0 {
		return fmt.Errorf("%w: add-nodes wants a count first", ErrBadArgument)
	}
	n, err := strconv.Atoi(d.Args[0].Key)
	if err != nil || n < 0 {
		return fmt.Errorf("%w: add-nodes count %q", ErrBadArgument, d.Args[0].Key)
	}
	if n > MaxNodes-nodes {
		return fmt.Errorf("%w: add-nodes %d with %d nodes already, at most %d in all", ErrTooManyNodes, n, nodes, MaxNodes)
	}
	for _, a := range d.Args[1:] {
		for _, v := range a.Vals {
			switch a.Key {
			case "voters", "learners", "index":
				if _, err := strconv.ParseUint(v, 10, 64); err != nil {
					return fmt.Errorf("%w: %s=%q is not a number", ErrBadArgument, a.Key, v)
				}
			case "inflight", "max-committed-size-per-ready":
				if _, err := strconv.ParseUint(v, 10, 63); err != nil {
					return fmt.Errorf("%w: %s=%q is not a number", ErrBadArgument, a.Key, v)
				}
			case "async-storage-writes", "prevote", "checkquorum", "disable-conf-change-validation", "step-down-on-removal":
				if _, err := strconv.ParseBool(v); err != nil {
					return fmt.Errorf("%w: %s=%q is not a bool", ErrBadArgument, a.Key, v)
				}
			}
		}
	}
	return nil
}

// keyed returns the first value of the argument key.
func keyed(args []datadriven.CmdArg, key string) (string, bool) {
	for _, a := range args {
		if a.Key == key && len(a.Vals) > 0 {
			return a.Vals[0], true
		}
	}
	return "", false
}
