// Package wire is the schema that every producer of frames answers in and
// the page reads (docs/engine-protocol.md, docs/bridge-protocol.md): the
// simulator (package sim, run by the in-browser engine), the native cluster
// (package native), a member hosted outside it (internal/member) and the
// bridge between pages and the native cluster (internal/bridge).
//
// It holds:
//
//   - Command, its typed CommandKind, the key and value limits
//     (MaxKeyBytes, MaxValueBytes) and ParseCommand; LoggedCommand as a
//     session stores it; the table of command rules (CommandRules,
//     CheckCommand).
//   - The table of engine requests (RequestRules): each call of the
//     engine protocol, its fields, the call it needs first and the ranges
//     it checks (CheckRequest, TooEarly, UnknownRequest, RequestError).
//   - Event and its typed EventKind, Routine, and the lazy descriptions a
//     producer fills only when an event is read (WithMessage, WithEntry,
//     WithApplied, Read, Described).
//   - Narrator, the one narrator of etcd Raft: the simulator, the native
//     cluster and a hosted member each keep one per node, and it turns
//     ticks, heard messages and Ready rounds into events.
//   - LogPage and CommittedLog: a node's committed log read in full, a
//     bounded page at a time.
//   - Frame, View, NodeView, EntryView, MessageView, KVView and the rest of
//     a view; ViewOptions, and BoundFrame/EncodeBounded that keep a frame
//     within FrameBudget.
//   - Config, its Validate and DefaultConfig: a cluster's size, seed, Raft
//     tuning, network and clients.
//   - The error sentinels (ErrBadCommand, ErrImpossible, ErrUnavailable,
//     ...) and one typed ErrorKind, with KindOf naming the kind of an error.
//   - Violation, the safety property a checker found broken.
//   - The page link's hash: its parameters (LinkSession, LinkTime,
//     LinkNodes, LinkSeed, LinkTour, LinkParams) and the letters of a
//     packed session (LinkDeflate, LinkPlain), which the page and
//     export.SessionLink both use.
//   - The words: EntryViewOf, MessageViewOf, DescribeConfChange,
//     DescribeOp, AppliedOps, NodeList, RoleText, LeaderText and
//     RefusalEvent, so every producer narrates etcd Raft alike.
//
// Package wire sits above core and statemachine and below every producer;
// it is pure Go (no syscall/js, no net/http, no wall clock). JSON field
// names are the protocol: renaming one breaks the page and saved sessions.
package wire

// The page's copy of this schema, web/ui/schema.js (and its JSDoc
// typedefs, web/ui/schema-types.js), is generated from it
// (internal/schemajs); run `go generate ./wire` after changing it.
//go:generate go run ../internal/schemajs/genschema -o ../web/ui/schema.js -types ../web/ui/schema-types.js
