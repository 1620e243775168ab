#!/usr/bin/env bash
# A PostgreSQL 15 primary with a synchronous streaming standby on loopback, for the failover test. As root both
# servers run as the `postgres` user. Layout: DIR/env (as pg.sh writes it, pointing at the primary, plus
# PRIMARY_PORT, STANDBY_PORT), DIR/data -> a folder the postgres user owns with primary/ and standby/.
#
#   pg-ha.sh start DIR          initialise the primary, create regfed's roles and DB (db-init.sh), clone the
#                               standby with pg_basebackup, start it and wait until it streams synchronously
#   pg-ha.sh crash-primary DIR  stop the primary without a shutdown checkpoint (as a power cut would)
#   pg-ha.sh promote DIR        promote the standby (starting it first if it was stopped) and wait until it accepts
#                               writes; it then runs alone, without a synchronous standby of its own (README "A standby")
#   pg-ha.sh stop-standby DIR   stop the standby (the primary's commits then wait for it)
#   pg-ha.sh start-standby DIR  start it again and wait until it streams synchronously
#   pg-ha.sh stop DIR           stop both and delete everything
set -euo pipefail
usage='usage: pg-ha.sh start|crash-primary|promote|stop-standby|start-standby|stop DIR'
cmd=${1:?$usage}
dir=${2:?$usage}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=/usr/lib/postgresql/15/bin
standby_name=regfed_standby

as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    # Nothing listening there (bash's /dev/tcp fails to connect).
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq $((seconds * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "pg-ha.sh: $what did not happen within $seconds s" >&2
  return 1
}
start_server() {  # start_server NAME [PORT]: starts DATA/NAME on PORT, or on a free port (tried up to 10 times); prints it
  local name=$1 port=${2:-} attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    local try=${port:-$(free_port)}
    if as_server "$bin/pg_ctl" -D "$data/$name" -l "$data/$name.log" -o "-p $try" -w -t 60 start >/dev/null 2>&1; then
      echo "$try"
      return 0
    fi
    # Someone else took the port between the check and the start, or the server failed: say why at the end.
    [ -z "$port" ] || break
  done
  echo "pg-ha.sh: the $name server did not start:" >&2
  tail -20 "$data/$name.log" >&2 || true
  return 1
}
sql() {  # sql PORT QUERY: one value
  psql -X -q -tA -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2"
}

standby_is_sync() {  # standby_is_sync PRIMARY_PORT
  [ "$(sql "$1" "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$standby_name'")" = sync ]
}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
case "$cmd" in
  start)
    # A start that fails halfway stops and deletes what it began.
    trap '"$0" stop "$dir" >/dev/null 2>&1 || true' ERR
    data=$(mktemp -d /tmp/regfed-ha.XXXXXX)
    chmod 755 "$data"
    [ "$(id -u)" -ne 0 ] || chown postgres "$data"
    ln -sfn "$data" "$dir/data"
    as_server "$bin/initdb" -D "$data/primary" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # initdb's pg_hba.conf trusts replication connections from loopback. Every commit waits until the standby
    # has flushed it (synchronous_commit = on with a named synchronous standby).
    cat <<CONF | as_server tee -a "$data/primary/postgresql.conf" >/dev/null
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 100
fsync = on
synchronous_commit = on
synchronous_standby_names = '$standby_name'
wal_level = replica
max_wal_senders = 4
log_min_messages = warning
CONF
    primary_port=$(start_server primary)
    printf 'PGHOST=127.0.0.1\nPGPORT=%s\nPGUSER=postgres\nPRIMARY_PORT=%s\n' "$primary_port" "$primary_port" \
      >"$dir/env"
    # Roles and database before the clone, so the standby has them too. (Until the standby streams, the
    # primary would wait for it on every commit: set it up without the synchronous wait.)
    PGOPTIONS="-c synchronous_commit=local" "$root/scripts/db-init.sh" "$dir" regfed >/dev/null
    as_server "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$data/standby" \
      -X stream --checkpoint=fast >/dev/null
    as_server touch "$data/standby/standby.signal"
        # Once promoted it is alone: with the primary's synchronous_standby_names it would wait for itself forever.
    cat <<CONF | as_server tee -a "$data/standby/postgresql.auto.conf" >/dev/null
synchronous_standby_names = ''
primary_conninfo = 'host=127.0.0.1 port=$primary_port user=postgres application_name=$standby_name'
CONF
    standby_port=$(start_server standby)
    printf 'STANDBY_PORT=%s\n' "$standby_port" >>"$dir/env"
    wait_for 30 "the standby streaming synchronously" standby_is_sync "$primary_port"
    trap - ERR
    ;;
  stop-standby)
    data=$(readlink -f "$dir/data")
    as_server "$bin/pg_ctl" -D "$data/standby" -m fast -w stop >/dev/null
    ;;
  start-standby)
    data=$(readlink -f "$dir/data")
    . "$dir/env"
    start_server standby "$STANDBY_PORT" >/dev/null
    wait_for 30 "the standby streaming synchronously" standby_is_sync "$PRIMARY_PORT"
    ;;
  crash-primary)
    data=$(readlink -f "$dir/data")
    as_server "$bin/pg_ctl" -D "$data/primary" -m immediate -w stop >/dev/null
    ;;
  promote)
    data=$(readlink -f "$dir/data")
    . "$dir/env"
    if ! as_server "$bin/pg_ctl" -D "$data/standby" status >/dev/null 2>&1; then
      start_server standby "$STANDBY_PORT" >/dev/null
    fi
    as_server "$bin/pg_ctl" -D "$data/standby" -w -t 60 promote >/dev/null
    writable() { [ "$(sql "$STANDBY_PORT" "SELECT pg_is_in_recovery()")" = f ]; }
    wait_for 30 "the promoted standby accepting writes" writable
    ;;
  stop)
    [ -e "$dir/data" ] || exit 0
    data=$(readlink -f "$dir/data")
    for server in primary standby; do
      if [ -f "$data/$server/PG_VERSION" ]; then
        as_server "$bin/pg_ctl" -D "$data/$server" -m immediate -w stop >/dev/null 2>&1 || true
      fi
    done
    case "$data" in /tmp/regfed-ha.*) rm -rf "$data" ;; esac
    rm -f "$dir/data" "$dir/env"
    ;;
  *)
    echo "pg-ha.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
