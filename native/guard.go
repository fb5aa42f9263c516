package native

import "errors"

// ErrRaftPanic is a node's error (shown in its view and the trace) when
// etcd Raft panicked inside it: the node stopped, the process did not.
var ErrRaftPanic = errors.New("etcd Raft panicked")
