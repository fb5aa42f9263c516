package schemajs

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/seshat-raft/seshat/wire"
)

// FramesPath is where the real frames the fake engine is checked against
// live, from the module's root (web/engine/frame-shape.test.js reads it).
const FramesPath = "web/engine/testdata/real-frames.json"

// RealFrames is the file at FramesPath: frames from the in-browser engine
// (wasm) and from a native cluster, pruned (Prune), the fields whose
// values are maps (their keys are data, not fields), and pages of a node's
// committed log (wire.LogPage, the committed-log call's answer) from both,
// pruned the same way.
type RealFrames struct {
	Note      string           `json:"note"`
	MapFields []string         `json:"map_fields"`
	Engines   map[string][]any `json:"engines"`
	LogPages  map[string][]any `json:"log_pages"`
}

// MapFields returns the JSON names of the map-valued fields reachable from
// wire.Frame, sorted.
func MapFields() []string {
	var out []string
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for _, f := range fields(t) {
			if f.typ.Kind() == reflect.Map {
				out = append(out, f.name)
			}
			walk(f.typ)
		}
	}
	walk(reflect.TypeFor[wire.Frame]())
	slices.Sort(out)
	return slices.Compact(out)
}

// Prune keeps, of every array of objects in v (a decoded JSON value), the
// first object of each distinct set of fields, recursively: a frame keeps
// its shape (the fields at every level) at a small size.
func Prune(v any, maps []string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if !slices.Contains(maps, k) {
				x[k] = Prune(e, maps)
			}
		}
		return x
	case []any:
		var out []any
		seen := map[string]bool{}
		for _, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				out = append(out, e)
				continue
			}
			keys := fieldKey(m)
			if _, isEvent := m["seq"]; isEvent {
				keys += "|" + fmt.Sprint(m["kind"]) // keep every kind of event
			}
			if seen[keys] {
				continue
			}
			seen[keys] = true
			out = append(out, Prune(m, maps))
		}
		if out == nil {
			out = []any{}
		}
		return out
	}
	return v
}

func fieldKey(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ",")
}

// Shape returns, for each path in the frames (e.g. "view.nodes[].kv"),
// the sorted fields its objects have (any of them).
func Shape(frames []any, maps []string) map[string][]string {
	sets := map[string]map[string]bool{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if sets[path] == nil {
				sets[path] = map[string]bool{}
			}
			for k, e := range x {
				sets[path][k] = true
				if !slices.Contains(maps, k) {
					walk(strings.TrimPrefix(path+"."+k, "."), e)
				}
			}
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
		}
	}
	for _, f := range frames {
		walk("", f)
	}
	out := map[string][]string{}
	for p, s := range sets {
		for k := range s {
			out[p] = append(out[p], k)
		}
		slices.Sort(out[p])
	}
	return out
}

// ShapeDiff describes how shape got differs from want, "" if not at all.
func ShapeDiff(want, got map[string][]string) string {
	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var b strings.Builder
	for _, p := range slices.Compact(paths) {
		for _, k := range want[p] {
			if !slices.Contains(got[p], k) {
				fmt.Fprintf(&b, "  %q: field %q is gone\n", p, k)
			}
		}
		for _, k := range got[p] {
			if !slices.Contains(want[p], k) {
				fmt.Fprintf(&b, "  %q: field %q is new\n", p, k)
			}
		}
	}
	return b.String()
}
