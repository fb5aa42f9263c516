package bridge

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// TestAPIErrorTextsNameEachPrefixOnce walks the HTTP API's error paths over
// a real native cluster, the no-quorum timeouts included, and checks that
// no error text repeats a package prefix ("native: set k=v: native: ...").
func TestAPIErrorTextsNameEachPrefixOnce(t *testing.T) {
	c := startMixed(t, 3)
	_, srv := serve(t, c, Options{MaxBodyBytes: 100, RequestTimeout: 300 * time.Millisecond})

	send := func(method, path, body string) (int, wire.ErrorKind, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		var a apiAnswer
		if err := json.Unmarshal(data, &a); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
		return resp.StatusCode, a.Kind, a.Error
	}
	check := func(method, path, body string, wstatus int) {
		t.Helper()
		status, kind, text := send(method, path, body)
		if status != wstatus || text == "" {
			t.Errorf("%s %s: %d %s %q; want %d with an error", method, path, status, kind, text, wstatus)
		}
		for _, p := range []string{"native:", "bridge:", "sim:", "core:"} {
			if strings.Count(text, p) > 1 {
				t.Errorf("%s %s: %q repeats %q", method, path, text, p)
			}
		}
	}

	var l core.NodeID
	eventually(t, "a leader", func() bool { l, _ = clusterLeader(c); return l != 0 })
	check("PUT", "/api/kv/", "x", 400)
	check("PUT", "/api/kv/big", strings.Repeat("v", 101), 400)
	check("PUT", "/api/kv/bin", "\xff", 400)
	check("PUT", "/api/kv/"+strings.Repeat("k", 5000), "v", 400)
	check("POST", "/api/kv/k", "x", 405)
	check("GET", "/api/nothing", "", 404)
	check("GET", "/api/view?since=x", "", 400)
	check("GET", "/api/view?sinse=1", "", 400)
	for _, cmd := range []string{
		`not json`,
		`{"kind":"explode"}`,
		`{"kind":"crash","node":12}`,
		`{"kind":"crash","nod":1}`,
		`{"kind":"deliver","msg":3}`,
		`{"kind":"manual","on":true}`,
		`{"kind":"set","key":""}`,
		`{"kind":"cut","node":1,"peer":1}`,
		`{"kind":"network","network":{"min_latency_ms":5,"max_latency_ms":1}}`,
		`{"kind":"network","network":{"drop_rate":2}}`,
		fmt.Sprintf(`{"kind":"restart","node":%d}`, l),
	} {
		status, _, _ := send("POST", "/api/command", cmd)
		check("POST", "/api/command", cmd, status)
	}

	// No quorum: every key-value request runs out of time, unapplied.
	for id := core.NodeID(1); id <= 3; id++ {
		if id != l {
			if status, kind, text := send("POST", "/api/command", fmt.Sprintf(`{"kind":"crash","node":%d}`, id)); status != http.StatusOK {
				t.Fatalf("crash n%d: %d %s %s", id, status, kind, text)
			}
		}
	}
	eventually(t, "the survivor to step down", func() bool { id, _ := clusterLeader(c); return id == 0 })
	for _, method := range []string{"PUT", "DELETE", "GET"} {
		check(method, "/api/kv/k", "v", http.StatusServiceUnavailable)
	}
	if _, kind, _ := send("PUT", "/api/kv/k", "v"); kind != wire.KindUnavailable {
		t.Errorf("PUT without a quorum: kind %q; want %q", kind, wire.KindUnavailable)
	}
}
