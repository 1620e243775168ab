#!/usr/bin/env bash
# Starts the demo environment (scripts/demo.sh, its output in var/bench-demo.log), runs the given command with
# var/demo/demo.env exported once the nodes are ready, and stops everything afterwards. The benchmarks run under it.
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
set -a
. "$root/var/demo/demo.env"
set +a
"$@"
