package interop_test

import (
	"fmt"

	"github.com/seshat-raft/seshat/interop"
)

// A script of our own played in etcd's InteractionEnv, then taken over: a
// directive typed after it has no expected output, so its step is the
// person's own.
func ExamplePlay() {
	script := `log-level none
----
ok

add-nodes 3 voters=(1,2,3) index=2
----
ok

campaign 1
----
ok

stabilize
----
ok
`
	script = interop.AppendDirective(script, "propose 1 hello")
	script = interop.AppendDirective(script, "stabilize")
	res, err := interop.Play("mine", []byte(script))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range res.Steps {
		fmt.Printf("line %2d %-34s matches=%-5v yours=%-5v", st.Line, st.Text, st.Matches, st.Yours)
		if len(st.Nodes) > 0 {
			fmt.Printf(" n1: leader %d, commit %d", st.Nodes[0].Leader, st.Nodes[0].Commit)
		}
		fmt.Println()
	}
	fmt.Printf("%d of %d match, %d yours\n", res.Matched, res.Total, res.Yours)

	_, err = interop.Play("mine", []byte(interop.AppendDirective(script, "campaign 7")))
	fmt.Println(err)
	// Output:
	// line  1 log-level none                     matches=true  yours=false
	// line  5 add-nodes 3 voters=(1,2,3) index=2 matches=true  yours=false n1: leader 0, commit 2
	// line  9 campaign 1                         matches=true  yours=false n1: leader 0, commit 2
	// line 13 stabilize                          matches=true  yours=false n1: leader 1, commit 3
	// line 17 propose 1 hello                    matches=false yours=true  n1: leader 1, commit 3
	// line 21 stabilize                          matches=false yours=true  n1: leader 1, commit 4
	// 4 of 6 match, 2 yours
	// mine:25: etcdscript: bad argument: node 7 does not exist (the nodes are 1 to 3)
}
