#!/usr/bin/env bash
# Lints schemas/openapi.yaml with Redocly CLI's recommended rules (config schemas/redocly.yaml, single exceptions in
# schemas/.redocly.lint-ignore.yaml). Prints one line per problem and the summary; exits non-zero on any error,
# also on a problem in the lint configuration itself.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/npm-tools.sh"

cd "$root"
# No usage telemetry and no registry check for a newer CLI: the lint is a test and works offline.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec tests/js/node_modules/.bin/redocly lint schemas/openapi.yaml --config schemas/redocly.yaml \
  --lint-config=error --format=stylish
