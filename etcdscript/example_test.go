package etcdscript_test

import (
	"fmt"

	"github.com/seshat-raft/seshat/etcdscript"
)

// A script of our own, played step by step: who each node thinks leads.
func Example() {
	src := `log-level none
----
ok

add-nodes 3 voters=(1,2,3) index=2
----
ok

campaign 2
----
ok

stabilize
----
ok

propose 2 hello
----
ok

stabilize
----
ok
`
	s, err := etcdscript.Parse("tiny.txt", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	steps, err := etcdscript.Run(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range steps {
		fmt.Printf("%-34s match=%v", st.Text, st.Matches())
		for _, n := range st.Nodes {
			fmt.Printf(" %s:%s/t%d/c%d", n.ID, n.Role, n.Term, n.Commit)
		}
		fmt.Println()
	}
	last := steps[len(steps)-1].Nodes[0]
	fmt.Println("n1's newest entry:", last.Log[len(last.Log)-1].Op)
	// Output:
	// log-level none                     match=true
	// add-nodes 3 voters=(1,2,3) index=2 match=true n1:follower/t0/c2 n2:follower/t0/c2 n3:follower/t0/c2
	// campaign 2                         match=true n1:follower/t0/c2 n2:candidate/t1/c2 n3:follower/t0/c2
	// stabilize                          match=true n1:follower/t1/c3 n2:leader/t1/c3 n3:follower/t1/c3
	// propose 2 hello                    match=true n1:follower/t1/c3 n2:leader/t1/c3 n3:follower/t1/c3
	// stabilize                          match=true n1:follower/t1/c4 n2:leader/t1/c4 n3:follower/t1/c4
	// n1's newest entry: "hello"
}
