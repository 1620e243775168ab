#!/usr/bin/env bash
# Writes the demo node's configuration: one node hosting the eight municipalities of the IKZ Sachsen-Anhalt Süd,
# a Melderegister per municipality (sql adapter) and a Gewerberegister for three (jsonl adapter).
#   demo-config.sh OUT.json PGPORT LISTEN PLUGIN_DIR
set -euo pipefail
out=${1:?} port=${2:?} listen=${3:?} plugins=${4:?}

municipalities=(
  "15084130|Gemeinde Elsteraue" "15088205|Stadt Leuna" "15088150|Gemeinde Kabelsketal" "15088220|Stadt Merseburg"
  "15084355|Stadt Naumburg (Saale)" "15088330|Gemeinde Schkopau" "15084550|Stadt Weißenfels" "15084590|Stadt Zeitz")
gewerbe=(15088220 15088205 15084550)

# The Melderegister fields (XMeld-like names clients rely on) and the §38 BMG criteria sets are defined once, in
# schemas/demo.
melde_fields=$(cat "$(dirname "$0")/../schemas/demo/melderegister.fields.json")
melde_criteria=$(cat "$(dirname "$0")/../schemas/demo/melderegister.criteria.json")
gewerbe_fields='[
        {"name": "id", "type": "string", "classification": "intern"},
        {"name": "betriebsname", "type": "string", "classification": "intern"},
        {"name": "inhaber", "type": "string", "classification": "vertraulich"},
        {"name": "rechtsform", "type": "string", "classification": "intern"},
        {"name": "taetigkeit", "type": "string", "classification": "intern"},
        {"name": "strasse", "type": "string", "classification": "intern"},
        {"name": "plz", "type": "string", "classification": "intern"},
        {"name": "ort", "type": "string", "classification": "intern"},
        {"name": "anmeldedatum", "type": "date", "classification": "intern"},
        {"name": "status", "type": "string", "classification": "intern"},
        {"name": "mitarbeiter", "type": "integer", "classification": "intern"},
        {"name": "steuernummer", "type": "string", "classification": "streng_vertraulich"}
      ]'

{
  echo '{'
  echo '  "node": {"id": "ikz-sued-demo", "listen": "'"$listen"'", "max_threads": 64},'
  echo '  "municipalities": ['
  sep=""
  for m in "${municipalities[@]}"; do
    printf '%s    {"ags": "%s", "name": "%s"}' "$sep" "${m%%|*}" "${m#*|}"
    sep=$',\n'
  done
  printf '\n  ],\n'
  echo '  "plugin_dir": "'"$plugins"'",'
  echo '  "audit": {'
  echo '    "dsn": "host=127.0.0.1 port='"$port"' dbname=regfed user=regfed_node application_name=regfed-audit",'
  echo '    "owner_dsn": "host=127.0.0.1 port='"$port"' dbname=regfed user=regfed_owner",'
  echo '    "node_role": "regfed_node",'
  echo '    "signing_key": "keys/audit-signing.pem",'
  echo '    "sign_every_events": 1000, "sign_interval_ms": 10000'
  echo '  },'
  echo '  "issuers": ['
  sep=""
  for m in "${municipalities[@]}"; do
    ags=${m%%|*}
    printf '%s    {"iss": "https://idp.demo.invalid/%s", "municipalities": ["%s"], "algorithm": "ES256", "audience": "regfed",\n' "$sep" "$ags" "$ags"
    printf '     "public_key": "keys/idp-%s.pub.pem", "private_key": "keys/idp-%s.pem"}' "$ags" "$ags"
    sep=$',\n'
  done
  printf '\n  ],\n'
  echo '  "registers": ['
  sep=""
  for m in "${municipalities[@]}"; do
    ags=${m%%|*}
    printf '%s    {"ags": "%s", "name": "melderegister", "title": "Melderegister", "adapter": "sql", "id_field": "id",\n' "$sep" "$ags"
    printf '      "options": {"conninfo": "host=127.0.0.1 port=%s dbname=regfed user=regfed_reader", "table": "melde.melderegister_%s", "pool_size": 4},\n' "$port" "$ags"
    printf '      "block_fields": ["auskunftssperre"], "phonetic_fields": ["familienname", "vornamen", "geburtsname"],\n'
    printf '      "search_criteria": %s,\n' "$melde_criteria"
    printf '      "fields": %s}' "$melde_fields"
    sep=$',\n'
  done
  for ags in "${gewerbe[@]}"; do
    printf '%s    {"ags": "%s", "name": "gewerberegister", "title": "Gewerberegister", "adapter": "jsonl", "id_field": "id",\n' "$sep" "$ags"
    printf '      "options": {"path": "data/gewerberegister-%s.jsonl"},\n' "$ags"
    printf '      "search_criteria": [["betriebsname", "ort"], ["inhaber", "ort"]],\n'
    printf '      "fields": %s}' "$gewerbe_fields"
  done
  printf '\n  ],\n'
  echo '  "agreements": [{"id": "ZV-2026-01", "title": "Zweckvereinbarung IKZ Sachsen-Anhalt Süd", "support_days_per_year": 10}],'
  echo '  "procedures": ['
  sep=""
  for m in "${municipalities[@]}"; do
    printf '%s    {"ags": "%s", "name": "online-antraege", "title": "Online-Anträge"}' "$sep" "${m%%|*}"
    sep=$',\n'
  done
  printf '\n  ]\n}\n'
} >"$out"
