# Seshat: build, test and lint. `make test` is what CI runs (.ci/run).

GO          ?= go
GOROOT      := $(shell $(GO) env GOROOT)
WASM_EXEC   := $(GOROOT)/lib/wasm/go_js_wasm_exec
# Packages that must stay pure Go (no syscall/js, no net/http, no wall clock)
# and therefore run natively, under GOOS=js in node, and in the page.
PURE_PKGS   := ./core/... ./storage/... ./statemachine/... ./wire/... ./sim/...
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHTIME   ?= 2s

.PHONY: generate chaos fuzz-member wasm run run-native run-durable test-load load test-web test-browser bench-browser all test test-native test-wasm lint bench bench-native bench-wasm tools-node tools-npm tools-e2e tools-wasm-opt

all: test

## test: everything CI runs: lint, native, WebAssembly, page and browser tests.
test: lint test-native test-wasm test-web test-browser test-load

## test-web: the page's model and engine adapter, and the built engine end to end, with node's test runner;
## then the built page's weight with brotli (at most 1.8 MB, issue 11's target; the margin is logged).
test-web: tools-node wasm
	node --test web/
	SESHAT_PAGE_WEIGHT=1 $(GO) test -count=1 -run '^TestPageWeight$$' -v ./internal/devserver

## bench-browser: page weight, first leader, frame times (also at 4x CPU throttling, traced) and memory in headless Chromium.
bench-browser: tools-wasm-opt
	bash scripts/ensure-chromium.sh
	mkdir -p bin/e2e
	SESHAT_E2E=1 SESHAT_PERF=1 $(GO) test -count=1 -timeout=15m -v -run '^TestPerformance$$' ./e2e -shots="$(CURDIR)/bin/e2e"

## test-browser: the page in headless Chromium (installed when missing, as root on Debian),
## with axe-core (make tools-e2e) checking its accessibility.
# Each test saves screenshots in bin/e2e/<test name>/.
test-browser: tools-e2e tools-wasm-opt
	bash scripts/ensure-chromium.sh
	mkdir -p bin/e2e
	SESHAT_E2E=1 $(GO) test -count=1 -timeout=15m ./e2e -shots="$(CURDIR)/bin/e2e"
	@echo "screenshots: $(CURDIR)/bin/e2e/<test name>/"

## test-native: all Go tests on this machine, with the race detector.
# The second line: the TLA+ exporter against etcd Raft's own trace logger
# (the with_tla build tag).
test-native:
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -tags with_tla -run 'TLA' ./export

## test-wasm: the pure packages compiled to WebAssembly and run under node.
# They are built with the seshat_engine tag, as scripts/build-engine.sh
# builds the page's engine (core's calls into etcd Raft without the probe
# the TLA+ exporter uses; the native tests run the probe's build).
# The chaos campaigns run 10 seeds each here (100 and 30 natively); the
# golden-trace test proves wasm determinism against the same runs.
test-wasm: tools-node
	GOOS=js GOARCH=wasm $(GO) test -count=1 -timeout=20m -tags seshat_engine -skip='^TestChaos' -exec="$(WASM_EXEC)" $(PURE_PKGS) ./wasm ./internal/member/... ./internal/simtest/...
	GOOS=js GOARCH=wasm $(GO) test -count=1 -timeout=20m -exec="$(WASM_EXEC)" ./interop/... ./wasm/interop
	SESHAT_CHAOS_SEEDS=10 SESHAT_CHAOS_MEMBER_SEEDS=10 GOOS=js GOARCH=wasm $(GO) test -count=1 -timeout=10m -run '^TestChaos(Membership)?$$' -exec="$(WASM_EXEC)" ./sim

## test-load: the native cluster under load with 50 watching pages, 20 s (make load: 60 s).
## It checks correctness (every acknowledged write kept, a linearizable
## history) and logs the throughput; LOAD_TARGET=N also fails it below N
## acknowledged writes per second.
LOAD_SECONDS ?= 20
LOAD_TARGET  ?= 0
test-load:
	SESHAT_LOAD=1 SESHAT_LOAD_SECONDS=$(LOAD_SECONDS) SESHAT_LOAD_TARGET=$(LOAD_TARGET) $(GO) test -count=1 -timeout=10m -v -run '^TestLoad$$' ./loadtest

## load: the full load test (60 s), held to 1,000 acknowledged writes per second,
## then the same writes with no page watching, for comparison.
load:
	$(MAKE) test-load LOAD_SECONDS=60 LOAD_TARGET=1000
	SESHAT_LOAD=1 SESHAT_LOAD_SECONDS=60 SESHAT_LOAD_PAGES=0 SESHAT_LOAD_TARGET=1000 $(GO) test -count=1 -timeout=10m -v -run '^TestLoad$$' ./loadtest

## chaos: the chaos campaign over more seeds, e.g. make chaos SEEDS=1000 SECONDS=120 FIRST=1.
## The whole output goes to bin/chaos.log; failing seeds and the summary are printed.
SEEDS   ?= 1000
SECONDS ?= 60
FIRST   ?= 1
chaos:
	@mkdir -p bin
	@echo "chaos: $(SEEDS) seeds from $(FIRST), $(SECONDS) virtual s each; log in bin/chaos.log"
	@SESHAT_CHAOS_FIRST=$(FIRST) SESHAT_CHAOS_SEEDS=$(SEEDS) SESHAT_CHAOS_MEMBER_SEEDS=$(SEEDS) SESHAT_CHAOS_SECONDS=$(SECONDS) \
	  $(GO) test -count=1 -timeout=0 -v -run '^TestChaos(Membership)?$$' ./sim > bin/chaos.log 2>&1; status=$$?; \
	  grep -E '^ *--- FAIL|^ *chaos_test.go:[0-9]+: |^ +(replay|files in|shrunk|not shrunk)' bin/chaos.log || true; \
	  tail -n 1 bin/chaos.log; exit $$status

## fuzz-member: FuzzMemberFrames (a joined member's raft frames into a real
## native cluster), e.g. make fuzz-member FUZZTIME=10m. Worker panics, the
## inputs each cluster was given, and why the fuzzer started a cluster
## again are kept in bin/fuzz-member/ (the fuzzing engine discards them).
FUZZTIME ?= 10m
FUZZMIN  ?= 5s
fuzz-member:
	mkdir -p bin/fuzz-member
	SESHAT_FUZZ_CRASH_DIR=$(CURDIR)/bin/fuzz-member $(GO) test -run '^$$' -fuzz '^FuzzMemberFrames$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMIN) -parallel 1 -timeout 0 ./native

## lint: gofmt, go vet, staticcheck, and the purity rule for the pure packages.
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags with_tla ./export
	GOOS=js GOARCH=wasm $(GO) vet $(PURE_PKGS) ./interop/... ./wasm/interop
	GOOS=js GOARCH=wasm $(GO) vet -tags seshat_engine $(PURE_PKGS) ./wasm
	$(GO) run $(STATICCHECK) ./...
	bash scripts/check-purity.sh $(PURE_PKGS)

## bench: RaftNode and storage benchmarks, natively and under WebAssembly.
bench: bench-native bench-wasm

bench-native:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) $(PURE_PKGS)

bench-wasm: tools-node
	GOOS=js GOARCH=wasm $(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) -exec="$(WASM_EXEC)" $(PURE_PKGS)

# node runs Go's WebAssembly test binaries. Install it when missing and we are
# root on Debian; otherwise say what to install.
tools-node:
	@command -v node >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "node not found: installing Debian's nodejs"; \
	    apt-get update -qq && apt-get install -y -qq nodejs >/dev/null; \
	  else \
	    echo "node (Node.js >= 18) is needed to run WebAssembly tests: install it, e.g. 'sudo apt-get install nodejs'"; exit 1; \
	  fi; }

# npm installs the pinned npm packages: the browser tests' axe-core (tools-e2e)
# and Binaryen's wasm-opt (tools-wasm-opt), which make wasm runs on the engine.
# Debian's nodejs comes without it: install Debian's npm when missing and we
# are root; otherwise say what to install.
tools-npm: tools-node
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "npm not found: installing Debian's npm"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else \
	    echo "npm is needed to install the pinned npm packages (axe-core for the browser tests, binaryen's wasm-opt for make wasm): install it, e.g. 'sudo apt-get install npm'"; exit 1; \
	  fi; }

## tools-e2e: the browser tests' npm packages (axe-core), exactly as e2e/package-lock.json pins them, in e2e/node_modules.
tools-e2e: e2e/node_modules/.package-lock.json

e2e/node_modules/.package-lock.json: e2e/package.json e2e/package-lock.json | tools-npm
	cd e2e && npm ci --no-audit --no-fund
	touch $@

## tools-wasm-opt: Binaryen's wasm-opt, exactly as tools/wasm-opt/package-lock.json pins it, in tools/wasm-opt/node_modules.
tools-wasm-opt: tools/wasm-opt/node_modules/.package-lock.json

tools/wasm-opt/node_modules/.package-lock.json: tools/wasm-opt/package.json tools/wasm-opt/package-lock.json | tools-npm
	cd tools/wasm-opt && npm ci --no-audit --no-fund
	touch $@

## generate: web/ui/schema.js and schema-types.js from package wire (go generate ./wire), and the real
## frames and error answers the fake engine is checked against. Commit them: make
## test fails while any is stale (TestSchemaJSFresh, TestRealFrames, TestRealErrors).
generate:
	$(GO) generate ./wire
	$(GO) test -count=1 -run '^(TestRealFrames|TestRealErrors)$$' ./wasm -update

## wasm: build the in-browser engine (web/seshat.wasm, optimised by Binaryen's
## wasm-opt: scripts/build-engine.sh), copy Go's loader, build the interop module
## the page loads on demand (web/interop.wasm, with etcd raft's scripts in
## web/etcd-raft/: scripts/build-interop.sh), and write brotli copies (*.br) for
## the dev server: two minutes or so when the engine changed, a few seconds
## when nothing did.
wasm: tools-wasm-opt
	GO="$(GO)" bash scripts/build-engine.sh web
	GO="$(GO)" bash scripts/build-interop.sh web
	$(GO) run ./cmd/precompress web/seshat.wasm web/wasm_exec.js web/interop.wasm

## run: build the engine and start the dev server on 127.0.0.1:8080 (another address: make run ADDR=127.0.0.1:9000).
ADDR ?= 127.0.0.1:8080
run: wasm
	$(GO) run ./cmd/devserver -addr $(ADDR)

## run-native: the same, with 5 native Raft nodes for the page's native engine (?engine=native).
NATIVE ?= 5
run-native: wasm
	$(GO) run ./cmd/devserver -addr $(ADDR) -native $(NATIVE)

## run-durable: native nodes whose Raft logs live in DATA_DIR: kill the server (even kill -9) and run it again, no acknowledged write is lost.
DATA_DIR ?= .seshat-data
run-durable: wasm
	$(GO) run ./cmd/devserver -addr $(ADDR) -native $(NATIVE) -data-dir $(DATA_DIR)
