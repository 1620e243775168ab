#!/usr/bin/env bash
# Do the DPO's review indexes (migration 0006: events_withheld, events_case_ref) slow down audited lookups? Starts
# the demo, then runs bench/lookup_bench three times against the Merseburg node: with the indexes, without them
# (dropped as the superuser), and with them again, and prints each run's regfed-to-baseline ratio.
#   scripts/bench-review-indexes.sh [--seconds 10]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${REGFED_URL:-}" ]; then exec "$root/scripts/with-demo.sh" "$0" "$@"; fi
sql() { psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d regfed_merseburg -c "$1"; }
run() {
  echo "== $1"
  "$root/build/bin/lookup_bench" --config "$REGFED_CONFIG" --url "$REGFED_URL" --rounds 1 "${@:2}" |
    grep -E "ratio regfed|regfed: audited|baseline:" | tail -3
}
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--seconds 10)
run "with the review indexes" "${args[@]}"
sql "DROP INDEX regfed_audit.events_withheld; DROP INDEX regfed_audit.events_case_ref"
run "without them" "${args[@]}"
sql "CREATE INDEX events_withheld ON regfed_audit.events USING gin (withheld);
     CREATE INDEX events_case_ref ON regfed_audit.events (case_ref) WHERE case_ref IS NOT NULL"
run "with them again" "${args[@]}"
