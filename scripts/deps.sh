#!/usr/bin/env bash
# Installs the Debian 12 packages regfed needs, if any are missing. Idempotent; uses sudo when not root.
#   scripts/deps.sh          what building and running the node and the demo need
#   scripts/deps.sh --test   also what only the tests need: clang with its sanitizer and libFuzzer runtimes,
#                            chromium for the browser tests, mmdebstrap for the package test, and Node with the
#                            npm test tools (scripts/npm-tools.sh)
set -euo pipefail
here=$(dirname "$0")
if [ "${1:-}" = "--test" ]; then
  "$here/apt-install.sh" clang libclang-rt-14-dev chromium mmdebstrap python3
  "$here/npm-tools.sh"
  exit 0
fi
"$here/apt-install.sh" cmake g++ make pkg-config dpkg-dev \
  libpoco-dev libthrift-dev thrift-compiler libpqxx-dev libpq-dev libssl-dev libboost-test-dev \
  postgresql-15 postgresql-client-15 openssl curl ca-certificates
