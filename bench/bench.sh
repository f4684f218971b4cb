#!/usr/bin/env bash
# bench.sh - benchmark of the whanalytics extension against plain SQL.
#
#   bench/bench.sh [--rows N] [--orgs N] [--days N] [--runs N]
#                  [--writers N] [--write-seconds N] [--write-rounds N] [--skip-writes]
#
# 1. Generates a realistic delivery table (bench/generate.sql: Zipf-sized
#    organizations, status/retry/latency mix, payloads) into the extension's
#    webhook_events ("with maintenance") and the same rows into a plain copy
#    bench_plain_events (LIKE webhook_events INCLUDING ALL: no triggers),
#    batch by batch alternately, timing each table's bulk insert.
# 2. Read scenarios (bench/scenarios.sql, bench/own_tables.sql), all in one
#    backend (as a tenant under row-level security too, and on plain and
#    daily-partitioned copies of the rows attached as the user's own): the extension
#    vs test/plain_sql.sql for the largest and the median organization, and
#    webhook_latency_percentiles vs percentile_cont (serial and parallel).
#    Both sides must return the same result first, or the run fails.
# 3. Concurrent writers (bench/writers.pgbench): pgbench against each table,
#    in rounds that alternate which table goes first (a CHECKPOINT before
#    each run), so drift and checkpoints do not favour one side; the median
#    TPS of each side, failed transactions, deadlocks, and a check that no
#    row was lost.
#
# The extension must be installed (`./run bench` builds and installs it).
# Without PGHOST/PGPORT in the environment the script re-runs itself inside a
# throwaway PostgreSQL 15 cluster (pg_virtualenv -t). With them, it uses that
# server and (re)creates the database whanalytics_bench there.
# The data ends at 2026-01-01 00:00:00+00; all scenarios use the fixed as_of
# 2025-12-31 21:37:13+00 (so results are reproducible), which like a real
# now() is not on a day or hour boundary: every window has partial days at
# both ends.
set -euo pipefail
export LC_NUMERIC=C   # printf %f and awk with '.' decimals

MEM_BASELINE=
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
DB=whanalytics_bench
AS_OF='2025-12-31 21:37:13+00'
DATA_END='2026-01-01 00:00:00+00'

ROWS=1000000
ORGS=100
DAYS=30
RUNS=7
WRITERS=8
WRITE_SECONDS=10
WRITE_ROUNDS=5
SKIP_WRITES=0

# Print the usage text.
usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -u -e '$d' -e 's/^# \{0,1\}//'
    cat <<EOF
options (defaults in brackets):
  --rows N           deliveries to generate [$ROWS]
  --orgs N           organizations [$ORGS]
  --days N           days of data ending at $DATA_END [$DAYS]
  --runs N           timed runs per side per scenario, after 1 warm-up each [$RUNS]
  --writers N        concurrent pgbench clients [$WRITERS]
  --write-seconds N  duration of each pgbench run [$WRITE_SECONDS]
  --write-rounds N   pgbench rounds, each one run per table [$WRITE_ROUNDS]
  --skip-writes      skip the concurrent-writers part
EOF
}

# Print a progress message on stderr.
log() { printf '==> %s\n' "$*" >&2; }

# Print an error message on stderr and exit non-zero.
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# Parse the command line into the settings above.
parse_args() {
    while (($# > 0)); do
        case "$1" in
            --rows) ROWS=${2:?--rows needs a value}; shift 2 ;;
            --orgs) ORGS=${2:?--orgs needs a value}; shift 2 ;;
            --days) DAYS=${2:?--days needs a value}; shift 2 ;;
            --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
            --writers) WRITERS=${2:?--writers needs a value}; shift 2 ;;
            --write-seconds) WRITE_SECONDS=${2:?--write-seconds needs a value}; shift 2 ;;
            --write-rounds) WRITE_ROUNDS=${2:?--write-rounds needs a value}; shift 2 ;;
            --skip-writes) SKIP_WRITES=1; shift ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; die "unknown option: $1" ;;
        esac
    done
    local v
    for v in "$ROWS" "$ORGS" "$DAYS" "$RUNS" "$WRITERS" "$WRITE_SECONDS" "$WRITE_ROUNDS"; do
        [[ $v =~ ^[1-9][0-9]*$ ]] || die "not a positive integer: $v"
    done
}

# The options as arguments again, to pass on when re-running inside a cluster.
args_again() {
    local a=(--rows "$ROWS" --orgs "$ORGS" --days "$DAYS" --runs "$RUNS"
             --writers "$WRITERS" --write-seconds "$WRITE_SECONDS" --write-rounds "$WRITE_ROUNDS")
    ((SKIP_WRITES)) && a+=(--skip-writes)
    printf '%s\n' "${a[@]}"
}

# Install pgbench (package postgresql-client-15) if it is missing.
ensure_pgbench() {
    [[ -x $PG_BIN/pgbench ]] && return 0
    log "pgbench not found; installing postgresql-client-$PG_MAJOR"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "postgresql-client-$PG_MAJOR"
    [[ -x $PG_BIN/pgbench ]] || die "pgbench still missing at $PG_BIN/pgbench"
}

# psql on the benchmark database: quiet, stop on the first error.
bpsql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

# One value from a query on the benchmark database.
bval() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }

# The median of the numbers on stdin, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# Seconds since the epoch, with fractions.
now_s() { date +%s.%N; }

# (Re)create the database and the extension; print the server settings used.
setup_db() {
    local sb mpw
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
        -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
    # Per database, so a shared server's configuration is left alone.
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
        -c "ALTER DATABASE $DB SET max_parallel_workers_per_gather = 2"
    bpsql -c 'CREATE EXTENSION whanalytics'
    sb=$(bval 'SHOW shared_buffers')
    [[ $sb == 512MB ]] || log "warning: shared_buffers is $sb, not 512MB (it needs a restart to change)"
    echo "== server settings (defaults except shared_buffers and max_parallel_workers_per_gather)"
    bpsql -P footer=off <<'SQL'
SELECT name, setting, unit, source
FROM pg_settings
WHERE name IN ('server_version', 'shared_buffers', 'work_mem', 'max_parallel_workers_per_gather',
               'max_parallel_workers', 'max_worker_processes', 'parallel_setup_cost',
               'parallel_tuple_cost', 'min_parallel_table_scan_size', 'jit', 'fsync',
               'synchronous_commit', 'wal_level', 'max_wal_size', 'checkpoint_timeout')
ORDER BY name;
SQL
    bpsql -At -c "SELECT 'extension: whanalytics ' || extversion FROM pg_extension WHERE extname = 'whanalytics'"
    bpsql -At -c "SELECT 'triggers on webhook_events: ' || coalesce(string_agg(tgname, ', ' ORDER BY tgname), 'none')
                  FROM pg_trigger WHERE tgrelid = 'webhook_events'::regclass AND NOT tgisinternal"
    echo "cpus: $(nproc), memory: $(free -m | awk '/^Mem:/ {print $2}') MB"
    mpw=$(bval 'SHOW max_parallel_workers_per_gather')
    [[ $mpw == 2 ]] || log "warning: max_parallel_workers_per_gather is $mpw"
}

# Generate the data into webhook_events, then the same rows into bench_plain_events.
load_data() {
    bpsql -c 'CREATE TABLE bench_plain_events (LIKE webhook_events INCLUDING ALL)'
    log "generating $ROWS rows ($ORGS organizations, $DAYS days) into webhook_events (with maintenance)"
    log "and the same rows into bench_plain_events (without), batches interleaved"
    bpsql -c 'CHECKPOINT'
    bpsql -v rows="$ROWS" -v orgs="$ORGS" -v days="$DAYS" -v target=webhook_events,bench_plain_events \
        -f "$BENCH_DIR/generate.sql" 2>&1 | sed -u -e 's/^psql:[^ ]* NOTICE:  /    /' \
        || die "generating the data failed"
    log "VACUUM ANALYZE (so autovacuum does not run during the timings), CHECKPOINT"
    bpsql -c 'VACUUM (ANALYZE) webhook_events' -c 'VACUUM (ANALYZE) bench_plain_events' \
        -c 'VACUUM (ANALYZE) webhooks' -c 'CHECKPOINT'
    bpsql -P footer=off <<'SQL'
\echo '== data'
SELECT count(*) AS deliveries, count(DISTINCT organization_id) AS organizations,
       (SELECT count(*) FROM webhooks) AS webhooks,
       to_char(min(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS oldest_utc,
       to_char(max(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS newest_utc,
       pg_size_pretty(pg_total_relation_size('webhook_events')) AS table_size
FROM webhook_events;
SELECT round(100.0 * count(*) FILTER (WHERE response_status BETWEEN 200 AND 299) / count(*), 1) AS "2xx %",
       round(100.0 * count(*) FILTER (WHERE response_status BETWEEN 400 AND 499) / count(*), 1) AS "4xx %",
       round(100.0 * count(*) FILTER (WHERE response_status >= 500) / count(*), 1) AS "5xx %",
       round(100.0 * count(*) FILTER (WHERE response_status IS NULL) / count(*), 1) AS "NULL status %",
       round(100.0 * count(*) FILTER (WHERE retries > 0) / count(*), 1) AS "retried %",
       round(100.0 * count(*) FILTER (WHERE done = 0) / count(*), 1) AS "pending %",
       round(avg(pg_column_size(payload))) AS "avg payload bytes"
FROM webhook_events;
SQL
}

# The read scenarios, all in one backend; fails if any result differs.
run_scenarios() {
    log "loading test/plain_sql.sql, bench/scenarios.sql and bench/own_tables.sql"
    bpsql -f "$ROOT/test/plain_sql.sql" -f "$BENCH_DIR/scenarios.sql" -f "$BENCH_DIR/own_tables.sql"
    bpsql -c "CREATE TABLE bench_latency AS
              SELECT greatest(0, round(extract(epoch FROM first_sent_at - created_at) * 1000))::float8 AS ms
              FROM webhook_events WHERE first_sent_at IS NOT NULL" \
          -c 'VACUUM (ANALYZE) bench_latency'
    log "the user's own tables: a plain and a daily-partitioned copy of the rows, attached"
    bpsql -c 'SET client_min_messages = notice' -c 'CALL bench_own_tables_load()' 2>&1 \
        | sed -u -e 's/^psql:[^ ]* NOTICE:  /    /' -e 's/^NOTICE:  /    /'
    log "read scenarios: correctness check, then $RUNS timed runs per side (+1 warm-up), alternating"
    if ! bpsql -v runs="$RUNS" -v as_of="$AS_OF" -v workers="$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))" 2>&1 <<'SQL' | sed -u -e 's/^psql:[^ ]* NOTICE:  /    /' -e 's/^NOTICE:  /    /'
SET client_min_messages = notice;
SELECT 'VmRSS ' || substring(s FROM 'VmRSS:\s+(\d+ kB)') || ', RssAnon '
       || substring(s FROM 'RssAnon:\s+(\d+ kB)') || ', RssShmem ' || substring(s FROM 'RssShmem:\s+(\d+ kB)')
       || ', RssFile ' || substring(s FROM 'RssFile:\s+(\d+ kB)')
       || ', peak reset: ' || bench_reset_peak()::text AS probe
FROM pg_read_file('/proc/self/status') AS s \gset
\echo '    this backend before the scenarios:' :probe
CALL bench_json_scenarios(:runs, :'as_of');
CALL bench_rls_scenarios(:runs, :'as_of');
CALL bench_own_table_scenarios(:runs, :'as_of');
CALL bench_latency_scenarios(:runs, :workers);
SQL
    then
        die "read scenarios failed (see the MISMATCH / ERROR above)"
    fi
    measure_memory
}

# Peak private memory of one call per scenario and side, each in a new backend.
measure_memory() {
    local seq side
    log "peak memory: one call per scenario and side, each in a fresh backend"
    # (the RLS tenant and own-table scenarios are left out: a fresh backend
    # probes as the owner, on the extension's table)
    for seq in $(bval "SELECT seq FROM bench_scenario_results WHERE scenario NOT LIKE 'RLS tenant %'
                       AND scenario NOT LIKE 'own table %' AND scenario NOT LIKE 'partitioned %' ORDER BY seq"); do
        for side in plain ext; do
            bval "SELECT bench_mem_probe($seq, '$side', '$AS_OF')" >/dev/null
        done
    done
    MEM_BASELINE=$(bval "SELECT bench_mem_probe(min(seq), 'baseline', '$AS_OF') FROM bench_scenario_results")
}

# Print the table of read results.
print_read_results() {
    echo
    echo "== read scenarios (as_of $AS_OF; medians of $RUNS runs per side; ratio = plain / whanalytics)"
    bpsql -P footer=off <<'SQL'
SELECT scenario, rows_in_window AS "rows in window",
       round(plain_ms::numeric, 2) AS "plain ms", round(ext_ms::numeric, 2) AS "whanalytics ms",
       round(ratio::numeric, 2) AS ratio,
       round(peak_plain_mb::numeric, 1) AS "peak MB plain", round(peak_ext_mb::numeric, 1) AS "peak MB ext"
FROM bench_scenario_results ORDER BY seq;
SQL
    bpsql -At -c "SELECT scenario || ': ' || note FROM bench_scenario_results WHERE note IS NOT NULL ORDER BY seq"
    echo "(plain for latency = min/max/avg + percentile_cont. peak MB = peak private memory of a fresh"
    echo " backend making one call (VmHWM - RssShmem - RssFile), including the ${MEM_BASELINE:-?} MB any warmed-up"
    echo " backend holds; parallel workers' memory is not included)"
}

# Path of the server's log file if it is local and readable (postmaster's stderr), else empty.
server_log() {
    local dd pid f
    dd=$(bval 'SHOW data_directory' 2>/dev/null) || return 0
    [[ -r $dd/postmaster.pid ]] || return 0
    pid=$(head -n 1 "$dd/postmaster.pid")
    f=$(readlink "/proc/$pid/fd/2" 2>/dev/null) || return 0
    [[ -f $f && -r $f ]] && echo "$f"
    return 0
}

# One pgbench run against table $1 in round $3; appends "label table tps
# processed failed deadlocks server_deadlocks log_deadlocks inserted rc round"
# to $RESULTS and shows pgbench's summary.
run_writers() {
    local table=$1 label=$2 round=$3 out rc=0 tps processed failed dl sdl0 sdl1 inserted before logf logsz0=0 logdl=-
    bpsql -c 'CHECKPOINT'
    before=$(bval "SELECT count(*) FROM $table WHERE resource_id = 'pgbench'")
    logf=$(server_log)
    [[ -n $logf ]] && logsz0=$(stat -c %s "$logf")
    sdl0=$(bval "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
    log "round $round/$WRITE_ROUNDS, pgbench: $WRITERS clients, ${WRITE_SECONDS}s, against $table ($label)"
    out=$("$PG_BIN/pgbench" -n -c "$WRITERS" -j 2 -T "$WRITE_SECONDS" --failures-detailed \
              -f "$BENCH_DIR/writers.pgbench" -D target="$table" "$DB" 2>&1) || rc=$?
    grep -E '^(number of|latency average|tps|pgbench:)|aborted|error' <<<"$out" | sed 's/^/    /' | head -n 20
    sleep 1   # let exiting backends flush their statistics
    sdl1=$(bval "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
    tps=$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' <<<"$out" | head -n 1)
    processed=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' <<<"$out")
    failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' <<<"$out")
    dl=$(sed -nE 's/^number of deadlock failures: ([0-9]+).*/\1/p' <<<"$out")
    inserted=$(( $(bval "SELECT count(*) FROM $table WHERE resource_id = 'pgbench'") - before ))
    if [[ -n $logf ]]; then
        logdl=$(tail -c +"$((logsz0 + 1))" "$logf" | grep -c 'deadlock detected' || true)
    fi
    echo "$label $table ${tps:-0} ${processed:-0} ${failed:-0} ${dl:-0} $((sdl1 - sdl0)) $logdl ${inserted:-0} $rc $round" >>"$RESULTS"
}

# The write benchmarks: bulk insert times (from load_data) and pgbench with/without.
run_write_bench() {
    RESULTS=$(mktemp "${TMPDIR:-/tmp}/whanalytics-bench.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -f '$RESULTS'" EXIT
    local round
    if ((!SKIP_WRITES)); then
        for ((round = 1; round <= WRITE_ROUNDS; round++)); do
            if ((round % 2 == 1)); then
                run_writers bench_plain_events without "$round"
                run_writers webhook_events with "$round"
            else
                run_writers webhook_events with "$round"
                run_writers bench_plain_events without "$round"
            fi
        done
    fi
    print_write_results
}

# Print the table of write results; fail if a row was lost or pgbench aborted.
print_write_results() {
    local bw bwo bad=0 label table tps processed failed dl sdl logdl inserted rc round tps_w tps_wo
    bw=$(bval "SELECT value FROM bench_results WHERE metric = 'bulk_insert_s:webhook_events'")
    bwo=$(bval "SELECT value FROM bench_results WHERE metric = 'bulk_insert_s:bench_plain_events'")
    echo
    echo "== writes (with = webhook_events and the extension's maintenance; without = bench_plain_events, no triggers)"
    printf '%-40s %14s %14s %10s\n' "measurement" "with" "without" "slowdown"
    printf '%-40s %14.2f %14.2f %9.2fx\n' "bulk insert of $ROWS rows (s)" "$bw" "$bwo" \
        "$(awk -v a="$bw" -v b="$bwo" 'BEGIN { print (b > 0 ? a / b : 0) }')"
    if ((SKIP_WRITES)); then
        echo "(concurrent writers skipped: --skip-writes)"
        return 0
    fi
    tps_w=$(awk '$1 == "with" { print $3 }' "$RESULTS" | median)
    tps_wo=$(awk '$1 == "without" { print $3 }' "$RESULTS" | median)
    printf '%-40s %14.1f %14.1f %9.2fx\n' "pgbench $WRITERS writers (median TPS of $WRITE_ROUNDS x ${WRITE_SECONDS}s)" \
        "${tps_w:-0}" "${tps_wo:-0}" "$(awk -v a="$tps_w" -v b="$tps_wo" 'BEGIN { print (a > 0 ? b / a : 0) }')"
    echo
    printf '%-6s %-8s %-19s %9s %10s %7s %10s %12s %10s %9s %s\n' "round" "run" "table" "TPS" "processed" \
        "failed" "deadlocks" "pg_stat dl" "log dl" "inserted" "lost"
    while read -r label table tps processed failed dl sdl logdl inserted rc round; do
        local lost=$((processed - inserted)) verdict=ok
        if ((lost != 0 || rc != 0)); then
            verdict="LOST/EXTRA ROWS OR PGBENCH FAILED (rc $rc)"
            bad=1
        fi
        printf '%-6s %-8s %-19s %9.1f %10s %7s %10s %12s %10s %9s %s\n' "$round" "$label" "$table" "$tps" \
            "$processed" "$failed" "$dl" "$sdl" "$logdl" "$inserted" "$lost ($verdict)"
    done <"$RESULTS"
    echo "(processed = pgbench's committed transactions, each inserting one row marked resource_id = 'pgbench';"
    echo " inserted = such rows found afterwards; deadlocks from pgbench, pg_stat_database and the server log)"
    ((bad == 0)) || die "concurrent writers: rows lost or pgbench failed"
}

# After the writers: the extension must still agree with plain SQL on every scenario.
recheck_after_writes() {
    ((SKIP_WRITES)) && return 0
    log "re-checking every scenario after the concurrent writes"
    bpsql -c "DO \$\$
        DECLARE sc record; n integer := 0;
        BEGIN
            FOR sc IN SELECT * FROM bench_scenario_list() LOOP
                PERFORM bench_check_equal(sc.org, sc.period, '$AS_OF', sc.label);
                n := n + 1;
            END LOOP;
            RAISE NOTICE '% scenarios: same jsonb from both after the writes', n;
        END \$\$" 2>&1 | sed -u -e 's/^NOTICE:  /    /' \
        || die "the extension and plain SQL disagree after the concurrent writes"
}

# One round of reads after a write history: each scenario as the writes
# left the summaries, then after webhook_summaries_compact() (what a manual
# upkeep would give); ratio = as left / compacted.
history_round() {
    local what=$1
    echo
    echo "== reads after $what (medians of $RUNS runs; ratio = as left / compacted)"
    bpsql -P footer=off <<SQL
CREATE TEMP TABLE history_reads AS
SELECT sc.label, (SELECT count(*) FROM webhook_event_summaries) AS summary_rows,
       (bench_time_pair(sc.org, sc.period, '$AS_OF', $RUNS, false)).ext_ms AS as_left_ms
FROM bench_scenario_list() sc;
SELECT webhook_summaries_compact() AS days_compacted \gset
SELECT h.label AS scenario, h.summary_rows AS "summary rows as left",
       (SELECT count(*) FROM webhook_event_summaries) AS "after compact",
       round(h.as_left_ms::numeric, 2) AS "as left ms",
       round(c.ms::numeric, 2) AS "compacted ms", round((h.as_left_ms / c.ms)::numeric, 2) AS ratio
FROM history_reads h
JOIN LATERAL (SELECT (bench_time_pair(sc.org, sc.period, '$AS_OF', $RUNS, false)).ext_ms AS ms
              FROM bench_scenario_list() sc WHERE sc.label = h.label) c ON true;
SQL
}

# Read cost after the write history, without manual upkeep: first as the
# bulk load and the pgbench writers left it; then after 100,000 more
# single-row writes spread over all 30 days (bench/spread_writes.pgbench,
# the worst case: every write lands on another organization and day).
reads_after_writes() {
    ((SKIP_WRITES)) && return 0
    log "read cost after the writes: as left by the writers, then after webhook_summaries_compact()"
    history_round "the bulk load and the pgbench writers"
    log "100000 single-row writes spread over the 30 days (pgbench, $WRITERS clients)"
    "$PG_BIN/pgbench" -n -q -f "$BENCH_DIR/spread_writes.pgbench" -D target=webhook_events \
        -c "$WRITERS" -j 2 -t $(( 100000 / WRITERS )) "$DB" >/dev/null 2>&1 \
        || die "the spread single-row writes failed"
    history_round "100000 single-row writes spread over the 30 days"
}

# The whole benchmark, against the server in the PG* environment.
bench_here() {
    local t0 t1
    t0=$(now_s)
    echo "== whanalytics benchmark: rows $ROWS, orgs $ORGS, days $DAYS, runs $RUNS (+1 warm-up), writers $WRITERS x ${WRITE_SECONDS}s x $WRITE_ROUNDS rounds per side$( ((SKIP_WRITES)) && echo ', writes skipped')"
    setup_db
    load_data
    run_scenarios
    print_read_results
    run_write_bench
    recheck_after_writes
    reads_after_writes
    t1=$(now_s)
    echo
    echo "== total benchmark time: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') s"
}

# Entry point: parse options, then run here or inside a throwaway cluster.
main() {
    parse_args "$@"
    ensure_pgbench
    [[ -x $PG_BIN/psql ]] || die "psql not found in $PG_BIN"
    if [[ -n ${PGHOST:-} || -n ${PGPORT:-} ]]; then
        bench_here
    else
        command -v pg_virtualenv >/dev/null 2>&1 || die "pg_virtualenv not found (package postgresql-common)"
        # pg_virtualenv turns fsync off; put the default (on) back.
        log "starting a throwaway PostgreSQL $PG_MAJOR cluster (shared_buffers = 512MB, max_parallel_workers_per_gather = 2)"
        local args
        mapfile -t args < <(args_again)
        pg_virtualenv -t -v "$PG_MAJOR" -c '--locale=C.UTF-8 --encoding=UTF8' \
            -o shared_buffers=512MB -o max_parallel_workers_per_gather=2 -o fsync=on \
            "$BENCH_DIR/bench.sh" "${args[@]}"
    fi
}

main "$@"
