#!/usr/bin/env bash
# callgrind_writers.sh - the instructions a webhook sender's transaction costs
# with the extension's maintenance and without, counted by valgrind's
# callgrind: the same total on every run of the same binaries and data,
# whatever else the machine does, so changes of a few percent show (timed
# pgbench rounds on a shared machine vary by 20%).
#
#   bench/callgrind_writers.sh [--rows N] [--transactions N] [--icu-locale L] [--bulk N]
#                              [--update N]
#
# In a throwaway cluster (a temporary directory; as the user postgres when
# run as root) it generates --rows deliveries (bench/generate.sql) into
# webhook_events and into a trigger-less copy, bench_plain_events, rewrites
# both with VACUUM FULL (so their indexes match), stops the server, and runs
# --transactions transactions of bench/writers.pgbench (its \set values drawn
# with a fixed seed, the same for both tables) in a single-user backend
# (postgres --single) under callgrind, once per table, each on its own copy
# of the data directory (the database's collation that of the cluster,
# C.UTF-8, or with --icu-locale the ICU locale L, say en-US, as many
# installations have), and once with no transaction (what starting the
# backend, loading the library, which every run does first as a pooled
# backend has, and the final count of the inserted rows cost). It prints the
# counts, each table's instructions per transaction (that taken away) and
# their ratio; the callgrind output files stay in the temporary directory
# (printed), for callgrind_annotate. The extension must be installed
# (`./run bench` builds and installs it; this script does not) and valgrind
# and python3 be present. PostgreSQL's programs come from $PG_BIN (default
# /usr/lib/postgresql/15/bin).
#
# With --bulk N it counts one bulk statement instead: an INSERT ... SELECT
# of N of the generated rows (copied at setup, with new ids) into each
# table, and prints the instructions per row and their ratio. With --update N
# it counts the statement writes' UPDATE (bench/writes.sql) of N contiguous
# rows from the middle of each table (the same rows in both; resource_id set
# to 'updated' as well, to count them), per row.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
ROWS=1000000
TRANSACTIONS=2000
ICU_LOCALE=
BULK=0                # rows of the one INSERT ... SELECT counted instead of the transactions
BULK_ID=1000000000    # added to the copied rows' ids, so they are new in either table
UPDATE=0              # rows of the one UPDATE counted instead of the transactions
WORK=

# Print a progress message on stderr.
log() { printf '==> %s\n' "$*" >&2; }

# Print an error message on stderr and exit non-zero.
die() { printf 'callgrind_writers: error: %s\n' "$*" >&2; exit 1; }

# Run a command as the cluster's owner: postgres when run as root.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Stop the server (if it runs) and remove the data directories; the callgrind files and logs stay.
cleanup() {
    [[ -n $WORK ]] || return 0
    as_owner "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$WORK/data" "$WORK/run"
}

# Print the transactions: writers.pgbench with its variables replaced, each
# statement ended by a blank line (postgres --single -j).
transactions() {
    python3 - "$BENCH_DIR/writers.pgbench" "$1" "$2" <<'PY'
import random, re, sys
path, table, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(path).read().splitlines()
body = "\n".join(l for l in lines if l.strip() and not l.startswith("--") and not l.startswith("\\set"))
ranges = dict(re.findall(r"^\\set (\w+) random\(0, (\d+)\)", "\n".join(lines), re.M))
random.seed(42)
out = []
for _ in range(n):
    values = {k: str(random.randint(0, int(v))) for k, v in ranges.items()}
    values.update(target=table, client_id="1")
    text = re.sub(r"(?<!:):(\w+)", lambda m: values.get(m.group(1), m.group(0)), body)
    out.append(re.sub(r";\s*$", ";\n", text, flags=re.M))
sys.stdout.write("\n".join(out) + "\n")
PY
}

# Print the work of $2 units against table $1, each statement ended by a
# blank line: writer transactions, or (--bulk) that many INSERT ... SELECTs
# of the copied rows (0 or 1); then the count of the rows they inserted.
workload() {
    if ((UPDATE > 0)); then
        local range
        range=$(cat "$WORK/$1.range")
        (($2 == 0)) || printf "UPDATE %s SET retries = retries + 1, response_status = 200, error = NULL, done = 1, updated_at = coalesce(updated_at, created_at) + interval '1 minute', resource_id = 'updated' WHERE id BETWEEN %s;\n\n" "$1" "$range"
        printf "SELECT count(*) AS inserted FROM %s WHERE resource_id = 'updated';\n\n" "$1"
    elif ((BULK > 0)); then
        (($2 == 0)) || printf "INSERT INTO %s SELECT * FROM bench_bulk_source;\n\n" "$1"
        printf "SELECT count(*) AS inserted FROM %s WHERE id > %s;\n\n" "$1" "$BULK_ID"
    else
        transactions "$1" "$2"
        printf "SELECT count(*) AS inserted FROM %s WHERE resource_id = 'pgbench';\n\n" "$1"
    fi
}

# Run $2 units of work (workload) against table $1 in a single-user backend
# under callgrind, on a copy of the data directory; print the instruction count.
count_instructions() {
    local table=$1 n=$2 log="$WORK/$1.$2.log" expected
    rm -rf "$WORK/run"
    cp -a "$WORK/data" "$WORK/run"
    # every run loads the library first, so its loading is always part of
    # what the zero-transaction run takes away
    { printf "LOAD 'whanalytics';\n\n"
      workload "$table" "$n"; } >"$WORK/$table.$n.sql"
    as_owner valgrind --tool=callgrind --callgrind-out-file="$WORK/$table.$n.callgrind" \
        "$PG_BIN/postgres" --single -D "$WORK/run" -j bench <"$WORK/$table.$n.sql" >"$log" 2>&1 \
        || die "the single-user backend failed on $table: $log"
    ! grep -q 'ERROR:' "$log" || die "a transaction failed on $table: $(grep -m1 'ERROR:' "$log")"
    # every transaction inserted its row (the data had none marked so), or the statement its rows
    expected=$n
    ((BULK == 0)) || expected=$((n * BULK))
    ((UPDATE == 0)) || expected=$((n * UPDATE))
    [[ $(sed -n 's/.*inserted = "\([0-9]*\)".*/\1/p' "$log") == "$expected" ]] \
        || die "not every row was inserted on $table: $log"
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log"
}

main() {
    while (($# > 0)); do
        case "$1" in
            --rows) ROWS=${2:?--rows needs a value}; shift 2 ;;
            --transactions) TRANSACTIONS=${2:?--transactions needs a value}; shift 2 ;;
            --icu-locale) ICU_LOCALE=${2:?--icu-locale needs a value}; shift 2 ;;
            --bulk) BULK=${2:?--bulk needs a value}; shift 2 ;;
            --update) UPDATE=${2:?--update needs a value}; shift 2 ;;
            -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
            *) die "unknown option: $1" ;;
        esac
    done
    [[ $ROWS =~ ^[1-9][0-9]*$ && $TRANSACTIONS =~ ^[1-9][0-9]*$ && $BULK =~ ^[0-9]+$ && $UPDATE =~ ^[0-9]+$ ]] \
        || die "--rows, --transactions, --bulk and --update take positive whole numbers"
    ((BULK <= ROWS && UPDATE <= ROWS / 2)) || die "--bulk takes at most --rows rows, --update half of them"
    ((BULK == 0 || UPDATE == 0)) || die "--bulk and --update are each a run of their own"
    [[ -z $ICU_LOCALE || $ICU_LOCALE =~ ^[A-Za-z0-9_-]+$ ]] || die "--icu-locale takes a locale name such as en-US"
    command -v valgrind >/dev/null || die "valgrind not found (apt-get install valgrind)"
    command -v python3 >/dev/null || die "python3 not found"
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/whanalytics-callgrind.XXXXXX")
    trap cleanup EXIT
    chmod 777 "$WORK"
    as_owner "$PG_BIN/initdb" -D "$WORK/data" -U postgres -A trust --locale=C.UTF-8 --encoding=UTF8 >/dev/null
    as_owner "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
        -o "-k $WORK -c listen_addresses='' -c port=5499" start >/dev/null
    local psql=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p 5499 -U postgres)
    if [[ -n $ICU_LOCALE ]]; then
        "${psql[@]}" -d postgres -c "CREATE DATABASE bench LOCALE_PROVIDER icu ICU_LOCALE '$ICU_LOCALE' TEMPLATE template0"
    else
        "${psql[@]}" -d postgres -c 'CREATE DATABASE bench'
    fi
    "${psql[@]}" -d bench -c 'CREATE EXTENSION whanalytics' \
        -c 'CREATE TABLE bench_plain_events (LIKE webhook_events INCLUDING ALL)'
    log "generating $ROWS rows into webhook_events and bench_plain_events"
    "${psql[@]}" -d bench -v rows="$ROWS" -v orgs=100 -v days=30 \
        -v target=webhook_events,bench_plain_events -f "$BENCH_DIR/generate.sql" >/dev/null 2>&1 \
        || die "generating the data failed"
    if ((BULK > 0)); then
        "${psql[@]}" -d bench -c "CREATE TABLE bench_bulk_source AS SELECT * FROM bench_plain_events ORDER BY id LIMIT $BULK" \
            -c "UPDATE bench_bulk_source SET id = id + $BULK_ID" -c 'VACUUM FULL bench_bulk_source'
    fi
    if ((UPDATE > 0)); then
        local t
        for t in webhook_events bench_plain_events; do
            # the same rows of both: the ids differ (one sequence), their ranks do not
            "${psql[@]}" -d bench -At -c "SELECT min(id) || ' AND ' || max(id) FROM (SELECT id FROM $t ORDER BY id
                OFFSET (SELECT count(*) / 2 FROM $t) LIMIT $UPDATE) s" >"$WORK/$t.range"
        done
    fi
    "${psql[@]}" -d bench -c 'VACUUM (FULL, FREEZE) webhook_events' -c 'VACUUM (FULL, FREEZE) bench_plain_events' \
        -c 'VACUUM FULL webhook_event_summaries' -c 'CHECKPOINT'
    as_owner "$PG_BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null
    local with without startup units=$TRANSACTIONS unit=transaction per=$TRANSACTIONS zero="(no transaction)"
    if ((UPDATE > 0)); then
        units=1 unit=row per=$UPDATE zero="(no statement)"
        log "callgrind: one UPDATE of $UPDATE rows in each table, one backend"
    elif ((BULK > 0)); then
        units=1 unit=row per=$BULK zero="(no statement)"
        log "callgrind: one INSERT ... SELECT of $BULK rows into each table, one backend"
    else
        log "callgrind: $TRANSACTIONS transactions of bench/writers.pgbench on each table, one backend"
    fi
    startup=$(count_instructions bench_plain_events 0)
    without=$(count_instructions bench_plain_events "$units")
    with=$(count_instructions webhook_events "$units")
    printf '%-22s %16s %20s\n' table instructions "per $unit"
    printf '%-22s %16s\n' "$zero" "$startup"
    awk -v s="$startup" -v n="$per" -v u="$unit" -v a="$with" -v b="$without" 'BEGIN {
        printf "%-22s %16.0f %20.0f\n", "bench_plain_events", b, (b - s) / n
        printf "%-22s %16.0f %20.0f\n", "webhook_events", a, (a - s) / n
        printf "with / without, per %s: %.4f\n", u, (a - s) / (b - s) }'
    echo "callgrind output (callgrind_annotate): $WORK/*.callgrind"
}

main "$@"
