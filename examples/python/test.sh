#!/usr/bin/env bash
# examples/python/test.sh - test the psycopg2/matplotlib report against the
# server of the PG* environment (CREATE EXTENSION whanalytics and
# demo/sample_data.sql loaded; WHANALYTICS_DEMO_ORG names the demo
# organization). Uses Debian's /usr/bin/python3 on purpose: python3-psycopg2
# and python3-matplotlib are installed for it, not for a pyenv python3 on
# PATH. Exits 77 (skipped) when a module is missing, 0 when every test passes.
# WHANALYTICS_PY_PNG=path keeps the demo organization's chart.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=/usr/bin/python3
if [[ ! -x $PYTHON ]]; then
    echo "skipped: $PYTHON not found (apt-get install python3 python3-psycopg2 python3-matplotlib)"
    exit 77
fi
missing=()
for module in psycopg2 matplotlib; do
    "$PYTHON" -c "import $module" 2>/dev/null || missing+=("python3-$module")
done
if (( ${#missing[@]} )); then
    echo "skipped: $PYTHON lacks ${missing[*]#python3-} (apt-get install ${missing[*]})"
    exit 77
fi

export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the checkout
export WHANALYTICS_DEMO_ORG=${WHANALYTICS_DEMO_ORG:-org_0196b0e9-11d8-7f26-b1d2-bd47054e4827}
exec "$PYTHON" -m unittest -v test_report
