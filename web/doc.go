// Package web holds Seshat's page: plain ES modules, HTML and CSS with no
// build step. The files are embedded so the dev server carries the page.
//
// seshat.wasm and wasm_exec.js are build outputs (make wasm): they are
// embedded when present at build time, which is why make run builds the
// wasm before the server.
//
// ui/schema.js is generated from package wire (go generate ./wire, or make
// generate) and committed; the page reads every Go fact it needs there.
package web
