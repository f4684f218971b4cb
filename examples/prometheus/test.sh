#!/usr/bin/env bash
# examples/prometheus/test.sh - the Prometheus example's whole test, against
# the server of the PG* environment (CREATE EXTENSION whanalytics and
# demo/sample_data.sql loaded; WHANALYTICS_DEMO_ORG names the demo
# organization). Loads setup.sql (twice: it is idempotent), starts Debian's
# real prometheus-postgres-exporter on a free loopback port with queries.yaml,
# reads /metrics with curl and checks with check.py:
#   1. queries.yaml as shipped (window ending now()): it loads, the scrape
#      succeeds, every series has every metric, buckets are cumulative and
#      le="+Inf" equals _count;
#   2., 3. the same file with as_of pinned to a fixed instant (two of them):
#      the same, and every exported sample equals oracle.sql's plain SQL over
#      webhook_events (and the counts the extension's webhook_metrics_series),
#      no sample more or less.
# Exits 77 (skipped) when a tool is missing, 0 on success, 1 on failure.
set -euo pipefail
cd "$(dirname "$0")"

EXPORTER=${PROMETHEUS_POSTGRES_EXPORTER:-$(command -v prometheus-postgres-exporter || echo /usr/bin/prometheus-postgres-exporter)}
PYTHON=$(command -v /usr/bin/python3 || command -v python3 || true)
missing=()
[[ -x $EXPORTER ]] || missing+=(prometheus-postgres-exporter)
command -v curl >/dev/null || missing+=(curl)
command -v psql >/dev/null || missing+=(postgresql-client)
[[ -n $PYTHON ]] || missing+=(python3)
if (( ${#missing[@]} )); then
    echo "skipped: missing ${missing[*]} (apt-get install ${missing[*]})"
    exit 77
fi

export PGHOST=${PGHOST:-/var/run/postgresql} PGPORT=${PGPORT:-5432}
export PGUSER=${PGUSER:-$(id -un)}
export PGDATABASE=${PGDATABASE:-$PGUSER}
DEMO_ORG=${WHANALYTICS_DEMO_ORG:-org_0196b0e9-11d8-7f26-b1d2-bd47054e4827}
PSQL=(psql -X -q -v ON_ERROR_STOP=1)

work=$(mktemp -d)
exporter_pid=
stop_exporter() {
    if [[ -n $exporter_pid ]]; then
        kill "$exporter_pid" 2>/dev/null || true
        wait "$exporter_pid" 2>/dev/null || true
        exporter_pid=
    fi
}
trap 'stop_exporter; rm -rf "$work"' EXIT

# lib/pq's key=value form (host may be a socket directory): quote every value.
dsn_value() { local v=${1//\\/\\\\}; printf "'%s'" "${v//\'/\\\'}"; }
DSN="host=$(dsn_value "$PGHOST") port=$(dsn_value "$PGPORT") user=$(dsn_value "$PGUSER")"
DSN+=" dbname=$(dsn_value "$PGDATABASE") sslmode=$(dsn_value "${PGSSLMODE:-disable}")"
[[ -z ${PGPASSWORD:-} ]] || DSN+=" password=$(dsn_value "$PGPASSWORD")"

# Start the exporter with queries file $1, wait for it, save /metrics in $2.
scrape() {
    local queries=$1 out=$2 port i
    port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    DATA_SOURCE_NAME=$DSN "$EXPORTER" \
        --web.listen-address="127.0.0.1:$port" \
        --extend.query-path="$queries" \
        --disable-default-metrics --disable-settings-metrics \
        --no-collector.database --no-collector.bgwriter \
        --no-auto-discover-databases \
        >"$out.log" 2>&1 &
    exporter_pid=$!
    for (( i = 0; i < 100; i++ )); do          # its landing page, which runs no query
        curl -sf -o /dev/null "http://127.0.0.1:$port/" && break
        if ! kill -0 "$exporter_pid" 2>/dev/null; then
            cat "$out.log"; echo "FAIL: the exporter exited"; exit 1
        fi
        sleep 0.1
    done
    if ! curl -sf -o "$out" "http://127.0.0.1:$port/metrics"; then
        cat "$out.log"; echo "FAIL: no /metrics from the exporter on port $port"; exit 1
    fi
    stop_exporter
    if grep -q 'level=error' "$out.log"; then
        cat "$out.log"; echo "FAIL: the exporter logged errors"; exit 1
    fi
}

for run in first again; do                      # idempotent: the second run replaces the first
    "${PSQL[@]}" -f setup.sql 2>"$work/setup.err" || { cat "$work/setup.err"; echo "FAIL: setup.sql ($run)"; exit 1; }
done

echo "1. queries.yaml as shipped (window ending now())"
recent=$("${PSQL[@]}" -At -v org="$DEMO_ORG" <<'SQL'
SELECT count(*) FROM webhook_events
WHERE organization_id = :'org' AND created_at >= now() - interval '24 hours'
SQL
)
scrape queries.yaml "$work/now.metrics"
# (sample data loaded over a day ago has no series now: then only the structure)
"$PYTHON" check.py "$work/now.metrics" "$( (( recent > 0 )) && echo "$DEMO_ORG" || echo - )"

# Two fixed ends: the 20th newest delivery of the demo organization, so the
# half-open window [as_of - 1h, as_of) ends on a row (which it leaves out),
# and a second after the newest delivery, so the window holds the newest
# deliveries, not yet sent (no latency).
mapfile -t ends < <("${PSQL[@]}" -At -v org="$DEMO_ORG" <<'SQL'
SELECT created_at FROM webhook_events WHERE organization_id = :'org'
ORDER BY created_at DESC OFFSET 20 LIMIT 1;
SELECT max(created_at) + interval '1 second' FROM webhook_events
WHERE organization_id = :'org';
SQL
)
[[ ${#ends[@]} == 2 && -n ${ends[0]} ]] || { echo "FAIL: too few deliveries for $DEMO_ORG"; exit 1; }
call='FROM whanalytics_metrics.webhook_metrics()'
[[ $(grep -c -F "$call" queries.yaml) == 1 ]] || { echo "FAIL: queries.yaml should call $call once"; exit 1; }
step=2
for as_of in "${ends[@]}"; do
    echo "$step. queries.yaml with as_of => '$as_of', against plain SQL"
    sed "s/FROM whanalytics_metrics\.webhook_metrics()/FROM whanalytics_metrics.webhook_metrics(as_of => '$as_of')/" \
        queries.yaml >"$work/pinned.yaml"
    scrape "$work/pinned.yaml" "$work/pinned.metrics"
    "${PSQL[@]}" -At -F $'\t' -v as_of="$as_of" \
        -v oracle_out="$work/oracle.tsv" -v series_out="$work/series.tsv" -f oracle.sql
    "$PYTHON" check.py "$work/pinned.metrics" "$DEMO_ORG" "$work/oracle.tsv" "$work/series.tsv"
    step=$(( step + 1 ))
done
echo "ok: examples/prometheus"
