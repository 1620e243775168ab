#!/usr/bin/env bash
# ctest fixture "postgres": a throwaway cluster for the whole test run.
#   pg-fixture.sh setup DIR | cleanup DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case "${1:?}" in
  setup)
    "$root/scripts/pg.sh" stop "$2" 2>/dev/null || true
    rm -rf "$2"
    "$root/scripts/pg.sh" start "$2"
    "$root/scripts/db-init.sh" "$2" regfed_test_template
    ;;
  cleanup)
    "$root/scripts/pg.sh" stop "$2"
    data=$(readlink -f "$2/data" || true)
    rm -rf "$2"
    case "$data" in /tmp/regfed-pg.*) rm -rf "$data" ;; esac
    ;;
esac
