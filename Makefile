# Two commands for a fresh Debian 12 machine:
#   make demo   install missing packages, build, start a private PostgreSQL and the demo node, print what to try
#   make test   the same set-up, then the whole test suite against its own throwaway PostgreSQL
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps test-deps build demo test test-package package fuzz bench bench-audit bench-claims clean

all: build

deps:
	@scripts/deps.sh

# What only the tests need: clang and its sanitizer/libFuzzer runtimes, Node and the npm test tools.
test-deps: deps
	@scripts/deps.sh --test

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh

test: test-deps build
	@scripts/test.sh

# Debian packages of the node, the web pages, each adapter and the SDK, into $(BUILD)/packages.
package: build
	cd $(BUILD) && cpack -G DEB -B $(CURDIR)/$(BUILD)/packages

# The packages installed into a clean Debian 12 root (mmdebstrap; needs root), the node started there as the
# systemd unit starts it, removed and purged; the SDK template built out of tree (also part of `make test`).
test-package: test-deps build
	tests/package/package-test.sh $(BUILD)

# Longer fuzzing than the test run does (FUZZ_SECONDS per target); needs the checked build of `make test`.
FUZZ_SECONDS ?= 300
fuzz: test-deps build
	@scripts/test.sh --fuzz-only $(FUZZ_SECONDS)

bench: build
	@scripts/bench.sh

bench-audit: build
	@scripts/audit-bench.sh

bench-claims: build
	@scripts/claim-bench.sh

clean:
	rm -rf $(BUILD) build-sanitize build-sanitize.log
