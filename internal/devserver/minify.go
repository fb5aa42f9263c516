package devserver

import (
	"path"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Minification: the page is written as plain, commented JavaScript and CSS
// and served minified by esbuild (whitespace, comments, local names and
// syntax), which takes about 40% off the page's own files with brotli. Each
// file is minified alone, so the module graph, the file names and the
// classic scripts (the worker and Go's loader, whose top-level names other
// scripts call) stay as written. A file esbuild cannot parse is served as
// written, so the browser reports its error at the line the author wrote.
//
// Each minified file comes with a source map (NAME.map, named by the
// SourceMap response header, which browsers' developer tools fetch only
// when open, so it costs the page nothing) holding the file as written, so
// the developer tools show and step through the source.

// sourceMapExt names a minified file's source map: NAME + sourceMapExt.
const sourceMapExt = ".map"

// sourceScheme prefixes the name a source map gives its source, so the
// developer tools list the sources as written apart from the minified
// files served under the same path.
const sourceScheme = "seshat:///"

// minify returns body (file name's bytes) minified, with its source map,
// or ok false for a file that is not JavaScript or CSS or that esbuild
// cannot parse.
func minify(name string, body []byte) (code, sourceMap []byte, ok bool) {
	var loader api.Loader
	switch path.Ext(name) {
	case ".js", ".mjs":
		loader = api.LoaderJS
	case ".css":
		loader = api.LoaderCSS
	default:
		return nil, nil, false
	}
	r := api.Transform(string(body), api.TransformOptions{
		Loader:            loader,
		Sourcefile:        sourceScheme + name,
		Sourcemap:         api.SourceMapExternal,
		SourcesContent:    api.SourcesContentInclude,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		// Non-ASCII text (arrows, ellipses) stays as written: the files
		// are sent as UTF-8, and \u escapes would cost bytes.
		Charset: api.CharsetUTF8,
		// Kept: a leading copyright notice (Go's wasm_exec.js).
		Banner:        notice(body),
		LegalComments: api.LegalCommentsNone,
	})
	if len(r.Errors) > 0 {
		return nil, nil, false
	}
	return r.Code, r.Map, true
}

// notice returns the comment lines a file begins with when they hold a
// copyright notice, else "".
func notice(body []byte) string {
	var lines []string
	for rest := string(body); strings.HasPrefix(rest, "//"); {
		line, next, _ := strings.Cut(rest, "\n")
		lines = append(lines, strings.TrimRight(line, "\r"))
		rest = next
	}
	text := strings.Join(lines, "\n")
	if !strings.Contains(text, "Copyright") {
		return ""
	}
	return text
}
