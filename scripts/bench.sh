#!/usr/bin/env bash
# `make bench`: starts the demo environment, runs bench/lookup_bench against it, stops everything.
# Extra arguments go to lookup_bench (e.g. --seconds 30 --rounds 3). REGFED_DEMO_NODES=8 runs the federation with
# one node per municipality (the fan-out to eight separate nodes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec "$root/scripts/with-demo.sh" bash -c '"$0" --config "$REGFED_CONFIG" --url "$REGFED_URL" "$@"' \
  "$root/build/bin/lookup_bench" "$@"
