#!/usr/bin/env bash
# Installs the Debian 12 packages regfed needs, if any are missing. Idempotent; uses sudo when not root.
#   scripts/deps.sh          what building and running the node and the demo need
#   scripts/deps.sh --test   also what only the tests need: clang with its sanitizer and libFuzzer runtimes, and
#                            Node with the npm test tools (scripts/npm-tools.sh)
set -euo pipefail

packages=(cmake g++ make pkg-config
  libpoco-dev libthrift-dev thrift-compiler libpqxx-dev libpq-dev libssl-dev libboost-test-dev
  postgresql-15 postgresql-client-15 openssl curl ca-certificates)
if [ "${1:-}" = "--test" ]; then
  packages=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "regfed: installing missing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    echo "regfed: missing packages and neither root nor sudo: install ${missing[*]} yourself" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--test" ]; then
  "$(dirname "$0")/npm-tools.sh"
fi
