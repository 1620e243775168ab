#!/usr/bin/env bash
# `make demo`: a private PostgreSQL under var/demo, the synthetic registers, and a federation of three node
# processes — Merseburg, Leuna, and one node hosting the other six municipalities — each with its own database,
# roles, audit log and certificate, answering each other over Thrift with mutual TLS; then what to try. Each start
# begins with fresh databases (mandates and audit logs of an earlier run are gone; keys and certificates stay).
# Runs until Ctrl-C or SIGTERM, then stops the nodes and the database cleanly.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo="$root/var/demo"
regfed="$root/build/bin/regfed"
. "$root/scripts/demo-layout.sh"
mkdir -p "$demo/keys" "$demo/data"
rm -f "$demo"/ready-* "$demo/demo.env" "$demo/ready"

declare -A pids=()
stopped=""
cleanup() {
  [ -z "$stopped" ] || return 0
  stopped=1
  echo
  echo "regfed demo: stopping"
  for node in "${!pids[@]}"; do
    kill -TERM "${pids[$node]}" 2>/dev/null || true
  done
  for node in "${!pids[@]}"; do
    wait "${pids[$node]}" 2>/dev/null || true
  done
  "$root/scripts/pg.sh" stop "$demo/pg"
  echo "regfed demo: stopped (the next make demo starts with fresh databases)"
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
# A fresh start: an earlier run's mandates used up support days, and its audit logs belong to that run.
for db in regfed regfed_demo_data $(for n in "${nodes[@]}"; do echo "regfed_${n//-/_}"; done); do
  "${psql[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
done
rm -f "$demo"/keys/audit-*.pem.heads "$demo/keys/audit-signing.pem.heads"
"$root/scripts/db-init.sh" "$demo/pg" regfed_demo_data

echo "regfed demo: generating the synthetic registers (8 x 10,000 persons, 3 Gewerberegister)"
data=("${psql[@]}" -d regfed_demo_data)
"${data[@]}" -f "$root/schemas/demo/melderegister.sql" >/dev/null 2>&1
for g in "15088220|MER|Merseburg|06217" "15088205|LEU|Leuna|06237" "15084550|WSF|Weißenfels|06667"; do
  IFS='|' read -r ags prefix ort plz <<<"$g"
  "${data[@]}" -At -v ags="$ags" -v prefix="$prefix" -v ort="$ort" -v plz="$plz" \
    -f "$root/schemas/demo/gewerberegister.sql" >"$demo/data/gewerberegister-$ags.jsonl"
done
echo "regfed demo: generating the Online-Anträge (8 x 60, 40 of them open)"
for m in 15084130/ELS 15088205/LEU 15088150/KAB 15088220/MER 15084355/NAU 15088330/SKP 15084550/WSF 15084590/ZTZ; do
  "${data[@]}" -v ags="${m%/*}" -v prefix="${m#*/}" -f "$root/schemas/demo/antraege.sql" >/dev/null
done

# Persons of Merseburg for the walk-through (the data is deterministic): one to find with §38 criteria, and one
# with an Auskunftssperre.
criteria() {
  "${data[@]}" -At -c "SELECT json_build_object('familienname', familienname, 'vornamen', vornamen, 'ort', ort,
    'geburtsdatum', geburtsdatum::text) FROM melde.melderegister_15088220 WHERE $1 ORDER BY id LIMIT 1"
}
found=$(criteria "id = 'MER-000123'")
blocked_id=$("${data[@]}" -At -c "SELECT min(id) FROM melde.melderegister_15088220 WHERE auskunftssperre")
blocked=$(criteria "id = '$blocked_id'")
surname=$("${data[@]}" -At -c "SELECT familienname FROM melde.melderegister_15088220 WHERE id = 'MER-000123'")

# Each node gets its own database (a copy of the generated data, keeping only its municipalities' registers and
# Online-Anträge) and its own roles; no node's roles may connect to another node's database. The procedure role
# reads and updates the Online-Anträge only (no DELETE; no melde, no audit).
for node in "${nodes[@]}"; do
  s=${node//-/_}
  "${psql[@]}" -d postgres >/dev/null <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regfed_owner_$s') THEN CREATE ROLE regfed_owner_$s LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regfed_node_$s') THEN CREATE ROLE regfed_node_$s LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regfed_reader_$s') THEN CREATE ROLE regfed_reader_$s LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regfed_procedures_$s') THEN CREATE ROLE regfed_procedures_$s LOGIN; END IF;
END \$\$;
CREATE DATABASE regfed_$s OWNER regfed_owner_$s TEMPLATE regfed_demo_data;
REVOKE CONNECT, TEMPORARY ON DATABASE regfed_$s FROM PUBLIC;
GRANT CONNECT ON DATABASE regfed_$s TO regfed_owner_$s, regfed_node_$s, regfed_reader_$s, regfed_procedures_$s;
SQL
  keep=" ${hosts[$node]} "
  drop=""
  for ags in 15084130 15088205 15088150 15088220 15084355 15088330 15084550 15084590; do
    [[ $keep == *" $ags "* ]] || drop+="DROP TABLE melde.melderegister_$ags;"
  done
  "${psql[@]}" -d "regfed_$s" -c "$drop" -c "REVOKE ALL ON SCHEMA melde FROM regfed_reader" \
    -c "REVOKE ALL ON ALL TABLES IN SCHEMA melde FROM regfed_reader" \
    -c "GRANT USAGE ON SCHEMA melde TO regfed_reader_$s" \
    -c "GRANT SELECT ON ALL TABLES IN SCHEMA melde TO regfed_reader_$s" \
    -c "DELETE FROM antraege.items WHERE NOT ags = ANY (string_to_array('${hosts[$node]}', ' '))" \
    -c "GRANT USAGE ON SCHEMA antraege TO regfed_procedures_$s" \
    -c "GRANT SELECT ON antraege.items, antraege.attachments, antraege.history TO regfed_procedures_$s" \
    -c "GRANT UPDATE (status, decision, note, decided_by, decided_at, claim_holder, claim_since, claim_expires) ON antraege.items TO regfed_procedures_$s" \
    -c "GRANT INSERT ON antraege.history TO regfed_procedures_$s" \
    >/dev/null
done
"${psql[@]}" -d postgres -c "REVOKE CONNECT ON DATABASE regfed_demo_data FROM PUBLIC" >/dev/null

for ags in 15084130 15088205 15088150 15088220 15084355 15088330 15084550 15084590; do
  if [ ! -f "$demo/keys/idp-$ags.pem" ]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$demo/keys/idp-$ags.pem" 2>/dev/null
    openssl ec -in "$demo/keys/idp-$ags.pem" -pubout -out "$demo/keys/idp-$ags.pub.pem" 2>/dev/null
    chmod 600 "$demo/keys/idp-$ags.pem"
  fi
done
echo "regfed demo: the federation's CA and node certificates (var/demo/pki)"
"$root/scripts/demo-pki.sh" "$demo/pki" "${nodes[@]}"

# Ports: 8480-8482 (HTTP) and 8490-8492 (node to node) when free, else the next free ones.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || [[ " $taken " == *" $p "* ]]; do p=$((p + 1)); done
  taken+=" $p"
  echo "$p"
}
taken=""
http_ports="" fed_ports=""
for i in "${!nodes[@]}"; do
  http_ports+=${http_ports:+,}$(free_port $((8480 + i)))
  fed_ports+=${fed_ports:+,}$(free_port $((8490 + i)))
done
"$root/scripts/demo-config.sh" "$demo" "$PGPORT" "$root/build/plugins-out" "$http_ports" "$fed_ports"
for node in "${nodes[@]}"; do
  "$regfed" config check "$demo/$node.json" >/dev/null
done

echo "regfed demo: starting the nodes ${nodes[*]}"
declare -A urls=()
for node in "${nodes[@]}"; do
  "$regfed" serve --config "$demo/$node.json" --ready-file "$demo/ready-$node" 2>>"$demo/$node.log" &
  pids[$node]=$!
done
for node in "${nodes[@]}"; do
  for _ in $(seq 1 600); do
    [ -f "$demo/ready-$node" ] && break
    kill -0 "${pids[$node]}" 2>/dev/null || {
      echo "regfed demo: node $node did not start:" >&2
      tail -20 "$demo/$node.log" >&2
      exit 1
    }
    sleep 0.1
  done
  urls[$node]=$(head -1 "$demo/ready-$node")
done
# The walk-through starts with every node reaching the others (each probes its peers every few seconds), so the
# first federated query does not meet a peer still starting (up to 30 s per node; a node that stays apart shows
# in its health answer).
for node in "${nodes[@]}"; do
  for _ in $(seq 1 300); do
    case "$(curl -s "${urls[$node]}/v1/health" || true)" in
      "" | *'"peers":{'*unreachable* | *'"peers":{'*incompatible*) sleep 0.1 ;;
      *) break ;;
    esac
  done
done
{
  echo "REGFED_URL=${urls[merseburg]}"
  echo "REGFED_CONFIG=$demo/merseburg.json"
  for node in "${nodes[@]}"; do
    name=$(echo "${node//-/_}" | tr '[:lower:]' '[:upper:]')
    echo "REGFED_URL_$name=${urls[$node]}"
    [ "$node" = merseburg ] || echo "REGFED_CONFIG_$name=$demo/$node.json"
  done
  echo "PGPORT=$PGPORT"
  echo "REGFED=$regfed"
  echo "PATH=$root/build/bin:\$PATH"
} >"$demo/demo.env.tmp"
mv "$demo/demo.env.tmp" "$demo/demo.env"
# Kept for scripts that wait for the demo (the Merseburg node's URL).
echo "${urls[merseburg]}" >"$demo/ready"

if [ "${#nodes[@]}" != 3 ]; then
  echo "regfed demo: ready — ${#nodes[@]} nodes, one per municipality (for the fan-out benchmark):"
  for node in "${nodes[@]}"; do echo "  $node  ${urls[$node]}   (log: $demo/$node.log)"; done
  wait -n "${pids[@]}" || true
  exit 1
fi

# The data protection officer's page needs a token to sign in with: one for Merseburg's DPO, valid for the day.
dpo_token=$("$regfed" token --config "$demo/merseburg.json" --user dora.datenschutz --ags 15088220 --roles dpo --ttl 12h)

# The helpers' page needs a mandate in force: Merseburg lets paul.hoffmann of Leuna process its Online-Anträge
# today (1 of Leuna's 10 support days), approved by both municipalities' admins, each at their own node.
mint() { "$regfed" token --config "$demo/merseburg.json" --user "$1" --ags "$2" --roles "$3" --ttl "${4:-1h}" ${5:+--name "$5"}; }
today=$(TZ=Europe/Berlin date +%F)
helper_mandate=$(curl -sf -H "Authorization: Bearer $(mint mer.admin 15088220 admin)" "${urls[merseburg]}/v1/mandates" \
  -d '{"owner_ags": "15088220", "helper_ags": "15088205", "helpers": ["paul.hoffmann"], "registers": ["melderegister"],
       "procedures": ["online-antraege"], "operations": ["get", "search", "process"],
       "fields": ["familienname", "vornamen", "geburtsdatum", "anschrift", "ort"],
       "purpose": "Bearbeitung der Online-Anträge während Personalengpass", "agreement": "ZV-2026-01",
       "valid_from": "'"$today"'", "valid_until": "'"$today"'"}' | sed -n 's/.*"id":"\(M-[0-9-]*\)".*/\1/p')
curl -sf -X POST -H "Authorization: Bearer $(mint mer.admin 15088220 admin)" \
  "${urls[merseburg]}/v1/mandates/$helper_mandate/approve" >/dev/null
curl -sf -X POST -H "Authorization: Bearer $(mint leu.admin 15088205 admin)" \
  "${urls[leuna]}/v1/mandates/$helper_mandate/approve" >/dev/null || {
  echo "regfed demo: the helpers' demo mandate could not be approved (see $demo/leuna.log)" >&2
  exit 1
}
helper_token=$(mint paul.hoffmann 15088205 helper 12h "Paul Hoffmann")

cat <<TXT

regfed demo: ready — three nodes, each with its own database, roles, audit log and certificate:
  merseburg  ${urls[merseburg]}   Stadt Merseburg                       (log: $demo/merseburg.log)
  leuna      ${urls[leuna]}   Stadt Leuna                           (log: $demo/leuna.log)
  ikz-sued   ${urls[ikz-sued]}   Elsteraue, Kabelsketal, Naumburg (Saale), Schkopau, Weißenfels, Zeitz
Each municipality has a synthetic Melderegister (10,000 fictitious persons); Merseburg, Leuna and Weißenfels a
Gewerberegister. The nodes answer each other over Thrift with mutual TLS (certificates: $demo/pki).

The data protection officer's page (German): open ${urls[merseburg]}/dpo/ in a browser on this machine and sign
in with this token of Merseburg's DPO (dora.datenschutz, valid 12 hours):

  $dpo_token

The helpers' page (German): open ${urls[leuna]}/helfer/ — Leuna's node, Paul Hoffmann's home node — and sign
in with this token of Paul Hoffmann, helper of Stadt Leuna (valid 12 hours). Under mandate $helper_mandate he
processes Merseburg's Online-Anträge today: pick the mandate, open an application, "Übernehmen", open the
applicant's Melderegister entry, record a decision ("Genehmigt", or "Rückfrage" with a note).

  $helper_token

Try, in another terminal (bash), from any folder:

  source $demo/demo.env
  curl -s \$REGFED_URL/v1/health; echo

  # a clerk of Stadt Merseburg, at Merseburg's node
  TOKEN=\$(regfed token --config \$REGFED_CONFIG --user anna.schulz --ags 15088220 --roles clerk --name "Anna Schulz")
  # the whole federation's registers, with the node holding each, and the nodes' state
  curl -s -H "Authorization: Bearer \$TOKEN" \$REGFED_URL/v1/registers | grep -o '"nodes":.*'; echo

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

  # all eight municipalities at once: the node asks the other two nodes in parallel; each municipality answers
  # for itself (without a mandate, the others refuse: denied, no_mandate), naming the node that answered
  curl -s -H "Authorization: Bearer \$TOKEN" \$REGFED_URL/v1/query -d '{"register": "melderegister", "municipalities": ["*"],
    "filter": $found, "fields": ["familienname"], "purpose": "Abgleich", "case_ref": "ANT-2026-000044"}' \
    | grep -o '"ags":"[0-9]*","municipality":"[^"]*",\("node":"[a-z-]*",\)\?"register":"melderegister","status":"[a-z]*"'

  # one record by id (the owner's clerks may open any id)
  curl -s -H "Authorization: Bearer \$TOKEN" -H 'Regfed-Purpose: Bearbeitung%20Online-Antrag' \\
       -H 'Regfed-Case-Ref: ANT-2026-000042' "\$REGFED_URL/v1/registers/15088220/melderegister/records/MER-000123?fields=familienname,vornamen,anschrift"; echo

  # refused: no purpose -> 422 missing_purpose (and audited)
  curl -s -H "Authorization: Bearer \$TOKEN" \$REGFED_URL/v1/query -d '{"register": "melderegister", "case_ref": "X-1"}'; echo

  # ---- Support mandates: a helper of Stadt Leuna, at Leuna's node, works on Merseburg's register ------------
  HELPER=\$(regfed token --config \$REGFED_CONFIG --user lena.wagner --ags 15088205 --roles helper --name "Lena Wagner")
  MER_ADMIN=\$(regfed token --config \$REGFED_CONFIG --user mer.admin --ags 15088220 --roles admin)
  LEU_ADMIN=\$(regfed token --config \$REGFED_CONFIG --user leu.admin --ags 15088205 --roles admin)
  MER_CLERK=\$TOKEN
  MER_DPO=\$(regfed token --config \$REGFED_CONFIG --user dora.datenschutz --ags 15088220 --roles dpo)
  ASK=(-H 'Regfed-Purpose: Bearbeitung%20Online-Antrag' -H 'Regfed-Case-Ref: ANT-2026-000050')

  # 1. without a mandate the helper is refused by Merseburg's node (403 no_mandate, saying how to name one)
  curl -s -H "Authorization: Bearer \$HELPER" "\${ASK[@]}" \$REGFED_URL_LEUNA/v1/registers/15088220/melderegister/records/MER-000123; echo
  #    and Merseburg's node serves people of its own municipality only: Lena asks through Leuna's node (403 not_home_node)
  curl -s -H "Authorization: Bearer \$HELPER" "\${ASK[@]}" \$REGFED_URL/v1/registers/15088220/melderegister/records/MER-000123; echo

  # 2. Merseburg's admin creates a mandate for lena.wagner, today and the next two days (3 of Leuna's 10 support
  #    days); the mandate lives at Merseburg's node
  M=\$(curl -s -H "Authorization: Bearer \$MER_ADMIN" \$REGFED_URL/v1/mandates -d '{"owner_ags": "15088220",
    "helper_ags": "15088205", "helpers": ["lena.wagner"], "registers": ["melderegister"], "procedures": ["online-antraege"],
    "operations": ["get", "search"], "fields": ["familienname", "vornamen", "geburtsdatum", "anschrift", "ort"],
    "purpose": "Vertretung Meldebehörde während Personalengpass", "agreement": "ZV-2026-01",
    "valid_from": "'\$(TZ=Europe/Berlin date +%F)'", "valid_until": "'\$(TZ=Europe/Berlin date -d +2days +%F)'"}' \\
    | sed -n 's/.*"id":"\\(M-[0-9-]*\\)".*/\\1/p'); echo "mandate \$M"

  # 3. both municipalities approve (four eyes), each at its own node. Leuna's admin approves at Leuna's node: it
  #    counts Leuna's support days (its quota lives there), reserves them and passes Leuna's decision on to
  #    Merseburg's node (the admin's token stays at Leuna); Merseburg's node refuses a Leuna admin asking it directly.
  curl -s -X POST -H "Authorization: Bearer \$MER_ADMIN" \$REGFED_URL/v1/mandates/\$M/approve | head -c 160; echo
  curl -s -X POST -H "Authorization: Bearer \$LEU_ADMIN" \$REGFED_URL/v1/mandates/\$M/approve | head -c 160; echo
  curl -s -X POST -H "Authorization: Bearer \$LEU_ADMIN" \$REGFED_URL_LEUNA/v1/mandates/\$M/approve | head -c 220; echo
  curl -s -H "Authorization: Bearer \$LEU_ADMIN" \$REGFED_URL_LEUNA/v1/quota | grep -o '{"ags":"15088205"[^}]*}'

  # 4. the helper searches first, at Leuna's node, naming the municipality: too few criteria are refused by
  #    Merseburg's node, naming the §38 BMG criteria sets she can use ...
  curl -s -H "Authorization: Bearer \$HELPER" \$REGFED_URL_LEUNA/v1/query -d '{"register": "melderegister", "municipalities": ["15088220"],
    "filter": {"familienname": "$surname"}, "mandate": "'\$M'", "purpose": "Bearbeitung Online-Antrag", "case_ref": "ANT-2026-000050"}'; echo
  #    ... with surname, first name, place and date of birth she finds the person, with exactly the mandate's fields
  #    (no religion, no Steuer-ID) ...
  R=\$(curl -s -H "Authorization: Bearer \$HELPER" \$REGFED_URL_LEUNA/v1/query -d '{"register": "melderegister", "municipalities": ["15088220"],
    "filter": $found, "mandate": "'\$M'", "purpose": "Bearbeitung Online-Antrag", "case_ref": "ANT-2026-000050"}'); echo "\$R"
  #    ... and both nodes logged it under the same request id: Leuna's what was asked and came back, Merseburg's
  #    what it disclosed (peer = the other node)
  ID=\$(echo "\$R" | sed -n 's/.*"request_id":"\\([^"]*\\)".*/\\1/p')
  for db in regfed_leuna regfed_merseburg; do psql -X -h 127.0.0.1 -p \$PGPORT -U postgres -d \$db -c \\
    "SELECT node, action, actor, owner_ags, decision, reason, peer, subjects FROM regfed_audit.events WHERE request_id = '\$ID'"; done
  #    she then opens the hit by id; an id no search of hers disclosed is "not found", whether it exists or not
  curl -s -H "Authorization: Bearer \$HELPER" -H "Regfed-Mandate: \$M" "\${ASK[@]}" \$REGFED_URL_LEUNA/v1/registers/15088220/melderegister/records/MER-000123; echo
  curl -s -H "Authorization: Bearer \$HELPER" -H "Regfed-Mandate: \$M" "\${ASK[@]}" \$REGFED_URL_LEUNA/v1/registers/15088220/melderegister/records/MER-000124; echo
  #    a person with an Auskunftssperre looks exactly like no person at all ...
  curl -s -H "Authorization: Bearer \$HELPER" \$REGFED_URL_LEUNA/v1/query -d '{"register": "melderegister", "municipalities": ["15088220"],
    "filter": $blocked, "mandate": "'\$M'", "purpose": "Bearbeitung Online-Antrag", "case_ref": "ANT-2026-000051"}'; echo
  #    ... while Merseburg's clerks get the case for manual processing, and its DPO an alert
  sleep 1; curl -s -H "Authorization: Bearer \$MER_CLERK" "\$REGFED_URL/v1/reviews?status=open" | head -c 400; echo
  curl -s -H "Authorization: Bearer \$MER_DPO" \$REGFED_URL/v1/audit/alerts | head -c 400; echo

  # 5. Leuna's admin revokes at Leuna's node: from then on Leuna's node forwards nothing under it (403
  #    mandate_revoked, even if Merseburg's node were down); Merseburg's node gets the revocation too
  curl -s -X POST -H "Authorization: Bearer \$LEU_ADMIN" \$REGFED_URL_LEUNA/v1/mandates/\$M/revoke | head -c 120; echo
  curl -s -H "Authorization: Bearer \$HELPER" -H "Regfed-Mandate: \$M" "\${ASK[@]}" \$REGFED_URL_LEUNA/v1/registers/15088220/melderegister/records/MER-000123; echo

  # ---- Emergency mandate: the response group may help Merseburg in a security incident -------------------
  RESPONDER=\$(regfed token --config \$REGFED_CONFIG --user rita.responder --ags 15088205 --roles responder)
  # agreed in advance: created and approved like any mandate, naming the responder; it uses no support days
  E=\$(curl -s -H "Authorization: Bearer \$MER_ADMIN" \$REGFED_URL/v1/mandates -d '{"kind": "emergency", "owner_ags": "15088220",
    "helper_ags": "15088205", "helpers": ["rita.responder"], "registers": ["melderegister"], "operations": ["get", "search"],
    "fields": ["familienname", "vornamen", "geburtsdatum", "anschrift", "ort"], "purpose": "Notfallzugriff Eingreifgruppe",
    "agreement": "ZV-2026-01", "valid_from": "'\$(TZ=Europe/Berlin date +%F)'", "valid_until": "'\$(TZ=Europe/Berlin date -d +30days +%F)'"}' \\
    | sed -n 's/.*"id":"\\(M-[0-9-]*\\)".*/\\1/p'); echo "emergency mandate \$E"
  curl -s -X POST -H "Authorization: Bearer \$MER_ADMIN" \$REGFED_URL/v1/mandates/\$E/approve >/dev/null
  curl -s -X POST -H "Authorization: Bearer \$LEU_ADMIN" \$REGFED_URL_LEUNA/v1/mandates/\$E/approve | head -c 120; echo
  # it grants nothing until the responder activates it (denied, emergency_not_active) ...
  curl -s -H "Authorization: Bearer \$RESPONDER" \$REGFED_URL_LEUNA/v1/query -d '{"register": "melderegister", "municipalities": ["15088220"],
    "filter": $found, "mandate": "'\$E'", "purpose": "Sicherheitsvorfall", "case_ref": "IKZ-2026-7"}'; echo
  # ... with a reason, at her own node, which forwards to the node holding the mandate: one window (4 h) a day,
  # reported to Merseburg's DPO
  curl -s -X POST -H "Authorization: Bearer \$RESPONDER" \$REGFED_URL_LEUNA/v1/mandates/\$E/activate -d '{"reason": "Sicherheitsvorfall IKZ-2026-7"}'; echo
  curl -s -H "Authorization: Bearer \$RESPONDER" \$REGFED_URL_LEUNA/v1/query -d '{"register": "melderegister", "municipalities": ["15088220"],
    "filter": $found, "mandate": "'\$E'", "purpose": "Sicherheitsvorfall", "case_ref": "IKZ-2026-7"}'; echo
  curl -s -H "Authorization: Bearer \$MER_DPO" \$REGFED_URL/v1/audit/alerts | grep -o '"kind":"emergency_[a-z]*"' | sort | uniq -c

  # the audit trails: each node recomputes its Merkle tree, checks every signed tree head, and compares its log with
  # what its neighbours cosigned (every 5 s each node shows its newest head to the others, who cosign it only as an
  # append-only extension of what they cosigned before: C2SP checkpoints with cosignature/v1). A node signs a head
  # every 10 s here, so give the newest events a moment to be signed and cosigned:
  sleep 15
  regfed audit verify --config \$REGFED_CONFIG
  regfed audit verify --config \$REGFED_CONFIG_LEUNA
  psql -X -h 127.0.0.1 -p \$PGPORT -U postgres -d regfed_merseburg -c \
    "SELECT witness, max(size) AS cosigned_events, to_timestamp(max(timestamp)) AS at FROM regfed_audit.cosignatures GROUP BY 1"

  # the DPO's side over the API (the page above uses the same calls): everything Leuna's helper did on Merseburg's
  # data, the report for one person (GDPR Art. 15: who, when, why, which case, which mandate, what was disclosed
  # or withheld), an export German Excel opens, and the open alerts with what the detectors found
  curl -s -H "Authorization: Bearer \$MER_DPO" "\$REGFED_URL/v1/audit/events?actor=lena.wagner&limit=3" | head -c 700; echo
  curl -s -H "Authorization: Bearer \$MER_DPO" \$REGFED_URL/v1/audit/subjects/15088220/melderegister/MER-000123 | head -c 700; echo
  curl -s -H "Authorization: Bearer \$MER_DPO" "\$REGFED_URL/v1/audit/export?format=csv&actor_ags=15088205" -o /tmp/regfed-protokoll.csv; head -3 /tmp/regfed-protokoll.csv
  curl -s -H "Authorization: Bearer \$MER_DPO" "\$REGFED_URL/v1/audit/alerts?status=open" | grep -o '"kind":"[a-z_]*"' | sort | uniq -c
  curl -s -H "Authorization: Bearer \$MER_DPO" \$REGFED_URL/v1/audit/verify | head -c 500; echo

  # metrics (Prometheus; served to loopback only unless node.metrics_clients says otherwise): the peers' state
  curl -s \$REGFED_URL_LEUNA/metrics | grep -E '^regfed_(peer_up|peer_calls_total|witness_exchanges_total|audit_up|alerts_open)' | head -30

  # a node down: stop ikz-sued (kill \$(pgrep -f 'ikz-sued.json')) and ask for all municipalities again: its six
  # answer "unavailable" within the deadline, Merseburg and Leuna as before; start make demo anew to bring it back

Ctrl-C stops the nodes and the database.
TXT

# The demo runs while its nodes do; a node that stops on its own ends it (and says which).
wait -n "${pids[@]}" || true
for node in "${nodes[@]}"; do
  if ! kill -0 "${pids[$node]}" 2>/dev/null; then
    [ -n "$stopped" ] || echo "regfed demo: node $node stopped unexpectedly; see $demo/$node.log" >&2
  fi
done
exit 1
