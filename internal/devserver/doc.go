// Package devserver serves Seshat's page: static files from an fs.FS (the
// embedded web/ directory, or a directory on disk while editing) with the
// right content types, brotli for browsers that accept it (the engine's
// copy made by make wasm, used only while it matches the engine), else
// gzip, computed once per file, strong ETags and revalidation. It knows nothing of the simulator: the page runs
// the simulator itself, in WebAssembly.
package devserver
