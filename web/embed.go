package web

import "embed"

// Files is the page's files, rooted at this directory. The dev server
// serves only page file types from it (not Go sources or tests).
//
//go:embed *
var Files embed.FS
