#!/usr/bin/env bash
# examples/grafana/test.sh - the Grafana example's whole test, against the
# server of the PG* environment (CREATE EXTENSION whanalytics and
# demo/sample_data.sql loaded; WHANALYTICS_DEMO_ORG names the demo
# organization). Checks that dashboard.json is what panels.sql gives, then for
# several dashboard time ranges and intervals takes each panel's rawSql from
# dashboard.json, substitutes Grafana's macros as its PostgreSQL data source
# does (grafana.py render), runs it with psql and compares its rows, one by
# one as text, with oracle.sql's plain SQL over webhook_events for the same
# window. Exits 77 (skipped) when a tool is missing, 0 on success, 1 on failure.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=$(command -v /usr/bin/python3 || command -v python3 || true)
missing=()
command -v psql >/dev/null || missing+=(postgresql-client)
[[ -n $PYTHON ]] || missing+=(python3)
if (( ${#missing[@]} )); then
    echo "skipped: missing ${missing[*]} (apt-get install ${missing[*]})"
    exit 77
fi

DEMO_ORG=${WHANALYTICS_DEMO_ORG:-org_0196b0e9-11d8-7f26-b1d2-bd47054e4827}
export PGTZ=UTC
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$PYTHON" grafana.py check

# Grafana's "now": a minute after the demo data's newest delivery (the sample
# data is relative to when it was loaded), in milliseconds as Grafana has it.
now=$("${PSQL[@]}" -At -v org="$DEMO_ORG" <<'SQL'
SELECT to_char((date_trunc('milliseconds', max(created_at)) + interval '1 minute') AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
FROM webhook_events WHERE organization_id = :'org'
SQL
)
[[ $now == *Z ]] || { echo "FAIL: no deliveries for $DEMO_ORG"; exit 1; }
at() {     # Grafana's now - $1, as Grafana writes an instant
    "${PSQL[@]}" -At -c "SELECT to_char((timestamptz '$now' - interval '$1') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
}

# organization | from | to | Grafana's $__interval
cases=(
    "$DEMO_ORG|$(at '6 hours')|$now|5m"
    "$DEMO_ORG|$(at '24 hours')|$now|1h"
    "$DEMO_ORG|$(at '7 days')|$now|30m"
    "$DEMO_ORG|$(at '8 days')|$now|1d"
    "$DEMO_ORG|$(at '90 minutes')|$now|30s"
    "$DEMO_ORG|$(at '5 hours 17 minutes 23.25 seconds')|$(at '13 seconds')|15m"
    "org_it's nobody|$(at '24 hours')|$now|1h"
)
failed=0 compared=0 demo_rows=0
for c in "${cases[@]}"; do
    IFS='|' read -r org from to interval <<<"$c"
    dir=$work/$(( compared + 1 )); mkdir "$dir"
    ids=$("$PYTHON" grafana.py render "$dir" "$from" "$to" "$interval" org="$org")
    ms=$("$PYTHON" -c "import re, sys; n, u = re.fullmatch(r'(\d+)(ms|s|m|h|d|w|y)', sys.argv[1]).groups(); print(max(int(n) * {'ms': 1, 's': 1000, 'm': 60000, 'h': 3600000, 'd': 86400000, 'w': 604800000, 'y': 31536000000}[u], 1000))" "$interval")
    "${PSQL[@]}" -At -F $'\t' -v org="$org" -v from="$from" -v to="$to" \
        -v bucket="$ms milliseconds" -v outdir="$dir" -f oracle.sql
    for id in $ids; do
        "${PSQL[@]}" -At -F $'\t' -f "$dir/$id.sql" >"$dir/$id.out"
        if ! diff -u "$dir/$id.expected" "$dir/$id.out" >"$dir/$id.diff"; then
            echo "FAIL: panel $id, $org [$from, $to) by $interval: its rows (+) differ from plain SQL (-)"
            head -40 "$dir/$id.diff"
            failed=$(( failed + 1 ))
        fi
    done
    rows=$(cat "$dir"/{deliveries,per_webhook,status_classes,status_codes,latency}.out | wc -l)
    [[ $org != "$DEMO_ORG" ]] || demo_rows=$(( demo_rows + $(awk -F'\t' '{ n += $2 + $3 } END { print n + 0 }' "$dir/deliveries.out") ))
    echo "$org [$from, $to) by $interval: $(wc -w <<<"$ids") queries, $rows panel rows as plain SQL gives"
    compared=$(( compared + 1 ))
done
grep -qxF "$DEMO_ORG" "$work/1/org.out" || { echo "FAIL: the org variable does not list $DEMO_ORG"; failed=$(( failed + 1 )); }
(( demo_rows > 0 )) || { echo "FAIL: the demo organization's panels are all empty"; failed=$(( failed + 1 )); }
if (( failed )); then
    echo "FAIL: examples/grafana: $failed differences"
    exit 1
fi
echo "ok: examples/grafana ($compared time ranges)"
