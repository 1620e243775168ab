#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for a bounded time against its seed corpus (tests/fuzz/corpus/NAME,
# read only) plus what earlier runs found (BUILD/fuzz-corpus/NAME), and reports executions and crashes.
#   scripts/fuzz.sh [--build DIR] [--seconds N]        (defaults: build-sanitize, 60 s per target)
# Runs as many targets at once as there are cores.
# Exits 1 when a target crashed, leaked or hung; the input that did it is in BUILD/fuzz-artifacts/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-sanitize"
seconds=60
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "usage: scripts/fuzz.sh [--build DIR] [--seconds N]" >&2; exit 2 ;;
  esac
done
[ -d "$build/fuzz" ] || { echo "fuzz.sh: no fuzz targets in $build/fuzz (build with -DREGFED_FUZZ=ON, see scripts/test.sh)" >&2; exit 1; }
export LSAN_OPTIONS="suppressions=$root/tests/sanitizer/lsan.supp"
export UBSAN_OPTIONS="print_stacktrace=1"
mkdir -p "$build/fuzz-artifacts"
export TMPDIR="$build/fuzz-tmp"
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"
trap 'rm -rf "$TMPDIR"' EXIT
# One target per core at a time (each libFuzzer run is single-threaded); results in the targets' order.
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_one() {
  local name=$1 target=$2 corpus="$build/fuzz-corpus/$1" log="$build/fuzz-artifacts/$1.log" rc=0
  mkdir -p "$corpus"
  "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/$name-" "$corpus" "$root/tests/fuzz/corpus/$name" >"$log" 2>&1 || rc=$?
  echo "$rc" >"$build/fuzz-artifacts/$name.rc"
}
names=()
for target in "$build"/fuzz/fuzz_*; do
  name=${target##*/fuzz_}
  names+=("$name")
  rm -f "$build/fuzz-artifacts/$name.rc"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$name" "$target" &
done
wait
failed=0
printf '%-16s %8s %12s %8s\n' target seconds executions result
for name in "${names[@]}"; do
  log="$build/fuzz-artifacts/$name.log"
  rc=$(cat "$build/fuzz-artifacts/$name.rc" 2>/dev/null || echo 1)
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$rc" -eq 0 ]; then result=ok; else result=CRASH; failed=1; fi
  printf '%-16s %8s %12s %8s\n' "$name" "$seconds" "${executions:-?}" "$result"
  if [ "$rc" -ne 0 ]; then
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -20 >&2
  fi
done
exit $failed
