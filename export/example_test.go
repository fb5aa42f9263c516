package export_test

import (
	"os"

	"github.com/seshat-raft/seshat/export"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// A write acknowledged, a read that saw it, and a write whose client gave
// up (its process is retired, so client 1's next request would get a fresh
// one).
func ExampleWriteEDN() {
	h := []sim.HistoryOp{
		{Client: 1, ID: 1, Kind: wire.OpSet, Key: "x", Value: "a \"b\"", Output: "OK", Call: 10, Return: 25},
		{Client: 2, ID: 2, Kind: wire.OpGet, Key: "x", Output: "a \"b\"", Found: true, Call: 20, Return: 30},
		{Client: 1, ID: 3, Kind: wire.OpSet, Key: "x", Value: "c", Call: 40, Return: 90, Unknown: true},
	}
	if err := export.WriteEDN(os.Stdout, h); err != nil {
		panic(err)
	}
	// Output:
	// {:type :invoke, :f :write, :value ["x" "a \"b\""], :process 1, :time 10000000, :index 0, :client 1, :req 1}
	// {:type :invoke, :f :read, :value ["x" nil], :process 2, :time 20000000, :index 1, :client 2, :req 2}
	// {:type :ok, :f :write, :value ["x" "a \"b\""], :process 1, :time 25000000, :index 2, :client 1, :req 1}
	// {:type :ok, :f :read, :value ["x" "a \"b\""], :process 2, :time 30000000, :index 3, :client 2, :req 2}
	// {:type :invoke, :f :write, :value ["x" "c"], :process 1, :time 40000000, :index 4, :client 1, :req 3}
	// {:type :info, :f :write, :value ["x" "c"], :process 1, :time 90000000, :index 5, :client 1, :req 3}
}

// One event of etcd Raft's TLA+ trace as WriteTLA writes it: a line as
// etcd's zap trace logger would, which Traceetcdraft.tla reads (the event
// of a line tagged "trace") and validate.sh sorts (by ts).
func ExampleWriteTLA() {
	ev := []export.TLAEvent{{
		Name: "BecomeLeader", NodeID: "2",
		State: export.TLAState{Term: 2, Vote: "2", Commit: 3},
		Role:  "StateLeader", LogSize: 3,
		Conf: [2][]string{{"1", "2", "3"}, {}},
	}}
	if err := export.WriteTLA(os.Stdout, ev); err != nil {
		panic(err)
	}
	// Output:
	// {"level":"debug","ts":1000000001,"msg":"trace","tag":"trace","event":{"name":"BecomeLeader","nid":"2","state":{"term":2,"vote":"2","commit":3},"role":"StateLeader","log":3,"conf":[["1","2","3"],[]]}}
}
