#!/usr/bin/env bash
# build-engine.sh DIR [br]: build the in-browser engine into DIR/seshat.wasm
# and copy Go's loader to DIR/wasm_exec.js. make wasm (DIR=web) and the
# browser tests (e2e/harness_test.go, a temporary DIR) both build it here, so
# they test the engine the page is served. With br, DIR/seshat.wasm.br too,
# the brotli copy the dev server sends (cmd/precompress, as make wasm runs
# it): the browser benchmark weighs the page as a browser accepting br gets
# it. The copy is made beside the kept engine in bin/engine/ (about a
# minute) and only again when the engine changes.
#
# The Go build is then run through Binaryen's wasm-opt -O1 (make
# tools-wasm-opt installs it, pinned by tools/wasm-opt/package-lock.json):
# about 17 KB less with brotli for a minute or so of work. -Oz and -Os give
# smaller files that compress worse, -O2 gives the same as -O1 and takes
# longer. The flags are the WebAssembly features Go's output uses. The
# optimised engine is kept in bin/engine/ with the hash of the Go build it
# came from, the flags and the pinned wasm-opt, so an unchanged engine is
# not optimised again.
#
# The protobuf runtime is compiled without inlining, except its message
# implementation (internal/impl), whose small helpers etcd Raft's generated
# getters and setters call on every message: the rest (descriptors, text
# format, registry, reflection) runs at start-up and when a message is
# printed, and inlined it costs 47 KB of the page with brotli (1,748,957
# against 1,701,563 bytes). Measured interleaved under wasm, 3 rounds,
# ratio inlining off / on: Simulate10 0.970, 1.072, 1.002; Frame9 notable
# 0.857, 0.975, 1.032 (no change beyond the noise). Without inlining in
# internal/impl too, the page is 83 KB lighter but Frame9 8% slower.
#
# fmt is compiled without inlining too: 8 KB less with brotli (1,797,059
# against 1,789,069 bytes for the page), measured interleaved under wasm, 8
# rounds, ratio off / on: Frame9 notable median 1.005 (0.950 to 1.160),
# Simulate10 median 1.015 (0.898 to 1.066). reflect and encoding/json
# without inlining would save 49 KB more, but Frame9 is 9% to 21% slower.
#
# time, os, log, internal/poll and syscall are compiled without inlining
# too: the engine reads no clock and no file (its time is virtual), they
# come with Go's runtime support and the protobuf runtime. 19 KB less with
# brotli (1,740,688 against 1,721,715 bytes for the engine); measured
# interleaved under wasm, 5 rounds, ratio off / on
# (AFTER_FLAGS=... scripts/bench-compare.sh HEAD 5): Frame9 notable
# median 1.008 (0.925 to 1.034), Simulate10 median 1.002 (0.744 to 1.028).
#
# sort, errors, io, unicode/..., compress/..., math/big, crypto/..., bufio,
# encoding/base64, internal/godebug and internal/bisect are compiled without
# inlining too: the simulator's hot paths do not go through them (slices,
# not sort; crypto/rand reads the seeded stream once per election timeout;
# compress only for the protobuf runtime's legacy descriptors). 7.6 KB less
# with brotli (1,734,538 against 1,726,905 bytes for the engine); measured
# interleaved under wasm, 4 rounds, ratio off / on: Frame9 notable median
# 0.938 (0.824 to 1.164), Simulate10 median 0.935 (0.663 to 1.396), noise
# of a shared machine. strings and bytes without inlining would save 12.7
# KB but are on the hot paths (the JSON encoder's buffer).
#
# The seshat_engine build tag leaves out what only tools use: core's probe
# of each call into etcd Raft (core/probe.go, for the TLA+ exporter), so
# the engine calls etcd's RawNode directly and links none of it (10 KB of
# the page with brotli).
set -euo pipefail

out=${1:?usage: build-engine.sh DIR [br]}
brotli=${2:-}
if [ -n "$brotli" ] && [ "$brotli" != br ]; then
  echo "build-engine.sh: the second argument may only be br (for DIR/seshat.wasm.br), not $brotli" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
go=${GO:-go}
wasm_opt="$root/tools/wasm-opt/node_modules/binaryen/bin/wasm-opt"
cache="$root/bin/engine"

if [ ! -x "$wasm_opt" ]; then
  echo "build-engine.sh: $wasm_opt is missing: run make tools-wasm-opt" >&2
  exit 1
fi
mkdir -p "$cache" "$out"
tmp=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

(cd "$root" && GOOS=js GOARCH=wasm "$go" build -trimpath -tags seshat_engine -ldflags="-s -w" \
  -gcflags='google.golang.org/protobuf/...=-l' -gcflags='google.golang.org/protobuf/internal/impl=' -gcflags='fmt=-l' \
  -gcflags='time=-l' -gcflags='os=-l' -gcflags='log=-l' -gcflags='internal/poll=-l' -gcflags='syscall=-l' \
  -gcflags='sort=-l' -gcflags='errors=-l' -gcflags='io=-l' -gcflags='unicode/...=-l' -gcflags='compress/...=-l' \
  -gcflags='math/big=-l' -gcflags='crypto/...=-l' -gcflags='bufio=-l' -gcflags='encoding/base64=-l' \
  -gcflags='internal/godebug=-l' -gcflags='internal/bisect=-l' \
  -o "$tmp/go.wasm" ./wasm)
flags=(-O1 --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals)
sum=$({ sha256sum "$tmp/go.wasm" "$root/tools/wasm-opt/package-lock.json" | cut -d' ' -f1; echo "${flags[*]}"; } | sha256sum | cut -d' ' -f1)
if [ -f "$cache/seshat.wasm" ] && [ "$(cat "$cache/seshat.wasm.from" 2>/dev/null)" = "$sum" ]; then
  echo "build-engine.sh: the Go build and wasm-opt are unchanged: reusing bin/engine/seshat.wasm"
else
  echo "build-engine.sh: wasm-opt -O1 (about a minute)"
  node "$wasm_opt" "$tmp/go.wasm" "${flags[@]}" -o "$tmp/opt.wasm"
  mv "$tmp/opt.wasm" "$cache/seshat.wasm"
  echo "$sum" > "$cache/seshat.wasm.from"
fi
# Copy through a temporary name so a reader never sees half a file.
cp "$cache/seshat.wasm" "$out/.seshat.wasm.tmp"
mv "$out/.seshat.wasm.tmp" "$out/seshat.wasm"
cp "$("$go" env GOROOT)/lib/wasm/wasm_exec.js" "$out/wasm_exec.js"
if [ -n "$brotli" ]; then
  # precompress leaves a copy that is already the engine's alone.
  (cd "$root" && "$go" run ./cmd/precompress "$cache/seshat.wasm")
  cp "$cache/seshat.wasm.br" "$out/.seshat.wasm.br.tmp"
  mv "$out/.seshat.wasm.br.tmp" "$out/seshat.wasm.br"
fi
