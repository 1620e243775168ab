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

# A person with an Auskunftssperre in Merseburg, for the walk-through (the data is deterministic).
blocked=$("${psql[@]}" -At -c "SELECT min(id) FROM melde.melderegister_15088220 WHERE auskunftssperre")

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

  # refused: no purpose -> 422 missing_purpose (and audited)
  curl -s -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \$REGFED_URL/v1/query \\
       -d '{"register": "melderegister", "case_ref": "X-1"}'; echo

  # ---- Support mandates: Stadt Leuna helps Stadt Merseburg ------------------------------------------------
  HELPER=\$(regfed token --config \$REGFED_CONFIG --user lena.wagner --ags 15088205 --roles helper --name "Lena Wagner")
  MER_ADMIN=\$(regfed token --config \$REGFED_CONFIG --user mer.admin --ags 15088220 --roles admin)
  LEU_ADMIN=\$(regfed token --config \$REGFED_CONFIG --user leu.admin --ags 15088205 --roles admin)
  MER_CLERK=\$TOKEN
  MER_DPO=\$(regfed token --config \$REGFED_CONFIG --user dora.datenschutz --ags 15088220 --roles dpo)
  ASK=(-H 'Regfed-Purpose: Bearbeitung%20Online-Antrag' -H 'Regfed-Case-Ref: ANT-2026-000050')

  # 1. without a mandate the helper is refused (403 no_mandate)
  curl -s -H "Authorization: Bearer \$HELPER" "\${ASK[@]}" \$REGFED_URL/v1/registers/15088220/melderegister/records/MER-000123; echo

  # 2. Merseburg's admin creates a mandate for lena.wagner, today and the next two days
  M=\$(curl -s -H "Authorization: Bearer \$MER_ADMIN" \$REGFED_URL/v1/mandates -d '{"owner_ags": "15088220",
    "helper_ags": "15088205", "helpers": ["lena.wagner"], "registers": ["melderegister"], "procedures": ["online-antraege"],
    "operations": ["get", "search"], "fields": ["familienname", "vornamen", "geburtsdatum", "anschrift", "ort"],
    "purpose": "Vertretung Meldebehörde während Personalengpass", "agreement": "ZV-2026-01",
    "valid_from": "'\$(TZ=Europe/Berlin date +%F)'", "valid_until": "'\$(TZ=Europe/Berlin date -d +2days +%F)'"}' \
    | sed -n 's/.*"id":"\(M-[0-9-]*\)".*/\1/p'); echo "mandate \$M"

  # 3. both municipalities approve (four eyes); the second approval puts it in force
  curl -s -X POST -H "Authorization: Bearer \$MER_ADMIN" \$REGFED_URL/v1/mandates/\$M/approve | head -c 160; echo
  curl -s -X POST -H "Authorization: Bearer \$LEU_ADMIN" \$REGFED_URL/v1/mandates/\$M/approve | head -c 160; echo
  curl -s -H "Authorization: Bearer \$LEU_ADMIN" "\$REGFED_URL/v1/quota?year=\$(date +%Y)" | grep -o '{"ags":"15088205"[^}]*}'

  # 4. the helper now sees exactly the mandate's fields (no religion, no Steuer-ID) ...
  curl -s -H "Authorization: Bearer \$HELPER" -H "Regfed-Mandate: \$M" "\${ASK[@]}" \$REGFED_URL/v1/registers/15088220/melderegister/records/MER-000123; echo
  #    ... a person search needs §38 BMG criteria (surname + first name + address, or place + one more detail) ...
  curl -s -H "Authorization: Bearer \$HELPER" \$REGFED_URL/v1/query -d '{"register": "melderegister",
    "municipalities": ["15088220"], "filter": {"familienname": "Müller"}, "mandate": "'\$M'",
    "purpose": "Bearbeitung Online-Antrag", "case_ref": "ANT-2026-000050"}'; echo
  #    ... and a blocked person (Auskunftssperre) looks exactly like no person at all
  curl -s -H "Authorization: Bearer \$HELPER" -H "Regfed-Mandate: \$M" "\${ASK[@]}" \$REGFED_URL/v1/registers/15088220/melderegister/records/$blocked; echo
  curl -s -H "Authorization: Bearer \$HELPER" -H "Regfed-Mandate: \$M" "\${ASK[@]}" \$REGFED_URL/v1/registers/15088220/melderegister/records/MER-999999; echo
  #    Merseburg's clerks get the case for manual processing, its DPO an alert
  curl -s -H "Authorization: Bearer \$MER_CLERK" "\$REGFED_URL/v1/reviews?status=open" | head -c 400; echo
  curl -s -H "Authorization: Bearer \$MER_DPO" \$REGFED_URL/v1/audit/alerts | head -c 400; echo

  # 5. Leuna's admin revokes: the very next request is refused (403 mandate_revoked)
  curl -s -X POST -H "Authorization: Bearer \$LEU_ADMIN" \$REGFED_URL/v1/mandates/\$M/revoke | head -c 120; echo
  curl -s -H "Authorization: Bearer \$HELPER" -H "Regfed-Mandate: \$M" "\${ASK[@]}" \$REGFED_URL/v1/registers/15088220/melderegister/records/MER-000123; echo

  # the audit trail: recompute the Merkle tree and check every signed tree head
  regfed audit verify --config \$REGFED_CONFIG

  # metrics (Prometheus)
  curl -s \$REGFED_URL/metrics | grep -E '^regfed_(http_requests_total|audit_up|audit_signed)'

Ctrl-C stops the node and the database.
TXT

wait "$node_pid"
