#!/usr/bin/env bash
# bench.sh - benchmark of the whanalytics extension against plain SQL.
#
#   bench/bench.sh [--rows N] [--orgs N] [--days N] [--runs N]
#                  [--writers N] [--write-seconds N] [--write-rounds N] [--skip-writes]
#                  [--read-seconds N] [--read-clients "1 8 32"] [--skip-concurrent]
#                  [--skip-statement-writes] [--skip-coordinator] [--only-coordinator]
#
# Three sides, side by side: the extension ("ext": webhook_events and its
# summaries), the best hand-written precomputed alternative ("rollup":
# bench/rollup.sql, an hourly rollup kept by statement triggers with
# transition tables on its own copy bench_rollup_events) and plain SQL
# ("plain": test/plain_sql.sql; it reads webhook_events, and
# bench_plain_events is its trigger-less copy for the writes).
#
# 1. Generates a realistic delivery table (bench/generate.sql: Zipf-sized
#    organizations, status/retry/latency mix, payloads) into the extension's
#    webhook_events ("with maintenance") and the same rows into
#    bench_rollup_events (with the rollup's triggers) and into a plain copy
#    bench_plain_events (LIKE webhook_events INCLUDING ALL: no triggers),
#    batch by batch, rotating which table goes first, timing each table's
#    bulk insert.
# 2. Read scenarios (bench/scenarios.sql, bench/own_tables.sql), all in one
#    backend: the extension vs the rollup vs test/plain_sql.sql for the
#    largest and the median organization (and the extension vs plain SQL as
#    a tenant under row-level security, and on plain and daily-partitioned
#    copies of the rows attached as the user's own), and
#    webhook_latency_percentiles vs percentile_cont (serial and parallel).
#    The extension and the rollup must each return the same result as plain
#    SQL first, or the run fails.
# 3. Concurrent writers (bench/writers.pgbench): pgbench against each table,
#    in rounds that rotate which table goes first (a CHECKPOINT before
#    each run), so drift and checkpoints do not favour one side; the median
#    TPS of each side, failed transactions, deadlocks, and a check that no
#    row was lost. Then reads after the write history: each scenario as the
#    bulk load and the writers left the summaries against a compacted copy
#    of the database, alternately; again after 100,000 single-row writes
#    spread over the 30 days.
# 4. Concurrent reads (bench/reads_{ext,rollup,plain}.pgbench, -M prepared):
#    pgbench readers of the largest and the median organization at last_day
#    and last_30_days, at 1, 8 and 32 clients, each side in turn; then again
#    with --writers pgbench writers against that side's table in the
#    background. TPS and p95 latency (from pgbench's per-transaction logs).
# 5. Statement writes (bench/writes.sql): an UPDATE of 100,000 contiguous
#    rows, a DELETE of the 100,000 oldest and an INSERT of them again, on each
#    table (the update is undone untimed, the insert restores the deleted
#    rows), in --statement-rounds rounds: the median time of each, and the
#    rollup's extra time over the extension's; then every scenario is checked
#    again.
#
# PostgreSQL's programs come from $PG_BIN, else from `pg_config --bindir` of
# the pg_config first in PATH (when it is PostgreSQL 15), else from
# /usr/lib/postgresql/15/bin.
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
PG_BIN_DEFAULT="/usr/lib/postgresql/${PG_MAJOR}/bin"
if [[ -z ${PG_BIN:-} ]]; then
    if command -v pg_config >/dev/null 2>&1 && [[ $(pg_config --version 2>/dev/null) == "PostgreSQL ${PG_MAJOR}."* ]]; then
        PG_BIN=$(pg_config --bindir)
    else
        PG_BIN=$PG_BIN_DEFAULT
    fi
fi
DB=whanalytics_bench
AS_OF='2025-12-31 21:37:13+00'
DATA_END='2026-01-01 00:00:00+00'

ROWS=1000000
ORGS=100
DAYS=30
RUNS=7
HISTORY_CALLS=15      # calls each fresh backend times in a read-after-history run (their median)
WRITERS=8
WRITE_SECONDS=10
WRITE_ROUNDS=5
SKIP_WRITES=0
READ_SECONDS=2
READ_CLIENTS="1 8 32"
SKIP_CONCURRENT=0
SKIP_STATEMENT_WRITES=0
SKIP_COORDINATOR=0
ONLY_COORDINATOR=0
STATEMENT_ROWS=100000
STATEMENT_ROUNDS=3    # rounds of the statement writes (each statement once per table); medians reported
BG_PIDS=()            # background pgbench writers, ended on exit
TMP_FILES=()          # temporary files and directories, removed on exit

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
  --read-seconds N   duration of each concurrent-reads pgbench run [$READ_SECONDS]
  --read-clients L   reader client counts, space-separated ["$READ_CLIENTS"]
  --skip-concurrent  skip the concurrent-reads part
  --statement-rounds N  rounds of the 100,000-row statements, medians reported [$STATEMENT_ROUNDS]
  --skip-statement-writes  skip the 100,000-row UPDATE / DELETE / INSERT part
  --skip-coordinator skip the postgres_fdw coordinator part
  --only-coordinator load the data, then run the coordinator part alone
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
            --read-seconds) READ_SECONDS=${2:?--read-seconds needs a value}; shift 2 ;;
            --read-clients) READ_CLIENTS=${2:?--read-clients needs a value}; shift 2 ;;
            --skip-concurrent) SKIP_CONCURRENT=1; shift ;;
            --statement-rounds) STATEMENT_ROUNDS=${2:?--statement-rounds needs a value}; shift 2 ;;
            --skip-statement-writes) SKIP_STATEMENT_WRITES=1; shift ;;
            --skip-coordinator) SKIP_COORDINATOR=1; shift ;;
            --only-coordinator) ONLY_COORDINATOR=1; shift ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; die "unknown option: $1" ;;
        esac
    done
    local v
    # shellcheck disable=SC2086
    for v in "$ROWS" "$ORGS" "$DAYS" "$RUNS" "$WRITERS" "$WRITE_SECONDS" "$WRITE_ROUNDS" \
             "$READ_SECONDS" "$STATEMENT_ROUNDS" $READ_CLIENTS; do
        [[ $v =~ ^[1-9][0-9]*$ ]] || die "not a positive integer: $v"
    done
}

# The options as arguments again, to pass on when re-running inside a cluster.
args_again() {
    local a=(--rows "$ROWS" --orgs "$ORGS" --days "$DAYS" --runs "$RUNS"
             --writers "$WRITERS" --write-seconds "$WRITE_SECONDS" --write-rounds "$WRITE_ROUNDS"
             --read-seconds "$READ_SECONDS" --read-clients "$READ_CLIENTS"
             --statement-rounds "$STATEMENT_ROUNDS")
    ((SKIP_WRITES)) && a+=(--skip-writes)
    ((SKIP_CONCURRENT)) && a+=(--skip-concurrent)
    ((SKIP_STATEMENT_WRITES)) && a+=(--skip-statement-writes)
    ((SKIP_COORDINATOR)) && a+=(--skip-coordinator)
    ((ONLY_COORDINATOR)) && a+=(--only-coordinator)
    printf '%s\n' "${a[@]}"
}

# End the background pgbench writers this script started and remove its
# temporary files (the EXIT trap).
cleanup() {
    stop_bg_writers
    ((${#TMP_FILES[@]} == 0)) || rm -rf "${TMP_FILES[@]}"
}
trap cleanup EXIT
trap 'exit 143' TERM INT   # so that cleanup runs on a kill too

# Install pgbench (package postgresql-client-15) if it is missing.
ensure_pgbench() {
    [[ -x $PG_BIN/pgbench ]] && return 0
    [[ $PG_BIN == "$PG_BIN_DEFAULT" ]] || die "pgbench not found in $PG_BIN"
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

# Generate the data into webhook_events, and the same rows into
# bench_rollup_events (bench/rollup.sql: the rollup's triggers) and bench_plain_events.
load_data() {
    local same
    bpsql -c 'CREATE TABLE bench_plain_events (LIKE webhook_events INCLUDING ALL)'
    bpsql -f "$BENCH_DIR/rollup.sql"
    log "generating $ROWS rows ($ORGS organizations, $DAYS days) into webhook_events (with maintenance)"
    log "and the same rows into bench_rollup_events (rollup triggers) and bench_plain_events (none), batches interleaved"
    bpsql -c 'CHECKPOINT'
    bpsql -v rows="$ROWS" -v orgs="$ORGS" -v days="$DAYS" \
        -v target=webhook_events,bench_rollup_events,bench_plain_events \
        -f "$BENCH_DIR/generate.sql" 2>&1 | sed -u -e 's/^psql:[^ ]* NOTICE:  /    /' \
        || die "generating the data failed"
    # The three copies must hold the same rows, ids included (last_events shows them).
    same=$(bval "SELECT count(DISTINCT h) FROM (
                     SELECT (SELECT sum(hashtextextended(t::text, 0)::numeric) FROM webhook_events t) AS h
                     UNION ALL SELECT (SELECT sum(hashtextextended(t::text, 0)::numeric) FROM bench_rollup_events t)
                     UNION ALL SELECT (SELECT sum(hashtextextended(t::text, 0)::numeric) FROM bench_plain_events t)) x")
    [[ $same == 1 ]] || die "the three tables do not hold the same rows"
    log "VACUUM ANALYZE (so autovacuum does not run during the timings), CHECKPOINT"
    bpsql -c 'VACUUM (ANALYZE) webhook_events' -c 'VACUUM (ANALYZE) bench_plain_events' \
        -c 'VACUUM (ANALYZE) bench_rollup_events' -c 'VACUUM (ANALYZE) bench_rollup_hourly' \
        -c 'VACUUM (ANALYZE) webhooks' -c 'CHECKPOINT'
    bpsql -P footer=off <<'SQL'
\echo '== data'
SELECT count(*) AS deliveries, count(DISTINCT organization_id) AS organizations,
       (SELECT count(*) FROM webhooks) AS webhooks,
       to_char(min(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS oldest_utc,
       to_char(max(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS newest_utc,
       pg_size_pretty(pg_total_relation_size('webhook_events')) AS table_size,
       (SELECT count(*) FROM bench_rollup_hourly) AS rollup_rows,
       pg_size_pretty(pg_total_relation_size('bench_rollup_hourly')) AS rollup_size
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
CALL bench_include_scenarios(:runs, :'as_of');
CALL bench_series_scenarios(:runs, :'as_of');
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
        if [[ $(bval "SELECT rollup_ms IS NOT NULL FROM bench_scenario_results WHERE seq = $seq") == t ]]; then
            bval "SELECT bench_mem_probe($seq, 'rollup', '$AS_OF')" >/dev/null
        fi
    done
    MEM_BASELINE=$(bval "SELECT bench_mem_probe(min(seq), 'baseline', '$AS_OF') FROM bench_scenario_results")
}

# Print the table of read results.
print_read_results() {
    echo
    echo "== read scenarios (as_of $AS_OF; medians of $RUNS runs per side; ratios = rollup / whanalytics, plain / whanalytics)"
    bpsql -P footer=off <<'SQL'
SELECT scenario, rows_in_window AS "rows in window",
       round(ext_ms::numeric, 2) AS "whanalytics ms", round(rollup_ms::numeric, 2) AS "rollup ms",
       round(plain_ms::numeric, 2) AS "plain ms",
       round(rollup_ratio::numeric, 2) AS "rollup/ext", round(ratio::numeric, 2) AS "plain/ext",
       round(peak_ext_mb::numeric, 1) AS "peak MB ext", round(peak_rollup_mb::numeric, 1) AS "peak MB rollup",
       round(peak_plain_mb::numeric, 1) AS "peak MB plain"
FROM bench_scenario_results ORDER BY seq;
SQL
    bpsql -At -c "SELECT scenario || ': ' || note FROM bench_scenario_results WHERE note IS NOT NULL ORDER BY seq"
    echo
    echo "== include (SPEC 5.1): every part, against the same call without include and the oracle with every part"
    bpsql -P footer=off <<'SQL'
SELECT scenario, round(ext_ms::numeric, 2) AS "without ms", round(ext_include_ms::numeric, 2) AS "with ms",
       round(plain_include_ms::numeric, 2) AS "plain with ms",
       round((ext_include_ms / nullif(ext_ms, 0))::numeric, 2) AS "with/without",
       round((plain_include_ms / nullif(ext_include_ms, 0))::numeric, 2) AS "plain/with"
FROM bench_include_results ORDER BY seq;
SQL
    echo
    echo "== webhook_metrics_series (SPEC 5.2) against plain SQL (date_bin, percentile_cont, GROUP BY)"
    bpsql -P footer=off <<'SQL'
SELECT scenario, rows_out AS "rows", round(ext_ms::numeric, 2) AS "whanalytics ms",
       round(plain_ms::numeric, 2) AS "plain ms", round((plain_ms / nullif(ext_ms, 0))::numeric, 2) AS "plain/ext"
FROM bench_series_results ORDER BY seq;
SQL
    echo "(rollup = bench/rollup.sql: hourly rollup rows plus the rows of the two partial edge hours, on"
    echo " bench_rollup_events; not timed as the RLS tenant, it has no row-level security."
    echo " plain for latency = min/max/avg + percentile_cont. peak MB = peak private memory of a fresh"
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

# The write benchmarks: bulk insert times (from load_data) and pgbench
# against the three tables, rotating which goes first.
run_write_bench() {
    RESULTS=$(mktemp "${TMPDIR:-/tmp}/whanalytics-bench.XXXXXX")
    TMP_FILES+=("$RESULTS")
    local round k
    local tables=(bench_plain_events webhook_events bench_rollup_events) labels=(without with rollup)
    if ((!SKIP_WRITES)); then
        for ((round = 1; round <= WRITE_ROUNDS; round++)); do
            for k in 0 1 2; do
                local i=$(((k + round - 1) % 3))
                run_writers "${tables[i]}" "${labels[i]}" "$round"
            done
        done
    fi
    print_write_results
}

# Print each round's slowdown of side $1 (with or rollup): its TPS without / its TPS.
round_slowdowns() {
    awk -v side="$1" '{ tps[$11, $1] = $3; rounds[$11] = 1 }
        END { for (r in rounds) if (tps[r, side] > 0) print tps[r, "without"] / tps[r, side] }' "$RESULTS"
}

# Print the table of write results; fail if a row was lost or pgbench aborted.
print_write_results() {
    local bw br bwo bad=0 label table tps processed failed dl sdl logdl inserted rc round tps_w tps_r tps_wo
    bw=$(bval "SELECT value FROM bench_results WHERE metric = 'bulk_insert_s:webhook_events'")
    br=$(bval "SELECT value FROM bench_results WHERE metric = 'bulk_insert_s:bench_rollup_events'")
    bwo=$(bval "SELECT value FROM bench_results WHERE metric = 'bulk_insert_s:bench_plain_events'")
    echo
    echo "== writes (with = webhook_events and the extension's maintenance; rollup = bench_rollup_events and the"
    echo "   rollup's statement triggers; without = bench_plain_events, no triggers; slowdown = against without)"
    printf '%-40s %10s %10s %10s %12s %14s\n' "measurement" "with" "rollup" "without" "with slowdn" "rollup slowdn"
    printf '%-40s %10.2f %10.2f %10.2f %11.2fx %13.2fx\n' "bulk insert of $ROWS rows (s)" "$bw" "$br" "$bwo" \
        "$(awk -v a="$bw" -v b="$bwo" 'BEGIN { print (b > 0 ? a / b : 0) }')" \
        "$(awk -v a="$br" -v b="$bwo" 'BEGIN { print (b > 0 ? a / b : 0) }')"
    if ((SKIP_WRITES)); then
        echo "(concurrent writers skipped: --skip-writes)"
        return 0
    fi
    tps_w=$(awk '$1 == "with" { print $3 }' "$RESULTS" | median)
    tps_r=$(awk '$1 == "rollup" { print $3 }' "$RESULTS" | median)
    tps_wo=$(awk '$1 == "without" { print $3 }' "$RESULTS" | median)
    printf '%-40s %10.1f %10.1f %10.1f %11.2fx %13.2fx\n' "pgbench $WRITERS writers (median TPS of $WRITE_ROUNDS x ${WRITE_SECONDS}s)" \
        "${tps_w:-0}" "${tps_r:-0}" "${tps_wo:-0}" \
        "$(awk -v a="$tps_w" -v b="$tps_wo" 'BEGIN { print (a > 0 ? b / a : 0) }')" \
        "$(awk -v a="$tps_r" -v b="$tps_wo" 'BEGIN { print (a > 0 ? b / a : 0) }')"
    # each round's own slowdown (its three runs back to back, so slow drift
    # of the machine falls on all of them), and the median of those
    printf '%-40s %10s %10s %10s %11.2fx %13.2fx\n' "  median of the rounds' own slowdowns" "" "" "" \
        "$(round_slowdowns with | median)" "$(round_slowdowns rollup | median)"
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
# (The rollup is checked against plain SQL over its own rows, bench_rollup_events:
# the writers' rows differ between the tables.)
recheck_after_writes() {
    ((SKIP_WRITES)) && return 0
    recheck_all "the concurrent writes"
}

# Check every scenario again after $1: the extension against plain SQL, and
# the rollup against plain SQL over bench_rollup_events.
recheck_all() {
    log "re-checking every scenario after $1"
    bpsql -c "DO \$\$
        DECLARE sc record; n integer := 0;
        BEGIN
            FOR sc IN SELECT * FROM bench_scenario_list() LOOP
                PERFORM bench_check_equal(sc.org, sc.period, '$AS_OF', sc.label);
                PERFORM bench_check_rollup_own_rows(sc.org, sc.period, '$AS_OF', sc.label);
                n := n + 1;
            END LOOP;
            RAISE NOTICE '% scenarios: same jsonb from the extension and plain SQL, and from the rollup and plain SQL over its rows, after $1', n;
        END \$\$" 2>&1 | sed -u -e 's/^NOTICE:  /    /' \
        || die "a side disagrees with plain SQL after $1"
}

# One round of reads after a write history: each scenario as the writes
# left the summaries and after webhook_summaries_compact() (what a manual
# upkeep would give), side by side: the compacted state is a copy of the
# database (CREATE DATABASE ... TEMPLATE) compacted there, and the two are
# timed alternately, a fresh backend per database and run, so that this
# machine's drift over seconds does not fall on one side; each backend
# times $HISTORY_CALLS calls after a warm-up and gives their median (one call of
# 0.1 ms varied by half between runs), and the side's figure is the median
# of those; ratio = as left / compacted. The benchmark's database is compacted afterwards, as the
# copy was.
history_round() {
    local what=$1 copy="${DB}_compacted" times r side label ms need free
    times=$(mktemp "${TMPDIR:-/tmp}/whanalytics-history.XXXXXX")
    TMP_FILES+=("$times")
    echo
    echo "== reads after $what (medians of $RUNS alternating runs, each side in a fresh backend timing $HISTORY_CALLS calls; ratio = as left / compacted)"
    bpsql -c "DROP DATABASE IF EXISTS $copy"
    # The copy is as big as the database: leave a fifth of it spare (when
    # the data directory is on this machine and readable to know).
    need=$(bval "SELECT pg_database_size(current_database())")
    free=$(df --output=avail -B1 "$(bval 'SHOW data_directory' 2>/dev/null)" 2>/dev/null | tail -n 1) || free=
    if [[ $free =~ ^[0-9]+$ ]] && ((free < need + need / 5)); then
        echo "skipped: the compacted copy needs $((need / 1073741824 + 1)) GB and $((free / 1073741824)) GB are free"
        return 0
    fi
    bpsql -c "CREATE DATABASE $copy TEMPLATE $DB STRATEGY FILE_COPY"
    "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$copy" -c 'SELECT webhook_summaries_compact()' >/dev/null
    bpsql -c 'CHECKPOINT'
    for ((r = 1; r <= RUNS; r++)); do
        for side in "$DB" "$copy"; do
            "$PG_BIN/psql" -X -q -At -F ' ' -v ON_ERROR_STOP=1 -d "$side" -c \
                "SELECT '$side', replace(sc.label, ' ', '~'), (bench_time_pair(sc.org, sc.period, '$AS_OF', $HISTORY_CALLS, false)).ext_ms
                 FROM bench_scenario_list() sc" >>"$times"
        done
    done
    printf '%-26s %21s %14s %11s %13s %6s\n' scenario "summary rows as left" "after compact" "as left ms" "compacted ms" ratio
    while read -r label; do
        local left compacted
        left=$(awk -v d="$DB" -v l="$label" '$1 == d && $2 == l { print $3 }' "$times" | median)
        compacted=$(awk -v d="$copy" -v l="$label" '$1 == d && $2 == l { print $3 }' "$times" | median)
        printf '%-26s %21s %14s %11.2f %13.2f %6.2f\n' "${label//\~/ }" \
            "$(bval 'SELECT count(*) FROM webhook_event_summaries')" \
            "$("$PG_BIN/psql" -X -q -At -d "$copy" -c 'SELECT count(*) FROM webhook_event_summaries')" \
            "$left" "$compacted" "$(awk -v a="$left" -v b="$compacted" 'BEGIN { print (b > 0 ? a / b : 0) }')"
    done < <(awk -v d="$DB" '$1 == d { print $2 }' "$times" | awk '!seen[$0]++')
    bpsql -c "DROP DATABASE $copy"
    bval 'SELECT webhook_summaries_compact()' >/dev/null
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
    "$PG_BIN/pgbench" -n -f "$BENCH_DIR/spread_writes.pgbench" -D target=webhook_events \
        -c "$WRITERS" -j 2 -t $(( 100000 / WRITERS )) "$DB" >/dev/null 2>&1 \
        || die "the spread single-row writes failed"
    history_round "100000 single-row writes spread over the 30 days"
}

# p95 (nearest rank) of the per-transaction latencies in ms of the pgbench
# logs named $1.* (column 3: microseconds), and how many there were: "p95 n".
log_p95() {
    cat "$1".* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ { print $3 }' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) { print "0 0"; exit }
                                  i = int(0.95 * NR); if (i < 0.95 * NR) i++; if (i < 1) i = 1
                                  printf "%.2f %d\n", v[i] / 1000, NR }'
}

# Start $WRITERS pgbench writers against table $1 in the background (until
# stop_bg_writers); their pid is in BG_PIDS.
start_bg_writers() {
    "$PG_BIN/pgbench" -n -c "$WRITERS" -j 2 -T 100000 -f "$BENCH_DIR/writers.pgbench" \
        -D target="$1" "$DB" >"$CONC_DIR/writers.out" 2>&1 &
    BG_PIDS+=($!)
    sleep 1   # let them connect and get going
}

# End the background writers.
stop_bg_writers() {
    local pid
    for pid in "${BG_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true   # (SIGINT is ignored by background jobs)
        wait "$pid" 2>/dev/null || true
    done
    BG_PIDS=()
}

# One concurrent-reads run: side $1 (ext, rollup, plain), organization label
# $2 and id $3, period $4, clients $5, background writers $6 (0 or $WRITERS);
# appends "writers which period clients side tps p95 n rc" to $CONC_RESULTS.
run_readers() {
    local side=$1 which=$2 org=$3 period=$4 clients=$5 writers=$6 out rc=0 tps p95n days
    local table=webhook_events prefix="$CONC_DIR/log.$side.$which.$period.$clients.$writers"
    # the writers go to the side's own table: the plain side's is its trigger-less copy
    case $side in rollup) table=bench_rollup_events ;; plain) table=bench_plain_events ;; esac
    days=$(bval "SELECT bench_period_days('$period')")
    bpsql -c 'CHECKPOINT'
    ((writers == 0)) || start_bg_writers "$table"
    out=$("$PG_BIN/pgbench" -n -M prepared -c "$clients" -j 2 -T "$READ_SECONDS" \
              -f "$BENCH_DIR/reads_$side.pgbench" -D org="$org" -D period="$period" \
              -D as_of="$AS_OF" -D days="$days" --log --log-prefix="$prefix" "$DB" 2>&1) || rc=$?
    ((writers == 0)) || stop_bg_writers
    tps=$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' <<<"$out" | head -n 1)
    p95n=$(log_p95 "$prefix")
    rm -f "$prefix".*
    if ((rc != 0)); then
        grep -E 'error|abort' <<<"$out" | head -n 5 | sed 's/^/    /' >&2
    fi
    log "  $side $which $period, $clients clients, $writers writers: ${tps:-0} TPS, p95 ${p95n% *} ms (${p95n#* } transactions)"
    echo "$writers $which $period $clients $side ${tps:-0} $p95n $rc" >>"$CONC_RESULTS"
}

# Concurrent reads: each scenario, client count and side in turn (the order of
# the sides rotating), without and then with background writers.
run_concurrent_reads() {
    ((SKIP_CONCURRENT)) && return 0
    CONC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/whanalytics-reads.XXXXXX")
    CONC_RESULTS="$CONC_DIR/results"
    TMP_FILES+=("$CONC_DIR")
    : >"$CONC_RESULTS"
    local writers which org period clients k n=0 sides=(ext rollup plain)
    log "concurrent reads: pgbench -M prepared, ${READ_SECONDS}s per run, clients $READ_CLIENTS, without and with $WRITERS writers"
    for writers in 0 "$WRITERS"; do
        while read -r which org; do
            for period in last_day last_30_days; do
                for clients in $READ_CLIENTS; do
                    for k in 0 1 2; do
                        run_readers "${sides[(k + n) % 3]}" "$which" "$org" "$period" "$clients" "$writers"
                    done
                    n=$((n + 1))
                done
            done
        done < <(bval "SELECT which || ' ' || organization_id FROM bench_scenario_orgs() ORDER BY which")
    done
    print_concurrent_results
}

# Print the table of concurrent reads; fail if a pgbench run failed.
print_concurrent_results() {
    echo
    echo "== concurrent reads (pgbench -M prepared -j 2, ${READ_SECONDS}s per run; writers = pgbench writers on the"
    echo "   side's own table meanwhile; TPS ratio = ext / rollup and ext / plain; p95 in ms)"
    printf '%-22s %7s %7s %9s %9s %9s %9s %9s %9s %10s %10s\n' "scenario" "clients" "writers" \
        "TPS ext" "rollup" "plain" "p95 ext" "rollup" "plain" "ext/rollup" "ext/plain"
    awk '
        { key = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4
          if (!(key in seen)) { seen[key] = 1; order[++n] = key }
          tps[key, $5] = $6; p95[key, $5] = $7; cnt[key, $5] = $8; if ($9 != 0) bad = 1 }
        END {
          for (i = 1; i <= n; i++) {
            split(order[i], f, SUBSEP)
            k = order[i]
            printf "%-22s %7s %7s %9.1f %9.1f %9.1f %9.2f %9.2f %9.2f %9.2fx %9.2fx\n",
                f[2] " " f[3], f[4], f[1], tps[k, "ext"], tps[k, "rollup"], tps[k, "plain"],
                p95[k, "ext"], p95[k, "rollup"], p95[k, "plain"],
                (tps[k, "rollup"] > 0 ? tps[k, "ext"] / tps[k, "rollup"] : 0),
                (tps[k, "plain"] > 0 ? tps[k, "ext"] / tps[k, "plain"] : 0)
          }
          exit bad
        }' "$CONC_RESULTS" || die "concurrent reads: a pgbench run failed"
    echo "(each run: one pgbench per side and count, TPS over the run including transactions still running at"
    echo " its end; p95 = nearest-rank 95th percentile of the per-transaction latencies of pgbench --log)"
}

# Statement writes: $STATEMENT_ROUNDS rounds, each of which runs every
# operation once on each table (the tables in turn, rotating by operation and
# round), a CHECKPOINT before each timed statement, the update undone after
# each table and the delete by the insert that follows; reported as each
# (operation, table)'s median time.
run_statement_writes() {
    ((SKIP_STATEMENT_WRITES)) && return 0
    local n=$((ROWS / 4 < STATEMENT_ROWS ? ROWS / 4 : STATEMENT_ROWS)) op k i ms round
    local tables=(webhook_events bench_rollup_events bench_plain_events)
    log "statement writes: UPDATE, DELETE, INSERT of $n rows on each table, $STATEMENT_ROUNDS rounds"
    bpsql -f "$BENCH_DIR/writes.sql"
    for i in 0 1 2; do
        bpsql -c "CALL bench_statement_writes_save('${tables[i]}', $n)"
    done
    bpsql -c 'VACUUM (ANALYZE) webhook_events' -c 'VACUUM (ANALYZE) bench_plain_events' \
          -c 'VACUUM (ANALYZE) bench_rollup_events' -c 'VACUUM (ANALYZE) bench_rollup_hourly'
    bpsql -c "CREATE TABLE IF NOT EXISTS bench_statement_results (op text, tbl text, round int, ms double precision)" \
          -c "TRUNCATE bench_statement_results"
    k=0
    for ((round = 1; round <= STATEMENT_ROUNDS; round++)); do
        for op in update delete insert; do
            for i in 0 1 2; do
                local t=${tables[(i + k + round) % 3]}
                bpsql -c 'CHECKPOINT'
                ms=$(bval "CALL bench_statement_write('$t', '$op', NULL)")
                log "  round $round/$STATEMENT_ROUNDS: $op of $n rows on $t: $ms ms"
                bpsql -c "INSERT INTO bench_statement_results VALUES ('$op', '$t', $round, $ms)"
                if [[ $op == update ]]; then
                    bpsql -c "CALL bench_statement_writes_restore('$t')"
                fi
            done
            k=$((k + 1))
        done
    done
    bpsql -c 'VACUUM (ANALYZE) webhook_events' -c 'VACUUM (ANALYZE) bench_plain_events' \
          -c 'VACUUM (ANALYZE) bench_rollup_events' -c 'VACUUM (ANALYZE) bench_rollup_hourly' -c 'CHECKPOINT'
    echo
    echo "== statement writes ($n rows per statement, median ms of $STATEMENT_ROUNDS rounds; with = webhook_events,"
    echo "   rollup = bench_rollup_events, without = bench_plain_events; slowdown = against without;"
    echo "   extra = the time beyond without's, and rollup extra / with extra how many times the extension's it is)"
    bpsql -P footer=off <<SQL
WITH m AS (
    SELECT op, tbl, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms
    FROM bench_statement_results GROUP BY op, tbl)
SELECT s.op || CASE s.op WHEN 'update' THEN ' (contiguous rows)' WHEN 'delete' THEN ' (oldest rows)'
                         ELSE ' (those rows again)' END AS statement,
       round(e.ms::numeric, 1) AS "with ms", round(r.ms::numeric, 1) AS "rollup ms",
       round(s.ms::numeric, 1) AS "without ms",
       round((e.ms / s.ms)::numeric, 2) AS "with slowdown", round((r.ms / s.ms)::numeric, 2) AS "rollup slowdown",
       round((r.ms / e.ms)::numeric, 2) AS "rollup/with",
       CASE WHEN e.ms > s.ms THEN round(((r.ms - s.ms) / (e.ms - s.ms))::numeric, 2) END
           AS "rollup extra / with extra"
FROM m s
JOIN m e ON e.op = s.op AND e.tbl = 'webhook_events'
JOIN m r ON r.op = s.op AND r.tbl = 'bench_rollup_events'
WHERE s.tbl = 'bench_plain_events'
ORDER BY array_position(ARRAY['update', 'delete', 'insert'], s.op);
SQL
    echo "(update: retries + 1, response_status 200, error NULL, done 1 on $n rows from the middle id, undone"
    echo " untimed afterwards; delete: the $n oldest rows; insert: those rows again, with their ids)"
    echo "each round's own times, ms (with / rollup / without):"
    bpsql -At -F ' ' <<SQL
SELECT '  ' || op || ' round ' || round || ': ' ||
       string_agg(round(ms::numeric, 1)::text, ' / '
                  ORDER BY array_position(ARRAY['webhook_events', 'bench_rollup_events', 'bench_plain_events'], tbl))
FROM bench_statement_results GROUP BY op, round
ORDER BY array_position(ARRAY['update', 'delete', 'insert'], op), round;
SQL
    bpsql -c "DROP TABLE bench_ops_upd_webhook_events, bench_ops_old_webhook_events,
                         bench_ops_upd_bench_rollup_events, bench_ops_old_bench_rollup_events,
                         bench_ops_upd_bench_plain_events, bench_ops_old_bench_plain_events"
    recheck_all "the statement writes"
}

# The coordinator part: the rows copied into 3 shard databases by hash of
# organization_id, a coordinator database whose partitioned tables have
# them as postgres_fdw foreign partitions (named by whanalytics.events_table
# and webhooks_table); the largest and the median organization's responses
# through it must equal the single database's, then each side is timed in
# its own backend (bench/coordinator.sql): the single database, the
# coordinator (the shards' states) and the coordinator reading rows through
# the foreign tables (use_summaries off, the plain way).
run_coordinator() {
    local k t coord="${DB}_coord" user host port password largest median org period single ms coord_ms rows_ms
    ((SKIP_COORDINATOR)) && { echo; echo "(coordinator part skipped: --skip-coordinator)"; return; }
    log "coordinator: copying the rows into 3 shard databases by hash of organization_id"
    user=$(bval 'SELECT current_user')
    host=${PGHOST:-/var/run/postgresql}
    port=${PGPORT:-5432}
    password=
    [[ -n ${PGPASSWORD:-} ]] && password=", password '$PGPASSWORD'"
    bpsql -c "CREATE TABLE bench_hash_map (organization_id text) PARTITION BY HASH (organization_id)"
    for k in 0 1 2; do
        bpsql -c "CREATE TABLE bench_hash_map_$k PARTITION OF bench_hash_map FOR VALUES WITH (MODULUS 3, REMAINDER $k)"
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
            -c "DROP DATABASE IF EXISTS ${DB}_shard$k" -c "CREATE DATABASE ${DB}_shard$k"
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "${DB}_shard$k" -c 'CREATE EXTENSION whanalytics'
        for t in webhooks webhook_events; do
            bpsql -c "\\copy (SELECT * FROM $t WHERE satisfies_hash_partition('bench_hash_map'::regclass, 3, $k, organization_id)) TO STDOUT" \
                | "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "${DB}_shard$k" -c "\\copy $t FROM STDIN"
        done
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "${DB}_shard$k" -c 'VACUUM (ANALYZE) webhook_events' -c 'VACUUM (ANALYZE) webhooks'
    done
    bpsql -c 'DROP TABLE bench_hash_map'
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS $coord" -c "CREATE DATABASE $coord" \
        -c "ALTER DATABASE $coord SET whanalytics.events_table = 'public.events'" \
        -c "ALTER DATABASE $coord SET whanalytics.webhooks_table = 'public.hooks'"
    {
        echo "CREATE EXTENSION postgres_fdw; CREATE EXTENSION whanalytics;"
        echo "CREATE TABLE events (LIKE webhook_events) PARTITION BY HASH (organization_id);"
        echo "CREATE TABLE hooks (LIKE webhooks) PARTITION BY HASH (organization_id);"
        for k in 0 1 2; do
            echo "CREATE SERVER shard$k FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$host', port '$port', dbname '${DB}_shard$k');"
            echo "CREATE USER MAPPING FOR CURRENT_USER SERVER shard$k OPTIONS (user '$user'$password);"
            echo "CREATE FOREIGN TABLE events_$k PARTITION OF events FOR VALUES WITH (MODULUS 3, REMAINDER $k) SERVER shard$k OPTIONS (table_name 'webhook_events');"
            echo "CREATE FOREIGN TABLE hooks_$k PARTITION OF hooks FOR VALUES WITH (MODULUS 3, REMAINDER $k) SERVER shard$k OPTIONS (table_name 'webhooks');"
        done
    } | "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$coord"
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$coord" -f "$BENCH_DIR/coordinator.sql"
    bpsql -f "$BENCH_DIR/coordinator.sql"
    largest=$(bval "SELECT organization_id FROM webhook_events GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    median=$(bval "SELECT organization_id FROM (SELECT organization_id, row_number() OVER (ORDER BY count(*) DESC, organization_id) AS n,
                                                      count(*) OVER () AS orgs
                                               FROM webhook_events GROUP BY 1) o WHERE n = (orgs + 1) / 2")
    echo
    echo "== coordinator over 3 postgres_fdw shards (hash of organization_id): median ms of $RUNS calls in one backend each"
    printf '%-8s %-14s %10s %12s %14s %10s %12s\n' organization period single_ms coordinator_ms coord_rows_ms coord/single rows/single
    for org in "$largest" "$median"; do
        for period in last_30_days last_day; do
            single=$(bval "SELECT webhook_analytics_json('$org', '$period', '$AS_OF')::text")
            [[ $("$PG_BIN/psql" -X -q -At -d "$coord" -c "SELECT webhook_analytics_json('$org', '$period', '$AS_OF')::text") == "$single" ]] \
                || die "coordinator: the response for $org $period differs from the single database's"
            ms=$(bval "SELECT bench_call_ms('$org', '$period', '$AS_OF', $RUNS)")
            coord_ms=$("$PG_BIN/psql" -X -q -At -d "$coord" -c "SELECT bench_call_ms('$org', '$period', '$AS_OF', $RUNS)")
            rows_ms=$("$PG_BIN/psql" -X -q -At -d "$coord" -c "SET whanalytics.use_summaries = off" -c "SELECT bench_call_ms('$org', '$period', '$AS_OF', $RUNS)")
            printf '%-8s %-14s %10.2f %12.2f %14.2f %9.2fx %11.2fx\n' "$([[ $org == "$largest" ]] && echo largest || echo median)" \
                "$period" "$ms" "$coord_ms" "$rows_ms" "$(awk -v a="$coord_ms" -v b="$ms" 'BEGIN { print a / b }')" \
                "$(awk -v a="$rows_ms" -v b="$ms" 'BEGIN { print a / b }')"
        done
    done
}

# The whole benchmark, against the server in the PG* environment.
bench_here() {
    local t0 t1
    t0=$(now_s)
    echo "== whanalytics benchmark: rows $ROWS, orgs $ORGS, days $DAYS, runs $RUNS (+1 warm-up), writers $WRITERS x ${WRITE_SECONDS}s x $WRITE_ROUNDS rounds per side$( ((SKIP_WRITES)) && echo ', writes skipped'), concurrent reads $( ((SKIP_CONCURRENT)) && echo skipped || echo "${READ_SECONDS}s x clients $READ_CLIENTS")$( ((SKIP_STATEMENT_WRITES)) && echo ', statement writes skipped')"
    setup_db
    load_data
    if ((ONLY_COORDINATOR)); then
        run_coordinator
        return
    fi
    run_scenarios
    print_read_results
    run_write_bench
    recheck_after_writes
    reads_after_writes
    run_concurrent_reads
    run_statement_writes
    run_coordinator
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
