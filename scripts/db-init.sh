#!/usr/bin/env bash
# Creates regfed's roles and database in a cluster started by pg.sh (idempotent):
#   regfed_owner    owns the audit schema, runs migrations
#   regfed_node     the node's audit role: INSERT and SELECT on audit rows only (granted by the migrations)
#   regfed_reader   what the sql adapter connects as: SELECT on register tables only
#   regfed_auditor  read-only: SELECT on the audit log and the node's state (regfed audit verify, regfed report)
#   regfed_pruner   retention only: clears old events' payload, deletes old alerts (regfed audit prune)
#   database DB     (default "regfed")
set -euo pipefail
dir=${1:?usage: db-init.sh PGDIR [DBNAME]}
db=${2:-regfed}
. "$dir/env"
psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U postgres)
"${psql[@]}" -d postgres <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regfed_owner') THEN CREATE ROLE regfed_owner LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regfed_node') THEN CREATE ROLE regfed_node LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regfed_reader') THEN CREATE ROLE regfed_reader LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regfed_auditor') THEN CREATE ROLE regfed_auditor LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regfed_pruner') THEN CREATE ROLE regfed_pruner LOGIN; END IF;
END \$\$;
SQL
if ! "${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  "${psql[@]}" -d postgres -c "CREATE DATABASE \"$db\" OWNER regfed_owner"
fi
"${psql[@]}" -d "$db" -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC"
