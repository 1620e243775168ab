#!/usr/bin/env bash
# `make bench-audit`: bench/audit_bench against a private PostgreSQL cluster of its own (var/audit-bench-pg),
# started and stopped here. Extra arguments go to audit_bench (default: --events 1000000).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/var/audit-bench-pg"
"$root/scripts/pg.sh" start "$dir" >/dev/null
trap '"$root/scripts/pg.sh" stop "$dir" >/dev/null' EXIT
"$root/scripts/db-init.sh" "$dir" regfed >/dev/null
. "$dir/env"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--events 1000000)
"$root/build/bin/audit_bench" --admin "host=$PGHOST port=$PGPORT" "${args[@]}"
