package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMembershipOverTheHTTPAPI: membership commands reach the native
// cluster through POST /api/command (a new node added and started, a
// follower removed), and a refusal comes back in words.
func TestMembershipOverTheHTTPAPI(t *testing.T) {
	base, stop := start(t, "-native", "3")
	defer stop()
	asJSON := map[string]string{"Content-Type": "application/json"}
	leaderVoters := func() (int, []int) {
		code, _, b := send(t, http.MethodGet, base+"/api/view?max_events=1", "", nil)
		var f struct {
			View struct {
				Nodes []struct {
					ID     int    `json:"id"`
					Up     bool   `json:"up"`
					Role   string `json:"role"`
					Term   int    `json:"term"`
					Voters []int  `json:"voters"`
				} `json:"nodes"`
			} `json:"view"`
		}
		if code != 200 || json.Unmarshal([]byte(b), &f) != nil {
			t.Fatalf("GET /api/view: %d %s", code, b)
		}
		best, term := 0, -1
		var voters []int
		for _, n := range f.View.Nodes {
			if n.Up && n.Role == "leader" && n.Term > term {
				best, term, voters = n.ID, n.Term, n.Voters
			}
		}
		return best, voters
	}
	var leader int
	eventually(t, 10*time.Second, "a leader", func() bool { leader, _ = leaderVoters(); return leader != 0 })
	code, _, body := send(t, http.MethodPost, base+"/api/command", `{"kind":"add","node":7}`, asJSON)
	if code == 200 || !strings.Contains(body, "the next unused id, n4") {
		t.Fatalf("add n7 on the native cluster: %d %s, want a refusal naming n4", code, body)
	}
	if code, _, body := send(t, http.MethodPost, base+"/api/command", `{"kind":"add"}`, asJSON); code != 200 {
		t.Fatalf("add: %d %s", code, body)
	}
	eventually(t, 10*time.Second, "n4 a voter", func() bool {
		_, v := leaderVoters()
		return slices.Equal(v, []int{1, 2, 3, 4})
	})
	leader, _ = leaderVoters()
	follower := 1
	if follower == leader {
		follower = 2
	}
	if code, _, body := send(t, http.MethodPost, base+"/api/command", fmt.Sprintf(`{"kind":"remove","node":%d}`, follower), asJSON); code != 200 {
		t.Fatalf("remove n%d: %d %s", follower, code, body)
	}
	eventually(t, 10*time.Second, "the follower removed", func() bool {
		_, v := leaderVoters()
		return len(v) == 3 && !slices.Contains(v, follower)
	})
}
