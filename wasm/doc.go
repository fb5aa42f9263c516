// Command wasm will be Seshat's WebAssembly engine: the simulator compiled
// with GOOS=js GOARCH=wasm, the only package importing syscall/js. It is not
// built yet; see the demo page issue.
package main
