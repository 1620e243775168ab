#!/usr/bin/env bash
# `make test`: the whole suite, in this order, stopping at the first failure:
#   1. the normal build's tests (unit, conformance, integration against a throwaway PostgreSQL, OpenAPI lint,
#      demo config check);
#   2. the checked build (clang, AddressSanitizer + UndefinedBehaviorSanitizer, in build-sanitize): the same
#      unit, conformance and integration suites again;
#   3. every fuzz target of that build for REGFED_FUZZ_SECONDS (default 30) seconds.
# Prints how long each step took.
#   scripts/test.sh                  all of it
#   scripts/test.sh --fuzz-only N    the checked build and N seconds of fuzzing per target (`make fuzz`)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
checked="$root/build-sanitize"
started=$(date +%s)
last=""
step() {
  local now
  now=$(date +%s)
  [ -z "$last" ] || printf 'regfed test: (%d s)\n' $((now - last))
  last=$now
  printf '\nregfed test: %s\n' "$1"
}

build_checked() {
  if [ ! -f "$checked/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$checked" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
      -DREGFED_SANITIZE=ON -DREGFED_FUZZ=ON -DREGFED_BENCH=OFF >/dev/null
  fi
  cmake --build "$checked" -j "$jobs" >"$checked.log" 2>&1 || {
    tail -40 "$checked.log"
    exit 1
  }
}

if [ "${1:-}" = "--fuzz-only" ]; then
  step "checked build"
  build_checked
  step "fuzzing, ${2:-300} s per target"
  "$root/scripts/fuzz.sh" --build "$checked" --seconds "${2:-300}"
  exit 0
fi

step "1/3 test suites of the normal build"
(cd "$root/build" && ctest --output-on-failure -j "$jobs")

step "2/3 checked build (AddressSanitizer, UndefinedBehaviorSanitizer) and its test suites"
build_checked
(cd "$checked" &&
  ASAN_OPTIONS=detect_leaks=1 \
    LSAN_OPTIONS="suppressions=$root/tests/sanitizer/lsan.supp" \
    UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j "$jobs" -E '^(openapi_lint|demo_config_check)$')

step "3/3 fuzzing, ${REGFED_FUZZ_SECONDS:-30} s per target"
"$root/scripts/fuzz.sh" --build "$checked" --seconds "${REGFED_FUZZ_SECONDS:-30}"

now=$(date +%s)
printf 'regfed test: (%d s)\n\nregfed test: all passed in %d s\n' $((now - last)) $((now - started))
