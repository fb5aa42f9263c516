#!/usr/bin/env bash
# check-purity.sh PKG...: fail if a pure package (core, storage, statemachine,
# wire, sim) depends on syscall/js or net/http, or reads the wall clock.
# Pure packages must run identically natively, under node and in the page.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

# Dependencies, natively and for js/wasm. Under GOOS=js the standard library's
# own os and syscall packages use syscall/js, so for wasm only direct imports
# from this module are checked.
bad=$(go list -deps "$@" | grep -xE 'syscall/js|net/http' || true)
if [ -n "$bad" ]; then
  echo "purity: $* depend on: $bad"; status=1
fi
direct=$(GOOS=js GOARCH=wasm go list -f '{{.ImportPath}}: {{join .Imports " "}} {{join .TestImports " "}}' "$@" | grep -E '(^| )(syscall/js|net/http)( |$)' || true)
if [ -n "$direct" ]; then
  echo "purity: imports syscall/js or net/http directly:"; echo "$direct"; status=1
fi

# Wall clock: no time.Now, Sleep, After, Tick, timers or Since/Until, tests included.
dirs=$(go list -f '{{.Dir}}' "$@")
clock=$(grep -nE '\btime\.(Now|Sleep|After|AfterFunc|Tick|NewTimer|NewTicker|Since|Until)\(' $(for d in $dirs; do ls "$d"/*.go; done) || true)
if [ -n "$clock" ]; then
  echo "purity: wall-clock use in a pure package (use the simulator's virtual clock):"; echo "$clock"; status=1
fi
[ $status = 0 ] && echo "purity: ok ($*)"
exit $status
