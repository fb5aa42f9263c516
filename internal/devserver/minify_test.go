package devserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
)

// A module, a classic script whose top-level names another script calls,
// a stylesheet, Go's loader with its notice and a file that does not parse.
const (
	moduleSrc = `// events.js: what the log shows.

/** The longest a description runs. */
export const LIMIT = 200;

// describe returns the text of one event.
export function describe(event) {
  const description = event.text.slice(0, LIMIT);
  return description + ' → n' + event.node;
}
`
	classicSrc = `// worker-loop.js: loaded with importScripts.
function startLoop(options) {
  const queueOfCalls = [];
  return queueOfCalls.length + options.size;
}
`
	styleSrc = `/* The page's colours. */
.card {
  color: #ff0000;
  margin: 0px 0px 0px 0px;
}
`
	loaderSrc = `// Copyright 2018 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

"use strict";

(() => {
  const encoderForText = new TextEncoder("utf-8");
  globalThis.Go = class { run() { return encoderForText; } };
})();
`
	brokenSrc = "export function ( {\n  // not JavaScript\n"
)

func minifyFiles() fstest.MapFS {
	return fstest.MapFS{
		"ui/events.js":          {Data: []byte(moduleSrc)},
		"engine/worker-loop.js": {Data: []byte(classicSrc)},
		"style.css":             {Data: []byte(styleSrc)},
		"wasm_exec.js":          {Data: []byte(loaderSrc)},
		"broken.js":             {Data: []byte(brokenSrc)},
		"index.html":            {Data: []byte("<!doctype html>\n<!-- a comment -->\n<title>Seshat</title>\n")},
	}
}

func TestServesMinifiedFilesWithSourceMaps(t *testing.T) {
	for _, cache := range []bool{true, false} {
		files := minifyFiles()
		h := NewHandler(files, Options{Cache: cache})
		for name, keep := range map[string][]string{
			"ui/events.js":          {"export", "LIMIT", "describe", "200", "→"},
			"engine/worker-loop.js": {"function startLoop("},
			"style.css":             {".card", "red"},
			"wasm_exec.js":          {"// Copyright 2018 The Go Authors. All rights reserved.", "// license that can be found in the LICENSE file.", "globalThis.Go"},
		} {
			src := string(files[name].Data)
			r := get(t, h, "/"+name, nil)
			got := string(body(t, r))
			if r.StatusCode != http.StatusOK || len(got) >= len(src) {
				t.Fatalf("%s: %d, %d bytes served of %d: not minified", name, r.StatusCode, len(got), len(src))
			}
			for _, want := range keep {
				if !strings.Contains(got, want) {
					t.Errorf("%s: served %q, which lost %q", name, got, want)
				}
			}
			for _, gone := range []string{"events.js: what", "The longest", "loaded with importScripts", "The page's colours", "description", "queueOfCalls", "encoderForText", "\n  "} {
				if strings.Contains(got, gone) {
					t.Errorf("%s: served %q, which still holds %q", name, got, gone)
				}
			}
			mapName := name[strings.LastIndex(name, "/")+1:] + ".map"
			if sm := r.Header.Get("SourceMap"); sm != mapName {
				t.Errorf("%s: SourceMap header %q, want %q", name, sm, mapName)
			}
			m := get(t, h, "/"+name+".map", nil)
			var sourceMap struct {
				Version        int      `json:"version"`
				Sources        []string `json:"sources"`
				SourcesContent []string `json:"sourcesContent"`
				Mappings       string   `json:"mappings"`
			}
			if err := json.Unmarshal(body(t, m), &sourceMap); err != nil || m.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("%s.map: %v (%q)", name, err, m.Header.Get("Content-Type"))
			}
			if sourceMap.Version != 3 || len(sourceMap.Sources) != 1 || sourceMap.Sources[0] != sourceScheme+name ||
				len(sourceMap.SourcesContent) != 1 || sourceMap.SourcesContent[0] != src || sourceMap.Mappings == "" {
				t.Errorf("%s.map: %+v, want the file as written under %s", name, sourceMap, sourceScheme+name)
			}
		}
		// Served as written: a file esbuild cannot parse (the browser
		// reports its error where the author wrote it) and HTML.
		for _, name := range []string{"broken.js", "index.html"} {
			r := get(t, h, "/"+name, nil)
			if got := string(body(t, r)); got != string(files[name].Data) || r.Header.Get("SourceMap") != "" {
				t.Errorf("%s: served %q (SourceMap %q), want it as written", name, got, r.Header.Get("SourceMap"))
			}
		}
		for _, path := range []string{"/broken.js.map", "/index.html.map", "/nope.js.map", "/ui/events.test.js.map", "/embed.go.map"} {
			if r := get(t, h, path, nil); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, r.StatusCode)
			}
		}
	}
}

func TestSourceOptionServesFilesAsWritten(t *testing.T) {
	files := minifyFiles()
	h := NewHandler(files, Options{Source: true})
	for name, f := range files {
		r := get(t, h, "/"+name, map[string]string{"Accept-Encoding": "br"})
		if got := string(body(t, r)); got != string(f.Data) || r.Header.Get("SourceMap") != "" {
			t.Errorf("%s: served %q, want it as written", name, got)
		}
		if r := get(t, h, "/"+name+".map", nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s.map: %d, want 404", name, r.StatusCode)
		}
	}
}

func TestNotice(t *testing.T) {
	for body, want := range map[string]string{
		loaderSrc:                        "// Copyright 2018 The Go Authors. All rights reserved.\n// Use of this source code is governed by a BSD-style\n// license that can be found in the LICENSE file.",
		moduleSrc:                        "",
		"":                               "",
		"// a\r\n// Copyright x\r\ncode": "// a\n// Copyright x",
		"code // Copyright":              "",
	} {
		if got := notice([]byte(body)); got != want {
			t.Errorf("notice(%.30q) = %q, want %q", body, got, want)
		}
	}
}
