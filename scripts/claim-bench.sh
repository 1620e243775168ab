#!/usr/bin/env bash
# `make bench-claims`: bench/claim_bench against a private PostgreSQL cluster of its own (var/claim-bench-pg),
# started and stopped here; claim_bench starts its own node (build/bin/regfed, config and log in var/claim-bench).
# Extra arguments go to claim_bench (default: 16 helpers, 10,000 items, pages of 20).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/var/claim-bench-pg"
"$root/scripts/pg.sh" start "$dir" >/dev/null
trap '"$root/scripts/pg.sh" stop "$dir" >/dev/null' EXIT
"$root/scripts/db-init.sh" "$dir" regfed >/dev/null
. "$dir/env"
"$root/build/bin/claim_bench" --admin "host=$PGHOST port=$PGPORT" --work-dir "$root/var/claim-bench" \
  --regfed "$root/build/bin/regfed" --plugin-dir "$root/build/plugins-out" "$@"
