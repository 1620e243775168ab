#!/usr/bin/env bash
# The Debian packages in a clean Debian 12 root, as a municipality's server would get them:
#   1. `cpack` builds the packages from BUILD (a normal build);
#   2. mmdebstrap makes a Debian 12 root from the Debian mirror and installs them there with apt (their library
#      dependencies come from the mirror too);
#   3. checks what installing created (user, folders, modes, the unit), `systemd-analyze verify` on the unit,
#      `regfed config check` on the shipped sample;
#   4. starts the node there the way the unit does (user regfed, its working folder, NOTIFY_SOCKET), waits for
#      READY=1, asks /v1/health, stops it with SIGTERM (STOPPING=1, exit 0);
#   5. removes (config and data stay) and purges (both gone);
#   6. builds the SDK's template adapter out of tree with find_package(regfed) and runs its conformance tests.
#   tests/package/package-test.sh BUILD [WORKDIR]        needs root (mmdebstrap, chroot)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: package-test.sh BUILD [WORKDIR]}" && pwd)
work=${2:-$(mktemp -d /tmp/regfed-package-test.XXXXXX)}
mkdir -p "$work"
chrootdir="$work/root"
pg="$work/pg"
node_pid=""
fail() {
  echo "package test: FAILED: $*" >&2
  exit 1
}
cleanup() {
  [ -z "$node_pid" ] || kill "$node_pid" 2>/dev/null || true
  "$root/scripts/pg.sh" stop "$pg" >/dev/null 2>&1 || true
  for m in proc dev/pts dev sys; do umount "$chrootdir/$m" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM
step() { printf 'package test: %s\n' "$*"; }
in_root() { chroot "$chrootdir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

step "1. packages (cpack)"
debs="$work/debs"
rm -rf --one-file-system "$debs"
(cd "$build" && cpack -G DEB -B "$debs" >"$work/cpack.log" 2>&1) || {
  tail -20 "$work/cpack.log"
  fail "cpack"
}
for p in regfed regfed-web regfed-adapter-sql regfed-adapter-jsonl regfed-procedure-antraege regfed-dev; do
  ls "$debs"/${p}_*.deb >/dev/null 2>&1 || fail "no package $p"
done

step "2. a clean Debian 12 root with the packages (mmdebstrap, apt)"
# A root left by an interrupted run may still have file systems mounted in it: unmount them, never delete
# through them.
for m in $(awk -v r="$chrootdir/" 'index($2, r) == 1 {print $2}' /proc/self/mounts | sort -r); do umount -l "$m" || true; done
rm -rf --one-file-system "$chrootdir"
install=()
for p in regfed regfed-web regfed-adapter-jsonl regfed-adapter-sql regfed-procedure-antraege; do
  install+=("$(ls "$debs"/${p}_*.deb)")
done
# The packages go in with apt inside the root (local .deb files given to --include must be reachable from it).
mmdebstrap --variant=apt --include=systemd,curl,ca-certificates \
  --customize-hook='mkdir -p "$1/tmp/debs"' --customize-hook="copy-in ${install[*]} /tmp/debs" \
  --customize-hook='chroot "$1" sh -c "apt-get install -y -q /tmp/debs/*.deb && rm -r /tmp/debs"' \
  bookworm "$chrootdir" >"$work/mmdebstrap.log" 2>&1 || {
  grep -v -e "^I: " -e "^Get:" "$work/mmdebstrap.log" | tail -20
  fail "mmdebstrap"
}

step "3. what installing created"
in_root getent passwd regfed >/dev/null || fail "no system user regfed"
[ "$(in_root stat -c '%U:%G %a' /etc/regfed)" = "root:regfed 750" ] || fail "/etc/regfed: $(in_root stat -c '%U:%G %a' /etc/regfed)"
[ "$(in_root stat -c '%U:%G %a' /etc/regfed/node.json)" = "root:regfed 640" ] || fail "/etc/regfed/node.json mode"
[ "$(in_root stat -c '%U:%G %a' /var/lib/regfed)" = "regfed:regfed 750" ] || fail "/var/lib/regfed"
[ "$(in_root stat -c '%U:%G %a' /var/lib/regfed/keys)" = "regfed:regfed 700" ] || fail "/var/lib/regfed/keys"
for f in /usr/bin/regfed /lib/systemd/system/regfed.service /usr/lib/regfed/plugins/regfed-adapter-sql.so \
  /usr/lib/regfed/plugins/regfed-adapter-jsonl.so /usr/lib/regfed/plugins/regfed-procedure-antraege.so \
  /usr/share/regfed/web/dpo/index.html /usr/share/regfed/web/helfer/index.html /usr/share/regfed/antraege/antraege.sql; do
  [ -e "$chrootdir$f" ] || fail "missing $f"
done
grep -qx "/etc/regfed/node.json" "$chrootdir/var/lib/dpkg/info/regfed.conffiles" || fail "node.json is not a conffile"
in_root regfed --version | grep -q "^regfed " || fail "regfed --version"
mount --bind /proc "$chrootdir/proc"
if ! in_root systemd-analyze verify /lib/systemd/system/regfed.service >"$work/verify.log" 2>&1; then
  cat "$work/verify.log"
  fail "systemd-analyze verify"
fi
if grep -q . "$work/verify.log"; then
  cat "$work/verify.log"
  fail "systemd-analyze verify has warnings about the unit"
fi
# The sample is valid but for what only the municipality can fill in: files it names that do not exist yet.
set +e
in_root regfed config check /etc/regfed/node.json >"$work/sample-check.log" 2>&1
sample=$?
set -e
[ "$sample" = 1 ] || fail "config check of the sample exited $sample"
if grep -v -e ": file not found: " -e "problem(s):$" "$work/sample-check.log" | grep -q .; then
  cat "$work/sample-check.log"
  fail "the sample config has problems other than files still to be made"
fi
step "   sample config: $(grep -c "file not found" "$work/sample-check.log") files still to be made, nothing else"

step "4. the node, started as the unit starts it"
"$root/scripts/pg.sh" start "$pg" >/dev/null
"$root/scripts/db-init.sh" "$pg" regfed >/dev/null
. "$pg/env"
etc="$chrootdir/etc/regfed"
openssl ecparam -name prime256v1 -genkey -noout -out "$etc/issuers/idp.pem" 2>/dev/null
openssl ec -in "$etc/issuers/idp.pem" -pubout -out "$etc/issuers/idp.pub.pem" 2>/dev/null
printf '{"id":"P-1","familienname":"Muster","vornamen":"Erika"}\n' >"$chrootdir/var/lib/regfed/melde.jsonl"
in_root chown regfed:regfed /var/lib/regfed/melde.jsonl
port=$((20000 + RANDOM % 20000))
cp "$etc/node.json" "$work/node.json.shipped"
cat >"$etc/node.json" <<JSON
// The package test's node: the sample's layout, a database on the host's loopback, no federation.
{
  "node": {"id": "paket", "listen": "127.0.0.1:$port", "web_dir": "/usr/share/regfed/web"},
  "municipalities": [{"ags": "15088220", "name": "Stadt Merseburg"}],
  "plugin_dir": "/usr/lib/regfed/plugins",
  "audit": {
    "dsn": "host=127.0.0.1 port=$PGPORT dbname=regfed user=regfed_node",
    "owner_dsn": "host=127.0.0.1 port=$PGPORT dbname=regfed user=regfed_owner",
    "node_role": "regfed_node",
    "signing_key": "/var/lib/regfed/keys/audit.pem",
    "witness_key": "/var/lib/regfed/keys/witness.pem",
    "head_log": "/var/lib/regfed/audit.heads"
  },
  "issuers": [{"iss": "https://idp.merseburg.example", "municipalities": ["15088220"], "algorithm": "ES256",
               "audience": "regfed", "public_key": "/etc/regfed/issuers/idp.pub.pem"}],
  "registers": [{"ags": "15088220", "name": "melderegister", "adapter": "jsonl",
                 "options": {"path": "/var/lib/regfed/melde.jsonl"},
                 "fields": [{"name": "id", "type": "string", "classification": "intern"},
                            {"name": "familienname", "type": "string", "classification": "vertraulich"},
                            {"name": "vornamen", "type": "string", "classification": "vertraulich"}]}]
}
JSON
in_root chown root:regfed /etc/regfed/node.json /etc/regfed/issuers/idp.pub.pem
in_root chmod 0640 /etc/regfed/node.json /etc/regfed/issuers/idp.pub.pem
in_root regfed config check /etc/regfed/node.json >/dev/null || fail "config check of the test config"
# ExecStart, User=regfed, WorkingDirectory=/var/lib/regfed, NOTIFY_SOCKET: a datagram socket read here.
notify="$chrootdir/run/regfed-notify"
rm -f "$notify" "$work/notify.log"
python3 - "$notify" "$work/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
import os
os.chmod(sys.argv[1], 0o777)
s.settimeout(60)
with open(sys.argv[2], "a") as log:
    for _ in range(2):
        try:
            log.write(s.recv(4096).decode() + "\n---\n")
            log.flush()
        except socket.timeout:
            break
PY
listener=$!
for _ in $(seq 50); do [ -S "$notify" ] && break; sleep 0.1; done
chroot --userspec=regfed:regfed "$chrootdir" /usr/bin/env -i PATH=/usr/bin:/bin NOTIFY_SOCKET=/run/regfed-notify \
  sh -c 'cd /var/lib/regfed && exec /usr/bin/regfed serve --config /etc/regfed/node.json' >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 300); do
  grep -q "READY=1" "$work/notify.log" 2>/dev/null && break
  kill -0 "$node_pid" 2>/dev/null || {
    cat "$work/node.log"
    fail "the node stopped before it was ready"
  }
  sleep 0.1
done
grep -q "READY=1" "$work/notify.log" || fail "no READY=1 from the node"
step "   systemd was told: $(head -1 "$work/notify.log" | tr '\n' ' ') $(sed -n 2p "$work/notify.log")"
health=$(curl -fsS "http://127.0.0.1:$port/v1/health") || fail "no health answer"
echo "$health" | grep -q '"status" *: *"ok"' || fail "health: $health"
step "   /v1/health: $health"
curl -fsS "http://127.0.0.1:$port/dpo/" | grep -q "<html" || fail "the DPO page is not served from the package"
[ -s "$chrootdir/var/lib/regfed/keys/audit.pem" ] || fail "the node made no signing key in /var/lib/regfed/keys"
kill -TERM "$node_pid"
set +e
wait "$node_pid"
status=$?
set -e
node_pid=""
[ "$status" = 0 ] || fail "the node exited $status on SIGTERM"
wait "$listener" || true
grep -q "STOPPING=1" "$work/notify.log" || fail "no STOPPING=1 from the node"

step "5. remove keeps config and data, purge deletes them"
in_root apt-get remove -y -q regfed >"$work/remove.log" 2>&1 || fail "apt-get remove"
[ -f "$chrootdir/etc/regfed/node.json" ] || fail "removing deleted the config"
[ -f "$chrootdir/var/lib/regfed/keys/audit.pem" ] || fail "removing deleted the keys"
[ ! -e "$chrootdir/usr/bin/regfed" ] || fail "removing left /usr/bin/regfed"
in_root apt-get purge -y -q regfed >"$work/purge.log" 2>&1 || fail "apt-get purge"
[ ! -e "$chrootdir/etc/regfed" ] || fail "purging left /etc/regfed"
[ ! -e "$chrootdir/var/lib/regfed" ] || fail "purging left /var/lib/regfed"

step "6. an adapter built out of tree against the SDK (find_package(regfed))"
sdk="$work/sdk"
rm -rf "$sdk" "$work/adapter"
dpkg-deb -x "$(ls "$debs"/regfed-dev_*.deb)" "$sdk"
cp -r "$sdk/usr/share/regfed/template" "$work/adapter"
cmake -S "$work/adapter" -B "$work/adapter/build" -DCMAKE_PREFIX_PATH="$sdk/usr" >"$work/adapter.log" 2>&1 &&
  cmake --build "$work/adapter/build" -j "$(nproc)" >>"$work/adapter.log" 2>&1 &&
  (cd "$work/adapter/build" && ctest --output-on-failure >>"$work/adapter.log" 2>&1) || {
  tail -30 "$work/adapter.log"
  fail "the template adapter does not build or pass its conformance tests against the installed SDK"
}
step "   conformance: $(grep -o "[0-9]*% tests passed.*" "$work/adapter.log" | head -1 || true)"
step "passed"
