#!/usr/bin/env bash
# load.sh: the long reliability test. Against the server in the PG*
# environment (./run load starts a throwaway one):
#  1. concurrency: pgbench writers (insert, retry update, delete) and readers
#     (webhook_analytics_json with internal consistency checks) at once;
#     no errors, no deadlocks, and afterwards every organization's response
#     equals the plain-SQL computation over the table;
#  2. cancellation: pg_cancel_backend stops a long call; the time it took;
#  3. crash safety: the whole server is killed with SIGKILL (postmaster and
#     every backend at once) during a write load, three times, and restarted
#     (it recovers from WAL); every delivery whose COMMIT was acknowledged is
#     there, and the summaries agree with the rows.
# Ends with "N passed, M failed". Options: --seconds N (default 30),
# --crashes N (default 3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN=$("${PG_CONFIG:-pg_config}" --bindir)
DB=whanalytics_load
SECONDS_LOAD=30
CRASHES=3
while (($# > 0)); do
    case "$1" in
        --seconds) SECONDS_LOAD=$2; shift 2 ;;
        --crashes) CRASHES=$2; shift 2 ;;
        *) echo "usage: load.sh [--seconds N] [--crashes N]" >&2; exit 2 ;;
    esac
done
WORK=$(mktemp -d /tmp/whanalytics-load.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

# q runs SQL on the load database and prints bare values.
q() { "$BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

# check records one result line in pg_regress style.
check() {
    local name=$1 ok=$2 detail=$3
    if [[ $ok == yes ]]; then
        printf 'test %-28s ... ok    (%s)\n' "$name" "$detail"; passed=$((passed + 1))
    else
        printf 'test %-28s ... FAILED (%s)\n' "$name" "$detail"; failed=$((failed + 1))
    fi
}

# mismatches counts organizations whose response differs from the oracle.
mismatches() {
    q -c "WITH o AS MATERIALIZED (SELECT DISTINCT organization_id FROM webhook_events)
          SELECT count(*) FROM o
          WHERE webhook_analytics_json(o.organization_id, 'last_7_days', '2026-01-01 00:00+00', NULL, 20, 20)
                IS DISTINCT FROM plain_analytics_json(o.organization_id, 'last_7_days', '2026-01-01 00:00+00', NULL, 20, 20)"
}

"$BIN/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
q -c 'CREATE EXTENSION whanalytics'
q -f "$ROOT/test/plain_sql.sql"
q <<'SQL'
INSERT INTO webhooks (id, organization_id, url, events)
SELECT 'webhook_load_' || i, 'org_load_' || (i % 20), 'https://load.example/' || i, '{a,b}'
FROM generate_series(0, 59) i;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, retries,
                            created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_load_' || (i % 60), 'org_load_' || (i % 60 % 20), 'https://load.example/' || (i % 60),
       'event.' || (i % 7), (ARRAY[200, 201, 500, 404, NULL])[i % 5 + 1], i % 3,
       '2026-01-01 00:00+00'::timestamptz - (i % 600000) * interval '1 second',
       '2026-01-01 00:00+00'::timestamptz - (i % 600000) * interval '1 second' + (i % 997) * interval '1 ms',
       i % 900, (i % 4 <> 0)::int
FROM generate_series(1, 200000) i;
ANALYZE;
-- A reader's check: one response must agree with itself.
CREATE FUNCTION load_read(org text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r jsonb := webhook_analytics_json(org, 'last_7_days', '2026-01-01 00:00+00', NULL, 1000, 5);
    total bigint := (r #>> '{data,day_metrics,total}')::bigint;
BEGIN
    IF total <> (SELECT coalesce(sum((h ->> 'count')::bigint), 0) FROM jsonb_array_elements(r #> '{data,hourly_metrics}') h)
       OR total <> (SELECT coalesce(sum((e ->> 'count')::bigint), 0) FROM jsonb_array_elements(r #> '{data,top_events}') e)
       OR (r #>> '{data,day_metrics,success}')::bigint + (r #>> '{data,day_metrics,failed}')::bigint > total THEN
        RAISE EXCEPTION 'inconsistent response for %: %', org, r -> 'data' -> 'day_metrics';
    END IF;
END $$;
SQL

cat >"$WORK/writers.pgbench" <<'EOF2'
\set o random(0, 19)
\set w random(0, 59)
\set lag random(0, 604799)
\set d random(0, 199999)
BEGIN;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at, done, resource_id)
VALUES ('webhook_load_' || :w, 'org_load_' || :o, 'https://load.example/' || :w, 'event.' || (:w % 7), NULL,
        '2026-01-01 00:00+00'::timestamptz - :lag * interval '1 second', 0, 'pgbench');
UPDATE webhook_events SET retries = retries + 1, response_status = 200, done = 1,
       first_sent_at = coalesce(first_sent_at, created_at + interval '20 ms')
 WHERE id = :d;
DELETE FROM webhook_events WHERE id = :d + 1 AND :d % 10 = 0;
END;
EOF2
cat >"$WORK/readers.pgbench" <<'EOF2'
\set o random(0, 19)
SELECT load_read('org_load_' || :o);
EOF2

# 1. writers and readers at once
"$BIN/pgbench" -n -f "$WORK/writers.pgbench" -c 8 -j 2 -T "$SECONDS_LOAD" "$DB" >"$WORK/writers.out" 2>&1 &
writers=$!
"$BIN/pgbench" -n -f "$WORK/readers.pgbench" -c 2 -j 1 -T "$SECONDS_LOAD" "$DB" >"$WORK/readers.out" 2>&1 || true
wait "$writers" || true
wtx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$WORK/writers.out")
wfail=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/writers.out")
rtx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$WORK/readers.out")
rfail=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/readers.out")
aborted=$(cat "$WORK/writers.out" "$WORK/readers.out" | grep -c "aborted\|ERROR" || true)
inserted=$(q -c "SELECT count(*) FROM webhook_events WHERE resource_id = 'pgbench'")
deadlocks=$(q -c "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
diff=$(mismatches)
ok=no
[[ -n $wtx && -n $rtx && ${wfail:-1} == 0 && ${rfail:-1} == 0 && $aborted == 0 && $deadlocks == 0 && $diff == 0 && $inserted -ge $((wtx * 9 / 10)) ]] && ok=yes
check concurrency "$ok" "8 writers x ${SECONDS_LOAD}s: $wtx transactions, $inserted rows inserted; 2 readers: $rtx consistent responses; failed $wfail/$rfail, deadlocks $deadlocks, organizations differing from plain SQL $diff"
[[ $ok == yes ]] || { tail -20 "$WORK/writers.out" "$WORK/readers.out"; }

# 2. pg_cancel_backend stops a long call
q -c "SELECT count(*) FROM webhook_hourly_metrics('org_load_1', '0001-01-01 00:00+00', '9000-01-01 00:00+00')" >"$WORK/cancel.out" 2>&1 &
call=$!
sleep 1
pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE query LIKE '%webhook_hourly_metrics(''org_load_1''%' AND pid <> pg_backend_pid()")
start=$(date +%s%N)
q -c "SELECT pg_cancel_backend($pid)" >/dev/null
wait "$call" || true
took=$(( ($(date +%s%N) - start) / 1000000 ))
ok=no
grep -q "canceling statement due to user request" "$WORK/cancel.out" && ok=yes
check cancel "$ok" "pg_cancel_backend stopped a 78-million-hour series; the call returned ${took} ms after the cancel"

# 3. crash safety: the whole server (postmaster and every backend at once)
#    killed with SIGKILL during 8 pgbench writers and 4 writers that record
#    each acknowledged commit, CRASHES times; restarted, it recovers from WAL.
datadir=$(q -c "SHOW data_directory")
owner=$(stat -c %U "$datadir")
: >"$WORK/acked"
writer() {
    local n=0
    while [[ ! -e $WORK/stop ]]; do
        n=$((n + 1))
        "$BIN/psql" -X -q -At -d "$DB" -c "INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at, resource_id)
            VALUES ('webhook_load_1', 'org_load_1', 'u', 'crash', '2025-12-31 12:00+00', 'crash-$1-$2-$n') RETURNING resource_id" \
            >>"$WORK/acked" 2>/dev/null || sleep 0.2
    done
}
crash_tx=0
crash_lost=0
for round in $(seq 1 "$CRASHES"); do
    rm -f "$WORK/stop"
    before=$(q -c "SELECT count(*) FROM webhook_events WHERE resource_id = 'pgbench'")
    "$BIN/pgbench" -n -f "$WORK/writers.pgbench" -c 8 -j 2 -T 30 "$DB" >"$WORK/crash_pgbench.out" 2>&1 &
    bench=$!
    pids=()
    for i in 1 2 3 4; do writer "$round" "$i" & pids+=($!); done
    sleep 5
    postmaster=$(head -n 1 "$datadir/postmaster.pid")
    kill -9 $(pgrep -P "$postmaster") "$postmaster" 2>/dev/null || true    # the server dies at once
    while kill -0 "$postmaster" 2>/dev/null; do sleep 0.1; done
    touch "$WORK/stop"
    wait "${pids[@]}" 2>/dev/null || true
    wait "$bench" 2>/dev/null || true
    n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$WORK/crash_pgbench.out" | head -n 1)
    crash_tx=$((crash_tx + ${n:-0}))
    # crash recovery from WAL, as the owner of the data directory (postgres refuses root)
    if [[ $owner == $(id -un) ]]; then
        "$BIN/pg_ctl" -D "$datadir" -l "$datadir/restart.log" -w start >/dev/null
    else
        (cd / && runuser -u "$owner" -- "$BIN/pg_ctl" -D "$datadir" -l "$datadir/restart.log" -w start >/dev/null)
    fi
    for _ in $(seq 1 60); do "$BIN/pg_isready" -q && break; sleep 1; done
    # pgbench counts a transaction once its COMMIT is acknowledged: each one inserted a row
    after=$(q -c "SELECT count(*) FROM webhook_events WHERE resource_id = 'pgbench'")
    ((after - before >= ${n:-0})) || crash_lost=$((crash_lost + ${n:-0} - (after - before)))
done
acked=$(sort -u "$WORK/acked" | grep -c '^crash-' || true)
q -c "CREATE TEMP TABLE acked (resource_id text)" -c "\\copy acked FROM '$WORK/acked'" \
  -c "SELECT count(*) FROM acked a WHERE a.resource_id LIKE 'crash-%' AND NOT EXISTS
        (SELECT 1 FROM webhook_events e WHERE e.resource_id = a.resource_id)" >"$WORK/lost"
lost=$(tail -1 "$WORK/lost")
diff=$(mismatches)
ok=no
[[ $lost == 0 && $crash_lost == 0 && $diff == 0 && $acked -gt 0 && $crash_tx -gt 0 ]] && ok=yes
check crash_safety "$ok" "the server killed with SIGKILL $CRASHES times during 8 pgbench writers ($crash_tx acknowledged transactions, $crash_lost lost) and 4 recording writers ($acked acknowledged commits, $lost lost); organizations differing from plain SQL $diff"

"$BIN/psql" -X -q -d postgres -c "DROP DATABASE $DB WITH (FORCE)"
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
