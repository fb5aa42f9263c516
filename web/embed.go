// Package web holds Seshat's page: plain ES modules, HTML and CSS with no build
// step. Files are embedded so the dev server binary carries the page with it.
package web

import "embed"

// Files is the page's static files, rooted at this directory.
//
//go:embed index.html
var Files embed.FS
