#!/usr/bin/env bash
# build-interop.sh DIR: build Seshat's second WebAssembly module (wasm/interop:
# etcd raft's script player and the session exports, which the page loads
# only on demand) into DIR/interop.wasm, and copy etcd raft's own scripts
# into DIR/etcd-raft/: testdata/*.txt, its LICENSE as LICENSE.txt (they are
# etcd's, under its Apache 2.0 licence) and index.json listing them:
#
#   {"module": "go.etcd.io/raft/v3", "version": "v3.7.0",
#    "license": "etcd-raft/LICENSE.txt",
#    "scripts": [{"name": "campaign", "file": "etcd-raft/testdata/campaign.txt", "bytes": N}, ...]}
#
# The files come from the raft module this build uses (go list -m), so the
# scripts always match the etcd raft the module runs. make wasm (DIR=web) and
# the browser tests (e2e/harness_test.go, a temporary DIR) both build here.
#
# No wasm-opt: measured on this module, -O1 takes 44 s for 0.5% (15,397,057
# -> 14,939,253 bytes raw; 2,614,365 -> 2,601,401 bytes with brotli, 13 KB),
# and the module is downloaded only when a person asks for it. The page's
# engine, loaded on every visit, is where wasm-opt pays (build-engine.sh).
#
# Files in DIR are replaced only when their bytes change (through a
# temporary name, so a reader never sees half a file): an unchanged build
# leaves them and their brotli copies (cmd/precompress) as they are, and
# make wasm stays quick (a cached go build, a few seconds). -buildvcs=false
# keeps the commit out of the module, so a commit that changes no Go code
# leaves interop.wasm's bytes, and its 45-second brotli copy, as they are.
set -euo pipefail

out=${1:?usage: build-interop.sh DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
go=${GO:-go}
mkdir -p "$out/etcd-raft/testdata"
tmp=$(mktemp -d "$out/.interop.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# put SRC DEST: install SRC as DEST (mode 644: the module cache's files are
# read-only) unless DEST already holds the same bytes.
put() {
  if ! cmp -s "$1" "$2"; then
    install -m 644 "$1" "$tmp/put"
    mv "$tmp/put" "$2"
  fi
}

(cd "$root" && GOOS=js GOARCH=wasm "$go" build -trimpath -buildvcs=false -ldflags="-s -w" -o "$tmp/interop.wasm" ./wasm/interop)
put "$tmp/interop.wasm" "$out/interop.wasm"

read -r module version dir < <(cd "$root" && "$go" list -m -f '{{.Path}} {{.Version}} {{.Dir}}' go.etcd.io/raft/v3)
if [ -z "${dir:-}" ] || [ ! -d "$dir/testdata" ] || [ ! -f "$dir/LICENSE" ]; then
  echo "build-interop.sh: the raft module's directory ($dir) has no testdata/ or LICENSE: run go mod download" >&2
  exit 1
fi
put "$dir/LICENSE" "$out/etcd-raft/LICENSE.txt"
# Scripts no longer in the module go.
for f in "$out"/etcd-raft/testdata/*.txt; do
  [ -e "$f" ] && [ ! -e "$dir/testdata/$(basename "$f")" ] && rm -f "$f"
done
{
  printf '{"module": "%s", "version": "%s", "license": "etcd-raft/LICENSE.txt", "scripts": [' "$module" "$version"
  sep=
  n=0
  for f in "$dir"/testdata/*.txt; do
    base=$(basename "$f" .txt)
    # The names go into JSON and URLs unescaped: etcd's are all like this.
    if ! [[ $base =~ ^[A-Za-z0-9_.-]+$ ]]; then
      echo "build-interop.sh: unexpected script name $base in $dir/testdata" >&2
      exit 1
    fi
    put "$f" "$out/etcd-raft/testdata/$base.txt"
    printf '%s\n  {"name": "%s", "file": "etcd-raft/testdata/%s.txt", "bytes": %d}' "$sep" "$base" "$base" "$(wc -c < "$f")"
    sep=,
    n=$((n + 1))
  done
  printf '\n]}\n'
} > "$tmp/index.json"
put "$tmp/index.json" "$out/etcd-raft/index.json"
echo "build-interop.sh: $out/interop.wasm ($(wc -c < "$out/interop.wasm") bytes), $n scripts of $module $version in $out/etcd-raft/"
