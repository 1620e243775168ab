#!/usr/bin/env bash
# The demo's generated configuration must pass `regfed config check` (with the real plugins loaded), so a change to
# the config schema cannot break `make demo` unnoticed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: demo-config-check.sh BUILD_DIR}" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/keys"
for ags in 15084130 15088205 15088150 15088220 15084355 15088330 15084550 15084590; do
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/keys/idp-$ags.pem" 2>/dev/null
  openssl ec -in "$dir/keys/idp-$ags.pem" -pubout -out "$dir/keys/idp-$ags.pub.pem" 2>/dev/null
done
"$root/scripts/demo-config.sh" "$dir/regfed.json" 5432 127.0.0.1:0 "$build/plugins-out"
"$build/bin/regfed" config check "$dir/regfed.json"
