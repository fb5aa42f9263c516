// Package e2e holds Seshat's browser tests: the page and its WebAssembly
// engine served by the dev server's handler and driven in headless Chromium
// with chromedp, as a user would. They run with `make test-browser` (part of
// `make test`), which installs Chromium when it can; without SESHAT_E2E=1
// they are skipped.
package e2e
