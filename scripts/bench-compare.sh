#!/usr/bin/env bash
# bench-compare.sh BASE_COMMIT [ROUNDS]: compare benchmarks of BASE_COMMIT
# (before) with this working tree (after) under WebAssembly, as the issues'
# performance targets are reported: both test binaries are built, then run
# in ROUNDS interleaved rounds (default 3; the order alternates each round,
# so a machine growing busier or quieter weighs on both sides alike). For
# each round and benchmark it prints ns/op before and after and the ratio
# after/before (below 1: faster), then the median ratio per benchmark.
#
#   scripts/bench-compare.sh 63cf469 5
#   BENCHES='./sim|^BenchmarkSeek30Minutes$|3x' scripts/bench-compare.sh main
#
# BENCHES: space-separated PKG|REGEX|BENCHTIME, default the Simulate10 and
# Frame9 (notable) workloads. GOOS=js GOARCH=wasm test binaries run under
# Go's go_js_wasm_exec (node); set TARGET=native to run natively instead.
# AFTER_FLAGS: extra go build flags for the after side only (split on
# spaces), to measure a build flag against the same code as BASE (e.g.
# AFTER_FLAGS='-gcflags=time=-l' scripts/bench-compare.sh HEAD 5).
# The machine should be otherwise idle: on a shared one, run it under the
# shared lock (e.g. flock /work/wt/heavy.lock scripts/bench-compare.sh ...).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BASE_COMMIT [ROUNDS]" >&2; exit 2
fi
base=$1
rounds=${2:-3}
case $rounds in
  ''|*[!0-9]*) echo "ROUNDS must be a whole number from 1 to 50, got '$rounds'" >&2; exit 2 ;;
esac
if [ "$rounds" -lt 1 ] || [ "$rounds" -gt 50 ]; then
  echo "ROUNDS must be a whole number from 1 to 50, got $rounds" >&2; exit 2
fi
BENCHES=${BENCHES:-'./sim|^BenchmarkSimulate10Minutes$|3x ./wasm|^BenchmarkFrame9Nodes$/^events=notable$|300x'}
TARGET=${TARGET:-wasm}

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
commit=$(git rev-parse --verify --quiet "$base^{commit}") || { echo "no such commit: $base" >&2; exit 2; }

work=$(mktemp -d)
cleanup() {
  git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
git worktree add --quiet --detach "$work/base" "$commit"

if [ "$TARGET" = wasm ]; then
  export GOOS=js GOARCH=wasm
  exec_cmd=("$(go env GOROOT)/lib/wasm/go_js_wasm_exec")
elif [ "$TARGET" = native ]; then
  exec_cmd=()
else
  echo "TARGET must be wasm or native, got '$TARGET'" >&2; exit 2
fi

# build SIDE TREE: one test binary per package named in BENCHES.
build() {
  local side=$1 tree=$2 spec pkg
  local -a extra=()
  [ "$side" = after ] && read -r -a extra <<< "${AFTER_FLAGS:-}"
  for spec in $BENCHES; do
    pkg=${spec%%|*}
    bin="$work/$side-$(echo "$pkg" | tr -c 'a-zA-Z0-9\n' _).test"
    [ -e "$bin" ] || (cd "$tree" && go test -c "${extra[@]}" -o "$bin" "$pkg")
  done
}
echo "building before ($base = ${commit:0:12}) and after (working tree of $(git rev-parse --short HEAD)) for $TARGET"
build before "$work/base"
build after "$root"

# run SIDE SPEC: prints ns/op of the benchmark's result line.
run() {
  local side=$1 spec=$2 pkg regex time bin out
  pkg=${spec%%|*}; regex=${spec#*|}; time=${regex#*|}; regex=${regex%|*}
  bin="$work/$side-$(echo "$pkg" | tr -c 'a-zA-Z0-9\n' _).test"
  local dir="$root/$pkg"
  [ "$side" = before ] && dir="$work/base/$pkg"
  out=$(cd "$dir" && "${exec_cmd[@]}" "$bin" -test.run '^$' -test.bench "$regex" -test.benchtime "$time" 2>&1) || {
    echo "$side $spec failed:" >&2; echo "$out" >&2; exit 1; }
  echo "$out" | awk '/^Benchmark/ { for (i = 1; i < NF; i++) if ($(i+1) == "ns/op") { print $i; exit } }'
}

declare -A ratios
printf '%-5s %-55s %15s %15s %7s\n' round benchmark before_ns/op after_ns/op ratio
for r in $(seq 1 "$rounds"); do
  for spec in $BENCHES; do
    if [ $((r % 2)) = 1 ]; then b=$(run before "$spec"); a=$(run after "$spec")
    else a=$(run after "$spec"); b=$(run before "$spec"); fi
    if [ -z "$a" ] || [ -z "$b" ]; then echo "no ns/op for $spec (does the regex match a benchmark?)" >&2; exit 1; fi
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')
    ratios[$spec]="${ratios[$spec]:-} $ratio"
    printf '%-5s %-55s %15s %15s %7s\n' "$r" "${spec%|*}" "$b" "$a" "$ratio"
  done
done
echo "median ratio after/before over $rounds rounds (below 1: faster):"
for spec in $BENCHES; do
  med=$(echo "${ratios[$spec]}" | tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  printf '  %-55s %s\n' "${spec%|*}" "$med"
done
