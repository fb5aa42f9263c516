package statemachine_test

import (
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/statemachine"
)

func Example() {
	sm := statemachine.New()

	set := statemachine.Set("greeting", "hello")
	set.ID = 7 // the client's request id, to recognise the entry when applied
	ents := []*pb.Entry{
		{Index: new(uint64(1)), Type: pb.EntryNormal.Enum()}, // a new leader's empty entry
		{Index: new(uint64(2)), Data: set.Encode()},
		{Index: new(uint64(3)), Data: statemachine.Set("lang", "go").Encode()},
		{Index: new(uint64(4)), Data: statemachine.Del("lang").Encode()},
		{Index: new(uint64(5)), Data: statemachine.Del("lang").Encode()},
	}
	for _, e := range ents {
		res, _, err := sm.Apply(e)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		desc := statemachine.FormatEntryData(e.GetData())
		if res.Op == nil {
			desc = "(no-op)"
		}
		fmt.Printf("%d: %-21s -> %q\n", res.Index, desc, res.Output)
	}

	v, ok := sm.Get("greeting")
	fmt.Println("greeting:", v, ok)
	_, ok = sm.Get("lang")
	fmt.Println("lang exists:", ok)
	fmt.Println("applied:", sm.AppliedIndex())
	// Output:
	// 1: (no-op)               -> ""
	// 2: set greeting=hello #7 -> "OK"
	// 3: set lang=go           -> "OK"
	// 4: del lang              -> "1"
	// 5: del lang              -> "0"
	// greeting: hello true
	// lang exists: false
	// applied: 5
}
