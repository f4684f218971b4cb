#!/usr/bin/env bash
# valgrind.sh: runs the regression suite against a PostgreSQL server started
# under valgrind (memcheck) and fails if any error report has a frame in
# whanalytics.so. PostgreSQL itself is not built for valgrind here, so its own
# reports (padding written to WAL, and the like) are listed but not judged.
# Long: the suite takes many minutes under valgrind. The pg_regress tests
# only (each sets itself up, so any list runs); the TAP tests start servers
# of their own, not under valgrind.
#   test/valgrind.sh [test ...]      (default: every test of the Makefile but
#                                     cancellation and million_hour)
# Environment: PG_CONFIG (default /usr/lib/postgresql/15/bin/pg_config).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
BIN=$("$PG_CONFIG" --bindir)
WORK=$(mktemp -d /tmp/whanalytics-valgrind.XXXXXX)
PORT=${VALGRIND_PORT:-55432}
command -v valgrind >/dev/null || { apt-get update && apt-get install -y valgrind; }
chown postgres "$WORK"

# as_postgres runs a command as the postgres user (initdb and postgres refuse root).
as_postgres() { su postgres -s /bin/bash -c "$*"; }

as_postgres "$BIN/initdb -D $WORK/data -U postgres --auth=trust >/dev/null"
as_postgres "valgrind --quiet --trace-children=yes --track-origins=yes --num-callers=30 \
    --error-limit=no --log-file=$WORK/valgrind.%p.log \
    $BIN/postgres -D $WORK/data -p $PORT -k $WORK -c fsync=off \
    >$WORK/server.log 2>&1 &"
for _ in $(seq 1 120); do
    "$BIN/pg_isready" -q -h "$WORK" -p "$PORT" && break
    sleep 1
done

tests=("$@")
if ((${#tests[@]} == 0)); then
    # every test of the Makefile but those that are about time or volume:
    # cancellation's timeouts are about time; million_hour's 2,000,000 rows
    # take about an hour (run them as: test/valgrind.sh cancellation million_hour)
    mapfile -t tests < <(make -s -C "$ROOT" --no-print-directory -f Makefile -f - print-regress PG_CONFIG="$PG_CONFIG" \
                             <<<'print-regress: ; @printf "%s\n" $(REGRESS)' |
                         grep -vxE 'cancellation|million_hour')
fi
rc=0
# REGRESS on the command line: the pg_regress tests named, no TAP test
make -C "$ROOT" installcheck PG_CONFIG="$PG_CONFIG" PGHOST="$WORK" PGPORT="$PORT" PGUSER=postgres \
    REGRESS="${tests[*]}" || rc=$?
as_postgres "$BIN/pg_ctl -D $WORK/data -m fast stop >/dev/null" || true
sleep 2

# a frame of ours: one of src/*.c by name (with debug info), or the library itself
pattern="whanalytics\.so|\(($(cd "$ROOT/src" && ls *.c | sed 's/\.c$//' | paste -sd'|'))\.c:[0-9]+\)"
ours=$(grep -lE "$pattern" "$WORK"/valgrind.*.log 2>/dev/null || true)
total=$(cat "$WORK"/valgrind.*.log 2>/dev/null | grep -c "^==[0-9]*== [A-Z]" || true)
echo "valgrind: $total report lines from PostgreSQL processes in $WORK"
if [[ -n "$ours" ]]; then
    echo "valgrind: errors with a frame in whanalytics.so:"
    grep -B5 -A30 -E "$pattern" $ours | head -200
    exit 1
fi
echo "valgrind: no error in whanalytics code (suite exit status $rc)"
exit "$rc"
