#!/usr/bin/env bash
# test.sh - the dashboard example's whole test, against the PG* server (with
# whanalytics and demo/sample_data.sql): installs ../node-api's pinned npm
# packages (Chart.js and playwright-core among them), applies its setup.sql
# and runs test.js, which starts its server and drives Chromium.
# Exit 77 when node, npm or chromium is missing.
set -euo pipefail
cd "$(dirname "$0")"

for tool in node npm psql "${CHROMIUM:-/usr/bin/chromium}"; do
    command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed"; exit 77; }
done
node -e 'process.exit(parseInt(process.versions.node) < 20 ? 1 : 0)' ||
    { echo "skipped: node 20 or newer is needed, found $(node --version)"; exit 77; }

(cd ../node-api && npm ci --include=dev --no-audit --no-fund --loglevel=error >/dev/null)
psql -X -q -v ON_ERROR_STOP=1 -f ../node-api/setup.sql
node --test test.js
