#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for the demo and the tests: listens on 127.0.0.1 at a free random port and on a
# Unix socket inside its own folder. As root, the server runs as the `postgres` user (PostgreSQL refuses root).
#
#   scripts/pg.sh start DIR    initialise (first time) and start; writes DIR/env (PGHOST, PGPORT, PGUSER)
#   scripts/pg.sh stop DIR     fast shutdown
#   scripts/pg.sh status DIR   exit 0 when running
set -euo pipefail

cmd=${1:?usage: pg.sh start|stop|status DIR}
dir=${2:?usage: pg.sh start|stop|status DIR}
bin=/usr/lib/postgresql/15/bin
[ -x "$bin/initdb" ] || { echo "pg.sh: PostgreSQL 15 server binaries not found in $bin (run scripts/deps.sh)" >&2; exit 1; }

as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "$cmd" != start ] && [ ! -d "$dir" ]; then
  # Nothing was ever started here: nothing to stop, nothing running.
  [ "$cmd" = stop ] && exit 0
  exit 1
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"
if [ "$(id -u)" -eq 0 ] && [ "$cmd" = start ]; then
  # The postgres user must reach the folder; a clone under /root is not traversable, so live in /tmp then.
  if ! runuser -u postgres -- test -x "$dir"; then
    if [ ! -L "$dir/data" ]; then
      alt=$(mktemp -d /tmp/regfed-pg.XXXXXX)
      chmod 755 "$alt"
      rm -rf "$dir/data"
      ln -s "$alt" "$dir/data"
    fi
    data=$(readlink -f "$dir/data")
  fi
fi
[ -L "$dir/data" ] && data=$(readlink -f "$dir/data")
sock="$data/sock"
envfile="$dir/env"

case "$cmd" in
  status)
    as_server "$bin/pg_ctl" -D "$data/cluster" status >/dev/null 2>&1
    ;;
  stop)
    if [ -d "$data/cluster" ]; then
      as_server "$bin/pg_ctl" -D "$data/cluster" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  start)
    mkdir -p "$data"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$data"; fi
    if [ ! -f "$data/cluster/PG_VERSION" ]; then
      as_server mkdir -p "$data/cluster" "$sock"
      as_server "$bin/initdb" -D "$data/cluster" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
      # Only this machine's loopback and the cluster's own socket; trust is acceptable for a private demo/test
      # cluster and never for production (see README).
      cat <<CONF | as_server tee -a "$data/cluster/postgresql.conf" >/dev/null
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
log_min_messages = warning
CONF
    fi
    if as_server "$bin/pg_ctl" -D "$data/cluster" status >/dev/null 2>&1; then
      exit 0
    fi
    port=""
    [ -f "$envfile" ] && port=$(sed -n 's/^PGPORT=//p' "$envfile")
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
      [ -n "$port" ] || port=$(( 20000 + RANDOM % 40000 ))
      as_server rm -f "$data/server.log"
      if as_server "$bin/pg_ctl" -D "$data/cluster" -l "$data/server.log" -o "-p $port" -w -t 60 start >/dev/null 2>&1; then
        printf 'PGHOST=127.0.0.1\nPGPORT=%s\nPGUSER=postgres\nPGSOCKET=%s\n' "$port" "$sock" >"$envfile"
        exit 0
      fi
      if grep -q "Address already in use\|could not bind\|could not create any TCP/IP sockets" "$data/server.log" 2>/dev/null; then
        port=""
        continue
      fi
      tail -20 "$data/server.log" >&2 || true
      exit 1
    done
    echo "pg.sh: no free port found after 10 attempts" >&2
    exit 1
    ;;
  *)
    echo "usage: pg.sh start|stop|status DIR" >&2
    exit 2
    ;;
esac
