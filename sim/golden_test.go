package sim

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden traces in testdata (trace_golden.json, trace_*.txt) from this run")

// goldenRun is what testdata/trace_golden.json records for one seed.
type goldenRun struct {
	Seed   uint64 `json:"seed"`
	Events uint64 `json:"events"`
	Hash   string `json:"hash"`
	Time   int64  `json:"time"`
}

// TestTraceMatchesGolden pins the trace of scripted runs. The same file is
// checked natively and under GOOS=js (make test-wasm), which proves the
// simulator byte-identical across the two. When a change to the simulator
// or etcd Raft changes behaviour on purpose, regenerate it natively with
// go test ./sim -run TestTraceMatchesGolden -update
// and check the wasm run still agrees. TestTraceTextMatchesGolden keeps a few
// shorter runs whole as text, so such a change can be read as a diff.
func TestTraceMatchesGolden(t *testing.T) {
	path := filepath.Join("testdata", "trace_golden.json")
	var got []goldenRun
	for _, seed := range []uint64{1, 7, 42} {
		c := scriptedRun(t, seed)
		got = append(got, goldenRun{Seed: seed, Events: c.EventCount(), Hash: fmt.Sprintf("%016x", c.TraceHash()), Time: c.Now()})
	}
	if *update {
		if runtime.GOOS == "js" {
			t.Fatal("regenerate the golden file natively, then check it under wasm")
		}
		data, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with -update)", err)
	}
	var want []goldenRun
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Fatalf("golden file has %d runs, this test makes %d", len(want), len(got))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s/%s: seed %d: got %+v, want %+v", runtime.GOOS, runtime.GOARCH, got[i].Seed, got[i], want[i])
		}
	}
}
