#!/usr/bin/env bash
# Writes the demo federation's node configurations into OUTDIR: three nodes, each with its own database and
# roles, its registers, the federation's certificates and its peers —
#   merseburg  Stadt Merseburg
#   leuna      Stadt Leuna
#   ikz-sued   the other six (a host keeping its neighbours' hardware): Elsteraue, Kabelsketal, Naumburg (Saale),
#              Schkopau, Weißenfels, Zeitz
# A Melderegister per municipality (sql adapter), a Gewerberegister for Merseburg, Leuna and Weißenfels (jsonl).
# Paths in the configs are relative to OUTDIR (keys/, pki/, data/).
# With REGFED_DEMO_NODES=8 every municipality runs its own node instead (the fan-out benchmark's federation).
#   demo-config.sh OUTDIR PGPORT PLUGIN_DIR HTTP_PORTS FEDERATION_PORTS     (ports: one per node, comma-separated)
set -euo pipefail
out=${1:?} port=${2:?} plugins=${3:?}
IFS=, read -r -a http_ports <<<"${4:?}"
IFS=, read -r -a fed_ports <<<"${5:?}"

. "$(dirname "$0")/demo-layout.sh"

declare -A names=(
  [15084130]="Gemeinde Elsteraue" [15088205]="Stadt Leuna" [15088150]="Gemeinde Kabelsketal"
  [15088220]="Stadt Merseburg" [15084355]="Stadt Naumburg (Saale)" [15088330]="Gemeinde Schkopau"
  [15084550]="Stadt Weißenfels" [15084590]="Stadt Zeitz")
all="15084130 15088205 15088150 15088220 15084355 15088330 15084550 15084590"
gewerbe=" 15088220 15088205 15084550 "

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

# The database name and role suffix of a node: ikz-sued -> ikz_sued.
suffix() { echo "${1//-/_}"; }

municipality_list() {  # "AGS ..." -> JSON list of {"ags", "name"}
  local sep=""
  for ags in $1; do
    printf '%s{"ags": "%s", "name": "%s"}' "$sep" "$ags" "${names[$ags]}"
    sep=", "
  done
}

for i in "${!nodes[@]}"; do
  node=${nodes[$i]}
  s=$(suffix "$node")
  db="dbname=regfed_$s"
  {
    echo '{'
    echo '  "node": {"id": "'"$node"'", "listen": "127.0.0.1:'"${http_ports[$i]}"'", "max_threads": 64},'
    echo '  "municipalities": ['"$(municipality_list "${hosts[$node]}")"'],'
    echo '  "plugin_dir": "'"$plugins"'",'
    echo '  "audit": {'
    echo '    "dsn": "host=127.0.0.1 port='"$port"' '"$db"' user=regfed_node_'"$s"' application_name=regfed-audit",'
    echo '    "owner_dsn": "host=127.0.0.1 port='"$port"' '"$db"' user=regfed_owner_'"$s"'",'
    echo '    "node_role": "regfed_node_'"$s"'",'
    echo '    "signing_key": "keys/audit-'"$node"'.pem",'
    echo '    "sign_every_events": 1000, "sign_interval_ms": 10000'
    echo '  },'
    # Every node verifies the tokens of everyone who may ask it (through their home node), so it trusts every
    # municipality's identity provider. The private keys are there for `regfed token` (development and demo only).
    echo '  "issuers": ['
    sep=""
    for ags in $all; do
      printf '%s    {"iss": "https://idp.demo.invalid/%s", "municipalities": ["%s"], "algorithm": "ES256", "audience": "regfed",\n' "$sep" "$ags" "$ags"
      printf '     "public_key": "keys/idp-%s.pub.pem", "private_key": "keys/idp-%s.pem"}' "$ags" "$ags"
      sep=$',\n'
    done
    printf '\n  ],\n'
    echo '  "registers": ['
    sep=""
    for ags in ${hosts[$node]}; do
      printf '%s    {"ags": "%s", "name": "melderegister", "title": "Melderegister", "adapter": "sql", "id_field": "id",\n' "$sep" "$ags"
      printf '      "options": {"conninfo": "host=127.0.0.1 port=%s %s user=regfed_reader_%s", "table": "melde.melderegister_%s", "pool_size": 4},\n' "$port" "$db" "$s" "$ags"
      printf '      "block_fields": ["auskunftssperre"], "phonetic_fields": ["familienname", "vornamen", "geburtsname"],\n'
      printf '      "search_criteria": %s,\n' "$melde_criteria"
      printf '      "fields": %s}' "$melde_fields"
      sep=$',\n'
      if [[ $gewerbe == *" $ags "* ]]; then
        printf '%s    {"ags": "%s", "name": "gewerberegister", "title": "Gewerberegister", "adapter": "jsonl", "id_field": "id",\n' "$sep" "$ags"
        printf '      "options": {"path": "data/gewerberegister-%s.jsonl"},\n' "$ags"
        printf '      "search_criteria": [["betriebsname", "ort"], ["inhaber", "ort"]],\n'
        printf '      "fields": %s}' "$gewerbe_fields"
      fi
    done
    printf '\n  ],\n'
    echo '  "agreements": [{"id": "ZV-2026-01", "title": "Zweckvereinbarung IKZ Sachsen-Anhalt Süd", "support_days_per_year": 10}],'
    echo '  "procedures": ['
    sep=""
    for ags in ${hosts[$node]}; do
      printf '%s    {"ags": "%s", "name": "online-antraege", "title": "Online-Anträge", "adapter": "antraege", "claim_idle_s": 1800,\n' "$sep" "$ags"
      printf '      "options": {"conninfo": "host=127.0.0.1 port=%s %s user=regfed_procedures_%s", "municipality": "%s", "pool_size": 4}}' "$port" "$db" "$s" "$ags"
      sep=$',\n'
    done
    printf '\n  ],\n'
    echo '  "federation": {'
    echo '    "listen": "127.0.0.1:'"${fed_ports[$i]}"'", "ca": "pki/ca.pem",'
    echo '    "certificate": "pki/'"$node"'.pem", "private_key": "pki/'"$node"'.key", "probe_interval_ms": 2000, "witness_interval_ms": 5000,'
    echo '    "peers": ['
    sep=""
    for j in "${!nodes[@]}"; do
      [ "$j" = "$i" ] && continue
      peer=${nodes[$j]}
      printf '%s      {"node": "%s", "address": "127.0.0.1:%s", "municipalities": [%s]}' \
        "$sep" "$peer" "${fed_ports[$j]}" "$(municipality_list "${hosts[$peer]}")"
      sep=$',\n'
    done
    printf '\n    ]\n  }\n}\n'
  } >"$out/$node.json"
done
