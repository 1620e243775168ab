#!/usr/bin/env bash
# `make test`: the whole suite, in this order, stopping at the first failure:
#   1. the normal build's tests (unit, conformance, integration against a throwaway PostgreSQL, OpenAPI lint,
#      demo config check);
#   2. the checked build (clang, AddressSanitizer + UndefinedBehaviorSanitizer, in build-sanitize): the same
#      unit, conformance and integration suites again;
#   3. every fuzz target of that build for REGFED_FUZZ_SECONDS (default 30) seconds;
#   4. the Debian packages in a clean Debian 12 root (tests/package/package-test.sh, needs root; skipped with a
#      note otherwise). It runs alongside steps 2 and 3: most of its time is the Debian mirror and dpkg.
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

step "1/4 test suites of the normal build"
(cd "$root/build" && ctest --output-on-failure -j "$jobs")

package_log="$root/build/package-test.log"
package_pid=""
if [ "$(id -u)" -eq 0 ]; then
  "$root/tests/package/package-test.sh" "$root/build" "$root/build/package-test" >"$package_log" 2>&1 &
  package_pid=$!
  trap '[ -z "$package_pid" ] || kill "$package_pid" 2>/dev/null || true' EXIT
fi

step "2/4 checked build (AddressSanitizer, UndefinedBehaviorSanitizer) and its test suites"
build_checked
(cd "$checked" &&
  ASAN_OPTIONS=detect_leaks=1 \
    LSAN_OPTIONS="suppressions=$root/tests/sanitizer/lsan.supp" \
    UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j "$jobs" -E '^(openapi_lint|demo_config_check)$')

step "3/4 fuzzing, ${REGFED_FUZZ_SECONDS:-30} s per target"
"$root/scripts/fuzz.sh" --build "$checked" --seconds "${REGFED_FUZZ_SECONDS:-30}"

step "4/4 Debian packages in a clean Debian 12 root (ran alongside 2 and 3)"
if [ -n "$package_pid" ]; then
  if ! wait "$package_pid"; then
    package_pid=""
    cat "$package_log"
    exit 1
  fi
  package_pid=""
  cat "$package_log"
else
  echo "skipped: the package test needs root (mmdebstrap, chroot); run make test-package as root"
fi

now=$(date +%s)
printf 'regfed test: (%d s)\n\nregfed test: all passed in %d s\n' $((now - last)) $((now - started))
