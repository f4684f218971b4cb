#!/usr/bin/env bash
# test.sh - the node-api example's whole test, against the PG* server (with
# whanalytics and demo/sample_data.sql): installs the pinned npm packages,
# applies setup.sql, runs test.js. Exit 77 when node or npm is missing.
set -euo pipefail
cd "$(dirname "$0")"

for tool in node npm psql; do
    command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed"; exit 77; }
done
node -e 'process.exit(parseInt(process.versions.node) < 20 ? 1 : 0)' ||
    { echo "skipped: node 20 or newer is needed, found $(node --version)"; exit 77; }

npm ci --no-audit --no-fund --loglevel=error >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -f setup.sql
node --test test.js
