#!/usr/bin/env bash
# `make bench`: starts the demo environment, runs bench/lookup_bench against it, stops everything.
# Extra arguments go to lookup_bench (e.g. --seconds 30 --rounds 3). REGFED_DEMO_NODES=8 runs the federation with
# one node per municipality (the fan-out to eight separate nodes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rm -f "$root/var/demo/demo.env"
"$root/scripts/demo.sh" >"$root/var/bench-demo.log" 2>&1 &
demo=$!
trap 'kill -TERM $demo 2>/dev/null; wait $demo 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  [ -f "$root/var/demo/demo.env" ] && break
  kill -0 $demo 2>/dev/null || { cat "$root/var/bench-demo.log" >&2; exit 1; }
  sleep 0.2
done
. "$root/var/demo/demo.env"
"$root/build/bin/lookup_bench" --config "$REGFED_CONFIG" --url "$REGFED_URL" "$@"
