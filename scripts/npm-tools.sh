#!/usr/bin/env bash
# Installs the Node tools the tests use (tests/js: Redocly CLI for the OpenAPI lint, playwright-core for the browser
# tests in tests/browser) when they are missing or older than tests/js/package-lock.json. Idempotent and quiet when
# there is nothing to do; uses sudo when not root.
# Node and npm come from Debian (nodejs 18, npm) if the machine has none; the packages come from the npm registry
# with `npm ci`, exactly as the lock file pins them. The tools run on Node 18.19 or newer.
# The browser is Debian's chromium (scripts/deps.sh --test): Playwright's own download must never run; install
# scripts are off (--ignore-scripts) and the variable below says so once more.
set -euo pipefail
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

js="$(cd "$(dirname "$0")/../tests/js" && pwd)"

# Debian's packages when the machine has no Node (machines of this kind come with Node 20; Debian 12 has 18).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  "$(dirname "$0")/apt-install.sh" nodejs npm
fi

if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 18 || (a === 18 && b >= 19) ? 0 : 1)'; then
  echo "regfed: the test tools in tests/js need Node 18.19 or newer; this is node $(node --version)" >&2
  exit 1
fi

# npm writes node_modules/.package-lock.json on every successful install: it is the stamp of the last install.
stamp="$js/node_modules/.package-lock.json"
if [ -f "$stamp" ] && [ ! "$js/package-lock.json" -nt "$stamp" ] && [ ! "$js/package.json" -nt "$stamp" ]; then
  exit 0
fi

echo "regfed: installing the Node test tools (npm ci in tests/js)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! (cd "$js" && npm ci --no-audit --no-fund --ignore-scripts --no-update-notifier) >"$log" 2>&1; then
  cat "$log" >&2
  echo "regfed: npm ci in tests/js failed" >&2
  exit 1
fi
