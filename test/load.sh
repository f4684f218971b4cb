#!/usr/bin/env bash
# load.sh: the long reliability test: the TAP tests test/t/004_concurrency.pl
# and test/t/003_crash_recovery.pl (which make installcheck runs short) at
# full size:
#  1. concurrency: 8 pgbench writers (insert, retry update, delete) and 2
#     readers (webhook_analytics_json with internal consistency checks) for
#     --seconds; no errors, no deadlocks, a row for every writer transaction,
#     and afterwards every organization's response equals the plain-SQL
#     oracle's; then pg_cancel_backend stops a long call (how long it took is
#     printed, not judged);
#  2. crash safety: the whole server (postmaster and every backend at once)
#     is killed with SIGKILL during 8 pgbench writers and 2 writers recording
#     each acknowledged commit, --crashes times, each once pgbench has
#     written 5,000 rows, and started again (it recovers from WAL); every
#     delivery whose COMMIT was acknowledged is there, and every response
#     equals the oracle's.
# 200,000 deliveries before the load. Each test starts its own servers from
# the PostgreSQL of PG_CONFIG (default: pg_config on PATH), which must have
# the extension installed. Run it as a user other than root in a tree that
# user can write (tmp_check/): ./run load does both. Ends with
# "N passed, M failed", counting TAP assertions.
# Options: --seconds N (default 30), --crashes N (default 3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_LOAD=30
CRASHES=3

# usage prints the options and exits non-zero.
usage() { echo "usage: load.sh [--seconds N] [--crashes N]" >&2; exit 2; }

while (($# > 0)); do
    case "$1" in
        --seconds) SECONDS_LOAD=${2:-}; shift 2 || usage ;;
        --crashes) CRASHES=${2:-}; shift 2 || usage ;;
        *) usage ;;
    esac
done
[[ $SECONDS_LOAD =~ ^[1-9][0-9]*$ && $CRASHES =~ ^[1-9][0-9]*$ ]] || usage
if [[ $(id -u) -eq 0 ]]; then
    echo "load.sh: the servers refuse root; run it as another user in a tree that user can write (./run load does)" >&2
    exit 2
fi

log=$(mktemp "${TMPDIR:-/tmp}/whanalytics-load.XXXXXX")
trap 'rm -f "$log"' EXIT
rc=0
WH_LOAD_ROWS=200000 WH_LOAD_CLIENTS=8 WH_LOAD_SECONDS=$SECONDS_LOAD \
WH_LOAD_CRASHES=$CRASHES WH_LOAD_CRASH_AFTER=5000 \
    make -C "$ROOT" --no-print-directory prove_installcheck PG_CONFIG="${PG_CONFIG:-pg_config}" \
    PROVE_FLAGS=-v PROVE_TESTS="test/t/004_concurrency.pl test/t/003_crash_recovery.pl" 2>&1 |
    tee "$log" || rc=$?
passed=$(grep -cE '^ok [0-9]+ ' "$log" || true)
failed=$(grep -cE '^not ok [0-9]+ ' "$log" || true)
if ((rc != 0 && failed == 0)); then
    failed=1    # a test that stopped before its assertions (see above)
fi
echo "$passed passed, $failed failed"
((rc == 0 && failed == 0))
