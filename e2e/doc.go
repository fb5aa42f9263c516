// Package e2e holds Seshat's browser tests: the page and its WebAssembly
// engine served by the dev server's handler and driven in headless Chromium
// with chromedp, as a user would. They run with `make test-browser` (part of
// `make test`), which installs Chromium when it can; without SESHAT_E2E=1
// they are skipped. Each test saves screenshots in DIR/<test name>/ when run
// with -shots DIR (the Makefile passes bin/e2e), else in its artifact
// directory, and logs their paths.
//
// axe-core (npm, pinned in package-lock.json here, installed into
// node_modules by `make tools-e2e`) is injected into the page to check its
// accessibility on the simulator, paused, native and phone views.
//
// TestPerformance (`make bench-browser`, SESHAT_PERF=1) measures page
// weight, time to the first leader drawn, frame times with 9 nodes and
// memory over 30 virtual minutes, and fails when a target is missed.
package e2e
