package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestManyKeysArePagedAndEqualStoresShowEqual opens the page on a native
// cluster holding 120 keys: each store shows its key count, its digest
// (the same on every node, as the stores are equal) and one page of keys;
// "More keys" asks the engine for the next page and "First keys" goes
// back. Before views were bounded every key of every node was drawn.
func TestManyKeysArePagedAndEqualStoresShowEqual(t *testing.T) {
	p, cl := newNativePage(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 120 {
		if _, err := cl.Set(ctx, fmt.Sprintf("k%03d", i), fmt.Sprint(i)); err != nil {
			t.Fatalf("set k%03d: %v", i, err)
		}
	}
	p.open("?engine=native")
	sum := func(id int) string {
		return fmt.Sprintf(`(document.querySelector('[data-testid="kv-sum-%d"]')?.textContent ?? "")`, id)
	}
	keys := func(id int) string {
		return fmt.Sprintf(`(document.querySelector('[data-testid="kv-%d"]')?.textContent ?? "")`, id)
	}
	for id := 1; id <= 3; id++ {
		p.poll(sum(id) + `.startsWith("50 of 120 keys, digest ")`)
	}
	if a, b, c := eval[string](p, sum(1)), eval[string](p, sum(2)), eval[string](p, sum(3)); a != b || b != c {
		t.Fatalf("equal stores show different summaries: %q, %q, %q", a, b, c)
	}
	if n := eval[int](p, `document.querySelectorAll('[data-testid="kv-1"] li').length`); n != 50 {
		t.Fatalf("%d keys drawn for n1, want a page of 50", n)
	}
	p.poll(`document.querySelector('[data-testid="kv-first"]').disabled && !document.querySelector('[data-testid="kv-more"]').disabled`)
	p.click("kv-more")
	p.poll(keys(1) + `.includes("k050=50") && !` + keys(1) + `.includes("k000=0")`)
	p.poll(sum(1) + `.startsWith('50 of 120 keys from "k050"')`)
	p.click("kv-more")
	p.poll(keys(1) + `.includes("k119=119") && ` + sum(1) + `.startsWith('20 of 120 keys from "k100"')`)
	p.poll(`document.querySelector('[data-testid="kv-more"]').disabled && !document.querySelector('[data-testid="kv-first"]').disabled`)
	p.shot("kv-pages")
	p.click("kv-first")
	p.poll(keys(1) + `.includes("k000=0") && ` + sum(1) + `.startsWith("50 of 120 keys, digest ")`)
}
