#!/usr/bin/env bash
# The demo's generated configurations must pass `regfed config check` (with the real plugins loaded), so a change
# to the config schema cannot break `make demo` unnoticed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: demo-config-check.sh BUILD_DIR}" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/keys" "$dir/data"
for ags in 15084130 15088205 15088150 15088220 15084355 15088330 15084550 15084590; do
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/keys/idp-$ags.pem" 2>/dev/null
  openssl ec -in "$dir/keys/idp-$ags.pem" -pubout -out "$dir/keys/idp-$ags.pub.pem" 2>/dev/null
done
"$root/scripts/demo-pki.sh" "$dir/pki" merseburg leuna ikz-sued
"$root/scripts/demo-config.sh" "$dir" 5432 "$build/plugins-out" 0,0,0 7441,7442,7443
for node in merseburg leuna ikz-sued; do
  "$build/bin/regfed" config check "$dir/$node.json"
done
# The fan-out benchmark's federation: one node per municipality.
eight=(merseburg leuna elsteraue kabelsketal naumburg schkopau weissenfels zeitz)
"$root/scripts/demo-pki.sh" "$dir/pki" "${eight[@]}"
REGFED_DEMO_NODES=8 "$root/scripts/demo-config.sh" "$dir" 5432 "$build/plugins-out" 0,0,0,0,0,0,0,0 \
  7441,7442,7443,7444,7445,7446,7447,7448
for node in "${eight[@]}"; do
  "$build/bin/regfed" config check "$dir/$node.json"
done
