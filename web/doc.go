// Package web holds Seshat's page: plain ES modules, HTML and CSS with no
// build step. The files are embedded so the dev server carries the page.
//
// seshat.wasm and wasm_exec.js are build outputs (make wasm): they are
// embedded when present at build time, which is why make run builds the
// wasm before the server.
//
// Where things live. Files under ui/ that are not in render/ or controls/
// use no DOM and are tested with node --test (each x.js beside its
// x.test.js, or in pure.test.js).
//
//	index.html, style.css    the page's skeleton and look
//	main.js                  the wiring: builds the App, the renderers and the
//	                         controls, runs the one requestAnimationFrame loop
//	test-surface.js          window.seshatPage, what the browser tests (e2e/) call
//
//	engine/                  the engines, all answering docs/engine-protocol.md:
//	  wasm-engine.js         the simulator in a Web Worker (worker.js, worker-loop.js;
//	                         go-worker.js starts Go in it, as in interop-worker.js)
//	  native-engine.js       the dev server's native nodes over the websocket
//	  page-member.js         the Raft node this page hosts (Join from this page)
//	  fake-engine.js         a toy cluster in JS (fake-cluster.js), ?engine=fake
//	  interop.js             the interop module's client (interop-worker.js runs
//	                         interop.wasm): etcd's scripts and the exports, on demand
//
//	ui/ (DOM-free)
//	  engine.js              which engine, calls run one at a time, what each engine can do
//	  app.js                 the App: model, selection, playback, every engine call
//	  model.js               a Frame from the engine decoded into the page's model
//	  page-state.js          the page's own state (drawing, timers, errors), every field declared
//	  panels.js              the panels' names (PANEL) and when each is drawn
//	  key-actions.js         the key switch: what each shortcut does to the App
//	  keys.js                the shortcut table (keys, names, actions)
//	  join.js                the Join from this page flow, a state machine
//	  session-url.js         a session or a new cluster in the URL, parsed and checked
//	  events.js, logs.js, messages.js, held.js, links.js, roles.js, geometry.js,
//	  clock.js, announce.js, network.js, kvinput.js, actions.js, text.js,
//	  diagram.js, fork.js
//	                         what each part of the page shows, as pure functions
//	  tour.js                the guided tour's chapters and the runner that tells them on the engine
//	  etcd-script.js         etcd's datadriven scripts: where a directive's block ends, a script
//	                         cut at a step, a typed directive appended, a step's view and words
//	  etcd-player.js         the etcd scripts player's state: the play, the step, taking over
//	  interop-lazy.js        the interop module (engine/interop.js) made on first use, shared
//	  export-formats.js      the Export menu's formats (EXPORT_FORMATS from package export)
//
//	ui/render/               drawing (DOM, SVG, canvas)
//	  panels.js              each panel's drawing function, by PANEL name; the stage
//	  ring.js, flights.js    the ring of nodes and the messages in flight
//	  logs.js                the log grid (a canvas per row) and the key/value table
//	  diagram.js             the space-time diagram on a canvas
//	  events.js, console.js  the event log and the console's output
//	  inspector.js           the selected node and the selected message
//	  chrome.js              clock, slider, status line, the forms' shown settings
//	  notices.js             the error and notice boxes
//
//	ui/controls/             input turned into App calls
//	  forms.js               the side panels' and top bar's forms and buttons
//	  keyboard.js            keydown to key-actions.js, and the shortcut list
//	  join.js                the Join from this page button and status line
//	  session-link.js        the session in the URL, Share link, Export, Import
//	  share.js               packing and reading sessions (links, files, clipboard)
//	  progress.js            a long import, seek or shrink's progress and Cancel
//	  shrink.js              Shrink this failure, and the smaller session it offers
//	  why.js                 Why?: causal questions to the engine, the answer and its chain
//	  search.js              search the whole session; results listed and marked on the slider
//	  diagram.js             the space-time diagram's card: shown, asked of the engine, picks
//	  fork.js                forks (network settings, a seed, the next command) compared with
//	                         this run, side by side at any time
//	  tour.js                the guided tour's band (loaded when the tour opens)
//	  etcd-player.js         the etcd scripts player's band (loaded when it opens, with
//	                         ../etcd-player.css)
//	  engine-switch.js       the engine menu, and the page on a real-time engine
//
//	  schema.js              GENERATED from package wire (go generate ./wire, or
//	                         make generate) and committed: every Go fact the page
//	                         needs (event and command kinds, limits, defaults, texts)
//	  schema-types.js        GENERATED beside it: JSDoc typedefs of Frame, View,
//	                         Event...; never loaded by the page (name a type as
//	                         import('./schema-types.js').Frame)
package web
