package statemachine

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

func TestOpKindString(t *testing.T) {
	tests := []struct {
		k OpKind
		w string
	}{
		{OpSet, "set"},
		{OpDel, "del"},
		{0, "OpKind(0)"},
		{7, "OpKind(7)"},
	}
	for _, tt := range tests {
		if g := tt.k.String(); g != tt.w {
			t.Errorf("OpKind(%d).String() = %q, want %q", uint8(tt.k), g, tt.w)
		}
	}
}

func TestEncodeLayout(t *testing.T) {
	tests := []struct {
		op Operation
		w  []byte
	}{
		{Set("k", "v"), []byte{1, 1, 0, 1, 'k', 1, 'v'}},
		{Set("k", ""), []byte{1, 1, 0, 1, 'k', 0}},
		{Del("ab"), []byte{1, 2, 0, 2, 'a', 'b'}},
		{withID(Set("k", "v"), 300), []byte{1, 1, 0xac, 0x02, 1, 'k', 1, 'v'}},
		// A Del's Value is not encoded.
		{Operation{Kind: OpDel, Key: "k", Value: "ignored", ID: 1}, []byte{1, 2, 1, 1, 'k'}},
	}
	for _, tt := range tests {
		g := tt.op.Encode()
		if !bytes.Equal(g, tt.w) {
			t.Errorf("%v.Encode() = %v, want %v", tt.op, g, tt.w)
		}
		if len(g) != cap(g) {
			t.Errorf("%v.Encode(): len %d, cap %d: size estimate is off", tt.op, len(g), cap(g))
		}
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	long := strings.Repeat("x", 1000)
	tests := []Operation{
		Set("foo", "bar"),
		Set("foo", ""),
		Set("a", long),
		Set(long, "a"),
		Set("ключ", "значение 値"),
		Set("\x00\xff\x80", "\x00"),
		Set("k", "\xff\xfe binary"),
		Del("foo"),
		Del("\x00"),
		Del("emoji 🙂"),
		withID(Set("k", "v"), 1),
		withID(Set("k", "v"), 127),
		withID(Set("k", "v"), 128),
		withID(Del("k"), 1<<53+1),
		withID(Del("k"), math.MaxUint64),
	}
	for _, op := range tests {
		b := op.Encode()
		g, err := Decode(b)
		if err != nil {
			t.Errorf("Decode(%v.Encode()) error: %v", op, err)
			continue
		}
		if g != op {
			t.Errorf("Decode(%v.Encode()) = %+v, want %+v", op, g, op)
		}
		if b2 := g.Encode(); !bytes.Equal(b2, b) {
			t.Errorf("re-encoding %v = %v, want %v", op, b2, b)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		werr error
	}{
		{"nil", nil, ErrBadEncoding},
		{"empty", []byte{}, ErrBadEncoding},
		{"version 0", []byte{0, 1, 0, 1, 'k', 1, 'v'}, ErrUnknownVersion},
		{"version 2", []byte{2, 1, 0, 1, 'k', 1, 'v'}, ErrUnknownVersion},
		{"version only", []byte{1}, ErrBadEncoding},
		{"kind 0", []byte{1, 0, 0, 1, 'k'}, ErrBadEncoding},
		{"kind 3", []byte{1, 3, 0, 1, 'k'}, ErrBadEncoding},
		{"no id", []byte{1, 1}, ErrBadEncoding},
		{"truncated id", []byte{1, 1, 0x80}, ErrBadEncoding},
		{"padded id", []byte{1, 1, 0x80, 0x00, 1, 'k', 1, 'v'}, ErrBadEncoding},
		{"id overflows 64 bits", []byte{1, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 1, 'k'}, ErrBadEncoding},
		{"no key", []byte{1, 1, 0}, ErrBadEncoding},
		{"set empty key", []byte{1, 1, 0, 0, 1, 'v'}, ErrBadEncoding},
		{"del empty key", []byte{1, 2, 0, 0}, ErrBadEncoding},
		{"key longer than input", []byte{1, 1, 0, 5, 'k'}, ErrBadEncoding},
		{"huge key length", []byte{1, 2, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, ErrBadEncoding},
		{"padded key length", []byte{1, 2, 0, 0x81, 0x00, 'k'}, ErrBadEncoding},
		{"set without value", []byte{1, 1, 0, 1, 'k'}, ErrBadEncoding},
		{"value longer than input", []byte{1, 1, 0, 1, 'k', 2, 'v'}, ErrBadEncoding},
		{"set trailing byte", []byte{1, 1, 0, 1, 'k', 1, 'v', 0}, ErrBadEncoding},
		{"del with value", []byte{1, 2, 0, 1, 'k', 1, 'v'}, ErrBadEncoding},
		{"del trailing byte", []byte{1, 2, 0, 1, 'k', 0}, ErrBadEncoding},
		{"text", []byte("set foo=bar"), ErrUnknownVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Decode(tt.in)
			if !errors.Is(err, tt.werr) {
				t.Fatalf("Decode(%v) = %+v, %v; want error %v", tt.in, g, err, tt.werr)
			}
			if g != (Operation{}) {
				t.Errorf("Decode(%v) returned %+v with an error, want the zero Operation", tt.in, g)
			}
		})
	}
}

func TestOperationString(t *testing.T) {
	tests := []struct {
		op Operation
		w  string
	}{
		{Set("foo", "bar"), "set foo=bar"},
		{Del("foo"), "del foo"},
		{withID(Set("foo", "bar"), 42), "set foo=bar #42"},
		{withID(Del("foo"), 7), "del foo #7"},
		{Set("foo", ""), `set foo=""`},
		{Set("my key", "a b"), `set "my key"="a b"`},
		{Set("k", "tab\there"), `set k="tab\there"`},
		{Set("k", "a=b"), "set k=a=b"},
		{Set("a=b", "c"), `set "a=b"=c`},
		{Set("k", `say "hi"`), `set k="say \"hi\""`},
		{Set("ключ", "値"), "set ключ=値"},
		{Set("\x00", "\xff"), `set "\x00"="\xff"`},
		{Del(""), `del ""`},
		{Operation{Kind: 9, Key: "k"}, "OpKind(9) k"},
	}
	for _, tt := range tests {
		if g := tt.op.String(); g != tt.w {
			t.Errorf("%+v.String() = %q, want %q", tt.op, g, tt.w)
		}
	}
}

func TestFormatEntryData(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		w    string
	}{
		{"nil", nil, ""},
		{"empty", []byte{}, ""},
		{"set", withID(Set("x", "1"), 3).Encode(), "set x=1 #3"},
		{"del", Del("x").Encode(), "del x"},
		{"garbage", []byte("hello"), "<undecodable: 5 bytes>"},
		{"truncated", Set("x", "1").Encode()[:4], "<undecodable: 4 bytes>"},
	}
	for _, tt := range tests {
		if g := FormatEntryData(tt.in); g != tt.w {
			t.Errorf("%s: FormatEntryData(%v) = %q, want %q", tt.name, tt.in, g, tt.w)
		}
	}
}

// TestFormatEntryDataIsEntryFormatter checks FormatEntryData plugs into
// etcd raft's DescribeEntry.
func TestFormatEntryDataIsEntryFormatter(t *testing.T) {
	var f raft.EntryFormatter = FormatEntryData
	tests := []struct {
		e *pb.Entry
		w string
	}{
		{opEntry(5, Set("x", "1")), "1/5 EntryNormal set x=1"},
		{entry(6, pb.EntryNormal, nil), "1/6 EntryNormal"},
	}
	for _, tt := range tests {
		if g := raft.DescribeEntry(tt.e, f); g != tt.w {
			t.Errorf("DescribeEntry = %q, want %q", g, tt.w)
		}
	}
}
