package statemachine

import (
	"fmt"
	"slices"
	"testing"
)

func TestPageWalksEveryKeyInOrder(t *testing.T) {
	sm := New()
	for i := range 103 {
		mustApply(t, sm, Set(fmt.Sprintf("k%03d", (i*37)%103), "v"))
	}
	var got []string
	from, pages := "", 0
	for {
		pairs, next := sm.Page(from, 10)
		pages++
		for _, p := range pairs {
			got = append(got, p.Key)
		}
		if next == "" {
			break
		}
		if len(pairs) != 10 {
			t.Fatalf("page %d has %d pairs, want 10 before the last page", pages, len(pairs))
		}
		from = next
	}
	if want := sm.Keys(); !slices.Equal(got, want) {
		t.Fatalf("paged keys %v, want %v", got, want)
	}
	if pages != 11 {
		t.Fatalf("%d pages, want 11", pages)
	}
	if pairs, next := sm.Page("k05", 0); len(pairs) != 0 || next != "k050" {
		t.Fatalf("Page(k05, 0) = %v, %q; want none, k050", pairs, next)
	}
	if pairs, next := sm.Page("z", 5); len(pairs) != 0 || next != "" {
		t.Fatalf("Page past the end = %v, %q; want none, \"\"", pairs, next)
	}
}

func TestDataDigestIgnoresAppliedIndex(t *testing.T) {
	a, b := New(), New()
	mustApply(t, a, Set("x", "1"))
	mustApply(t, b, Set("y", "2"))
	mustApply(t, b, Set("x", "1"))
	mustApply(t, b, Del("y"))
	if a.DataDigest() != b.DataDigest() {
		t.Fatalf("equal data, different data digests %x and %x", a.DataDigest(), b.DataDigest())
	}
	if a.Digest() == b.Digest() {
		t.Fatalf("Digest should still tell applied indexes 1 and 3 apart")
	}
	mustApply(t, b, Set("x", "2"))
	if a.DataDigest() == b.DataDigest() {
		t.Fatalf("different data, equal data digests")
	}
}
