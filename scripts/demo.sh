#!/usr/bin/env bash
# `make demo`: a private PostgreSQL under var/demo, the synthetic registers, one node hosting the eight
# municipalities, and what to try. Each start begins with a fresh database (mandates, quota and audit log of an
# earlier run are gone; the keys stay). Runs until Ctrl-C or SIGTERM, then stops node and database cleanly.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo="$root/var/demo"
regfed="$root/build/bin/regfed"
mkdir -p "$demo/keys" "$demo/data"
rm -f "$demo/ready" "$demo/demo.env"

node_pid=""
stopped=""
cleanup() {
  [ -z "$stopped" ] || return 0
  stopped=1
  echo
  echo "regfed demo: stopping"
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  "$root/scripts/pg.sh" stop "$demo/pg"
  echo "regfed demo: stopped (the next make demo starts with a fresh database)"
}
# Ctrl-C and SIGTERM are the normal way to end the demo: stop cleanly and report success.
on_signal() {
  trap - INT TERM
  cleanup
  exit 0
}
trap on_signal INT TERM
trap cleanup EXIT

echo "regfed demo: starting PostgreSQL"
"$root/scripts/pg.sh" start "$demo/pg"
. "$demo/pg/env"
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres)
# A fresh start: an earlier run's mandates used up support days, and its audit log belongs to that run.
"${psql[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS regfed WITH (FORCE)" >/dev/null
rm -f "$demo/keys/audit-signing.pem.heads"
"$root/scripts/db-init.sh" "$demo/pg" regfed
psql+=(-d regfed)

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

# Persons of Merseburg for the walk-through (the data is deterministic): one to find with §38 criteria, and one
# with an Auskunftssperre.
criteria() {
  "${psql[@]}" -At -c "SELECT json_build_object('familienname', familienname, 'vornamen', vornamen, 'ort', ort,
    'geburtsdatum', geburtsdatum::text) FROM melde.melderegister_15088220 WHERE $1 ORDER BY id LIMIT 1"
}
found=$(criteria "id = 'MER-000123'")
blocked_id=$("${psql[@]}" -At -c "SELECT min(id) FROM melde.melderegister_15088220 WHERE auskunftssperre")
blocked=$(criteria "id = '$blocked_id'")
surname=$("${psql[@]}" -At -c "SELECT familienname FROM melde.melderegister_15088220 WHERE id = 'MER-000123'")

listen="127.0.0.1:8480"
if (exec 3<>/dev/tcp/127.0.0.1/8480) 2>/dev/null; then listen="127.0.0.1:0"; fi
"$root/scripts/demo-config.sh" "$demo/regfed.json" "$PGPORT" "$listen" "$root/build/plugins-out"
"$regfed" config check "$demo/regfed.json" >/dev/null

echo "regfed demo: starting the node"
"$regfed" serve --config "$demo/regfed.json" --ready-file "$demo/ready" 2>>"$demo/node.log" &
node_pid=$!
for _ in $(seq 1 600); do
  [ -f "$demo/ready" ] && break
  kill -0 "$node_pid" 2>/dev/null || {
    echo "regfed demo: the node did not start:" >&2
    tail -20 "$demo/node.log" >&2
    exit 1
  }
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

regfed demo: ready at $url  (node log: $demo/node.log)
One node hosts Elsteraue, Leuna, Kabelsketal, Merseburg, Naumburg (Saale), Schkopau, Weißenfels and Zeitz;
each has a synthetic Melderegister (10,000 fictitious persons); Merseburg, Leuna and Weißenfels a Gewerberegister.

Try, in another terminal (bash), from any folder:

  source $demo/demo.env
  curl -s \$REGFED_URL/v1/health; echo

  # a clerk of Stadt Merseburg
  TOKEN=\$(regfed token --config \$REGFED_CONFIG --user anna.schulz --ags 15088220 --roles clerk --name "Anna Schulz")
  curl -s -H "Authorization: Bearer \$TOKEN" \$REGFED_URL/v1/registers | head -c 600; echo

  # search: surname, first-name prefix, birth years; purpose and case reference are required
  curl -s -H "Authorization: Bearer \$TOKEN" \$REGFED_URL/v1/query -d '{
    "register": "melderegister", "municipalities": ["15088220"],
    "filter": {"familienname": "Müller", "vornamen": {"prefix": "Ann"}, "geburtsdatum": {"from": "1950-01-01", "to": "1999-12-31"}},
    "fields": ["familienname", "vornamen", "geburtsdatum", "anschrift"], "limit": 5,
    "purpose": "Bearbeitung Online-Antrag Wohnsitzanmeldung", "case_ref": "ANT-2026-000042"}'; echo

  # phonetic name search (Kölner Phonetik): "Maier" also finds Meier, Mayer, Mayr
  curl -s -H "Authorization: Bearer \$TOKEN" \$REGFED_URL/v1/query -d '{
    "register": "melderegister", "filter": {"familienname": {"phonetic": "Maier"}, "vornamen": {"prefix": "Pe"}},
    "fields": ["familienname", "vornamen"], "limit": 5, "purpose": "Namensabgleich Antrag", "case_ref": "ANT-2026-000043"}'; echo

  # one record by id (the owner's clerks may open any id)
  curl -s -H "Authorization: Bearer \$TOKEN" -H 'Regfed-Purpose: Bearbeitung%20Online-Antrag' \\
       -H 'Regfed-Case-Ref: ANT-2026-000042' "\$REGFED_URL/v1/registers/15088220/melderegister/records/MER-000123?fields=familienname,vornamen,anschrift"; echo

  # refused: no purpose -> 422 missing_purpose (and audited)
  curl -s -H "Authorization: Bearer \$TOKEN" \$REGFED_URL/v1/query -d '{"register": "melderegister", "case_ref": "X-1"}'; echo

  # ---- Support mandates: Stadt Leuna helps Stadt Merseburg ------------------------------------------------
  HELPER=\$(regfed token --config \$REGFED_CONFIG --user lena.wagner --ags 15088205 --roles helper --name "Lena Wagner")
  MER_ADMIN=\$(regfed token --config \$REGFED_CONFIG --user mer.admin --ags 15088220 --roles admin)
  LEU_ADMIN=\$(regfed token --config \$REGFED_CONFIG --user leu.admin --ags 15088205 --roles admin)
  MER_CLERK=\$TOKEN
  MER_DPO=\$(regfed token --config \$REGFED_CONFIG --user dora.datenschutz --ags 15088220 --roles dpo)
  ASK=(-H 'Regfed-Purpose: Bearbeitung%20Online-Antrag' -H 'Regfed-Case-Ref: ANT-2026-000050')

  # 1. without a mandate the helper is refused (403 no_mandate, saying how to name one)
  curl -s -H "Authorization: Bearer \$HELPER" "\${ASK[@]}" \$REGFED_URL/v1/registers/15088220/melderegister/records/MER-000123; echo

  # 2. Merseburg's admin creates a mandate for lena.wagner, today and the next two days (3 of Leuna's 10 support days)
  M=\$(curl -s -H "Authorization: Bearer \$MER_ADMIN" \$REGFED_URL/v1/mandates -d '{"owner_ags": "15088220",
    "helper_ags": "15088205", "helpers": ["lena.wagner"], "registers": ["melderegister"], "procedures": ["online-antraege"],
    "operations": ["get", "search"], "fields": ["familienname", "vornamen", "geburtsdatum", "anschrift", "ort"],
    "purpose": "Vertretung Meldebehörde während Personalengpass", "agreement": "ZV-2026-01",
    "valid_from": "'\$(TZ=Europe/Berlin date +%F)'", "valid_until": "'\$(TZ=Europe/Berlin date -d +2days +%F)'"}' \\
    | sed -n 's/.*"id":"\\(M-[0-9-]*\\)".*/\\1/p'); echo "mandate \$M"

  # 3. both municipalities approve (four eyes); the second approval puts it in force
  curl -s -X POST -H "Authorization: Bearer \$MER_ADMIN" \$REGFED_URL/v1/mandates/\$M/approve | head -c 160; echo
  curl -s -X POST -H "Authorization: Bearer \$LEU_ADMIN" \$REGFED_URL/v1/mandates/\$M/approve | head -c 160; echo
  curl -s -H "Authorization: Bearer \$LEU_ADMIN" "\$REGFED_URL/v1/quota?year=\$(date +%Y)" | grep -o '{"ags":"15088205"[^}]*}'

  # 4. the helper searches first: too few criteria are refused, naming the §38 BMG criteria sets she can use ...
  curl -s -H "Authorization: Bearer \$HELPER" \$REGFED_URL/v1/query -d '{"register": "melderegister",
    "filter": {"familienname": "$surname"}, "mandate": "'\$M'", "purpose": "Bearbeitung Online-Antrag", "case_ref": "ANT-2026-000050"}'; echo
  #    ... with surname, first name, place and date of birth she finds the person, with exactly the mandate's fields
  #    (no religion, no Steuer-ID); the municipality defaults to the mandate's owner ...
  curl -s -H "Authorization: Bearer \$HELPER" \$REGFED_URL/v1/query -d '{"register": "melderegister",
    "filter": $found, "mandate": "'\$M'", "purpose": "Bearbeitung Online-Antrag", "case_ref": "ANT-2026-000050"}'; echo
  #    ... and then opens the hit by id; an id no search of hers disclosed is "not found", whether it exists or not
  curl -s -H "Authorization: Bearer \$HELPER" -H "Regfed-Mandate: \$M" "\${ASK[@]}" \$REGFED_URL/v1/registers/15088220/melderegister/records/MER-000123; echo
  curl -s -H "Authorization: Bearer \$HELPER" -H "Regfed-Mandate: \$M" "\${ASK[@]}" \$REGFED_URL/v1/registers/15088220/melderegister/records/MER-000124; echo
  #    a person with an Auskunftssperre looks exactly like no person at all ...
  curl -s -H "Authorization: Bearer \$HELPER" \$REGFED_URL/v1/query -d '{"register": "melderegister",
    "filter": $blocked, "mandate": "'\$M'", "purpose": "Bearbeitung Online-Antrag", "case_ref": "ANT-2026-000051"}'; echo
  #    ... while Merseburg's clerks get the case for manual processing, and its DPO an alert
  sleep 1; curl -s -H "Authorization: Bearer \$MER_CLERK" "\$REGFED_URL/v1/reviews?status=open" | head -c 400; echo
  curl -s -H "Authorization: Bearer \$MER_DPO" \$REGFED_URL/v1/audit/alerts | head -c 400; echo

  # 5. Leuna's admin revokes: the very next request is refused (403 mandate_revoked)
  curl -s -X POST -H "Authorization: Bearer \$LEU_ADMIN" \$REGFED_URL/v1/mandates/\$M/revoke | head -c 120; echo
  curl -s -H "Authorization: Bearer \$HELPER" -H "Regfed-Mandate: \$M" "\${ASK[@]}" \$REGFED_URL/v1/registers/15088220/melderegister/records/MER-000123; echo

  # ---- Emergency mandate: the response group may help Merseburg in a security incident -------------------
  RESPONDER=\$(regfed token --config \$REGFED_CONFIG --user rita.responder --ags 15088205 --roles responder)
  # agreed in advance: created and approved like any mandate, naming the responder; it uses no support days
  E=\$(curl -s -H "Authorization: Bearer \$MER_ADMIN" \$REGFED_URL/v1/mandates -d '{"kind": "emergency", "owner_ags": "15088220",
    "helper_ags": "15088205", "helpers": ["rita.responder"], "registers": ["melderegister"], "operations": ["get", "search"],
    "fields": ["familienname", "vornamen", "geburtsdatum", "anschrift", "ort"], "purpose": "Notfallzugriff Eingreifgruppe",
    "agreement": "ZV-2026-01", "valid_from": "'\$(TZ=Europe/Berlin date +%F)'", "valid_until": "'\$(TZ=Europe/Berlin date -d +30days +%F)'"}' \\
    | sed -n 's/.*"id":"\\(M-[0-9-]*\\)".*/\\1/p'); echo "emergency mandate \$E"
  curl -s -X POST -H "Authorization: Bearer \$MER_ADMIN" \$REGFED_URL/v1/mandates/\$E/approve >/dev/null
  curl -s -X POST -H "Authorization: Bearer \$LEU_ADMIN" \$REGFED_URL/v1/mandates/\$E/approve | head -c 120; echo
  # it grants nothing until the responder activates it (403 emergency_not_active) ...
  curl -s -H "Authorization: Bearer \$RESPONDER" \$REGFED_URL/v1/query -d '{"register": "melderegister",
    "filter": $found, "mandate": "'\$E'", "purpose": "Sicherheitsvorfall", "case_ref": "IKZ-2026-7"}'; echo
  # ... with a reason: one window (4 h) a day, reported to Merseburg's DPO
  curl -s -X POST -H "Authorization: Bearer \$RESPONDER" \$REGFED_URL/v1/mandates/\$E/activate -d '{"reason": "Sicherheitsvorfall IKZ-2026-7"}'; echo
  curl -s -H "Authorization: Bearer \$RESPONDER" \$REGFED_URL/v1/query -d '{"register": "melderegister",
    "filter": $found, "mandate": "'\$E'", "purpose": "Sicherheitsvorfall", "case_ref": "IKZ-2026-7"}'; echo
  curl -s -H "Authorization: Bearer \$MER_DPO" \$REGFED_URL/v1/audit/alerts | grep -o '"kind":"emergency_[a-z]*"' | sort | uniq -c

  # the audit trail: recompute the Merkle tree and check every signed tree head
  regfed audit verify --config \$REGFED_CONFIG

  # metrics (Prometheus; served to loopback only unless node.metrics_clients says otherwise)
  curl -s \$REGFED_URL/metrics | grep -E '^regfed_(http_requests_total|audit_up|audit_signed|audit_events_total)' | head -20

Ctrl-C stops the node and the database.
TXT

if ! wait "$node_pid"; then
  echo "regfed demo: the node stopped unexpectedly; see $demo/node.log" >&2
  exit 1
fi
