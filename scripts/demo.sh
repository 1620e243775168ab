#!/usr/bin/env bash
# `make demo`: a private PostgreSQL under var/demo, the synthetic registers, one node hosting the eight
# municipalities, and what to try. Runs until Ctrl-C or SIGTERM, then stops node and database cleanly.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo="$root/var/demo"
regfed="$root/build/bin/regfed"
mkdir -p "$demo/keys" "$demo/data"
rm -f "$demo/ready" "$demo/demo.env"

node_pid=""
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "regfed demo: stopping"
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  "$root/scripts/pg.sh" stop "$demo/pg"
  echo "regfed demo: stopped (data kept in var/demo; delete that folder to start afresh)"
}
trap cleanup INT TERM EXIT

echo "regfed demo: starting PostgreSQL"
"$root/scripts/pg.sh" start "$demo/pg"
. "$demo/pg/env"
"$root/scripts/db-init.sh" "$demo/pg" regfed
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres -d regfed)

echo "regfed demo: generating the synthetic registers (8 x 10,000 persons, 3 Gewerberegister)"
"${psql[@]}" -f "$root/schemas/demo/melderegister.sql" >/dev/null 2>&1
for g in "15088220|MER|Merseburg|06217" "15088205|LEU|Leuna|06237" "15084550|WSF|Weißenfels|06667"; do
  IFS='|' read -r ags prefix ort plz <<<"$g"
  "${psql[@]}" -At -v ags="$ags" -v prefix="$prefix" -v ort="$ort" -v plz="$plz" \
    -f "$root/schemas/demo/gewerberegister.sql" >"$demo/data/gewerberegister-$ags.jsonl"
done

for ags in 15084130 15088205 15088150 15088220 15084355 15088330 15084550 15084590; do
  if [ ! -f "$demo/keys/idp-$ags.pem" ]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$demo/keys/idp-$ags.pem" 2>/dev/null
    openssl ec -in "$demo/keys/idp-$ags.pem" -pubout -out "$demo/keys/idp-$ags.pub.pem" 2>/dev/null
    chmod 600 "$demo/keys/idp-$ags.pem"
  fi
done

listen="127.0.0.1:8480"
if (exec 3<>/dev/tcp/127.0.0.1/8480) 2>/dev/null; then listen="127.0.0.1:0"; fi
"$root/scripts/demo-config.sh" "$demo/regfed.json" "$PGPORT" "$listen" "$root/build/plugins-out"
"$regfed" config check "$demo/regfed.json" >/dev/null

echo "regfed demo: starting the node"
"$regfed" serve --config "$demo/regfed.json" --ready-file "$demo/ready" 2>>"$demo/node.log" &
node_pid=$!
for _ in $(seq 1 600); do
  [ -f "$demo/ready" ] && break
  kill -0 "$node_pid" 2>/dev/null || { echo "regfed demo: the node did not start:" >&2; tail -20 "$demo/node.log" >&2; exit 1; }
  sleep 0.1
done
url=$(cat "$demo/ready")
cat >"$demo/demo.env" <<ENV
REGFED_URL=$url
REGFED_CONFIG=$demo/regfed.json
REGFED=$regfed
PATH=$root/build/bin:\$PATH
ENV

cat <<TXT

regfed demo: ready at $url  (node log: var/demo/node.log)
One node hosts Elsteraue, Leuna, Kabelsketal, Merseburg, Naumburg (Saale), Schkopau, Weißenfels and Zeitz;
each has a synthetic Melderegister (10,000 fictitious persons); Merseburg, Leuna and Weißenfels a Gewerberegister.

Try, in another terminal (bash):

  source var/demo/demo.env
  curl -s \$REGFED_URL/v1/health; echo

  # a clerk of Stadt Merseburg
  TOKEN=\$(regfed token --config \$REGFED_CONFIG --user anna.schulz --ags 15088220 --roles clerk --name "Anna Schulz")
  curl -s -H "Authorization: Bearer \$TOKEN" \$REGFED_URL/v1/registers | head -c 600; echo

  # search: surname, first-name prefix, birth years; purpose and case reference are required
  curl -s -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \$REGFED_URL/v1/query -d '{
    "register": "melderegister", "municipalities": ["15088220"],
    "filter": {"familienname": "Müller", "vornamen": {"prefix": "Ann"}, "geburtsdatum": {"from": "1950-01-01", "to": "1999-12-31"}},
    "fields": ["familienname", "vornamen", "geburtsdatum", "anschrift"], "limit": 5,
    "purpose": "Bearbeitung Online-Antrag Wohnsitzanmeldung", "case_ref": "ANT-2026-000042"}'; echo

  # phonetic name search (Kölner Phonetik): "Maier" also finds Meier, Mayer, Mayr
  curl -s -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \$REGFED_URL/v1/query -d '{
    "register": "melderegister", "filter": {"familienname": {"phonetic": "Maier"}, "vornamen": {"prefix": "Pe"}},
    "fields": ["familienname", "vornamen"], "limit": 5, "purpose": "Namensabgleich Antrag", "case_ref": "ANT-2026-000043"}'; echo

  # one record by id
  curl -s -H "Authorization: Bearer \$TOKEN" -H 'Regfed-Purpose: Bearbeitung%20Online-Antrag' \\
       -H 'Regfed-Case-Ref: ANT-2026-000042' "\$REGFED_URL/v1/registers/15088220/melderegister/records/MER-000123?fields=familienname,vornamen,anschrift"; echo

  # refused: a Leuna employee asking for Merseburg data (no support mandate) -> status "denied", reason no_mandate
  HELPER=\$(regfed token --config \$REGFED_CONFIG --user lena.wagner --ags 15088205 --roles helper)
  curl -s -H "Authorization: Bearer \$HELPER" -H 'Content-Type: application/json' \$REGFED_URL/v1/query -d '{
    "register": "melderegister", "municipalities": ["15088220"], "filter": {"familienname": "Müller"},
    "purpose": "Vertretung Meldebehörde", "case_ref": "ANT-2026-000050"}'; echo

  # refused: no purpose -> 422 missing_purpose (and audited)
  curl -s -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \$REGFED_URL/v1/query \\
       -d '{"register": "melderegister", "case_ref": "X-1"}'; echo

  # the audit trail: recompute the Merkle tree and check every signed tree head
  regfed audit verify --config \$REGFED_CONFIG

  # metrics (Prometheus)
  curl -s \$REGFED_URL/metrics | grep -E '^regfed_(http_requests_total|audit_up|audit_signed)'

Ctrl-C stops the node and the database.
TXT

wait "$node_pid"
