// Package export writes a simulator run in the formats of the tools people
// already use to study distributed systems:
//
//   - WriteEDN: the client history as a Jepsen history in EDN, one operation
//     map per line, for Knossos and Elle;
//   - WriteChromeTrace: the trace as Chrome trace-event JSON, one track per
//     node with its roles and terms as slices and messages as flow arrows,
//     for Perfetto and Chrome's tracing view;
//   - WritePorcupineHTML: Porcupine's linearizability visualization of the
//     history, annotated with the run's faults (crashes, restarts, cuts,
//     partitions, heals), each operation naming its moment in the page.
//
// Inputs are what package sim records: Cluster.History, Cluster.Events, and
// a Session (SessionLink) for links back to the page. Every writer is a
// pure function of its inputs: the same run gives the same bytes. Nothing
// here is imported by the page's engine (package wasm), which keeps its
// weight; cmd/seshat-export runs these writers on an exported session file.
package export
