#!/usr/bin/env bash
# dump_restore.sh: the extension's rows survive pg_dump/pg_restore. Fills a
# database, dumps it, restores it into a fresh one and checks that every
# row, the identity counter and the analytics responses are the same.
# Runs against the server in the PG* environment (./run test starts one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC=wh_dump_src
DST=wh_dump_dst
DUMP=$(mktemp "${TMPDIR:-/tmp}/whanalytics-dump.XXXXXX")
trap 'rm -f "$DUMP"' EXIT
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# Fingerprint prints every row of both tables and a few responses, as text.
fingerprint() {
    psql_q -d "$1" <<'SQL'
SELECT md5(string_agg(e::text, '|' ORDER BY e.id)) FROM webhook_events e;
SELECT md5(string_agg(w::text, '|' ORDER BY w.id)) FROM webhooks w;
SELECT md5(webhook_analytics_json(o, 'last_7_days', '2026-01-08 00:00+00', NULL, 20, 50)::text)
FROM unnest(ARRAY['org_0196b0e9-11d8-7f26-b1d2-bd47054e4827', 'org_edge']) o ORDER BY 1;
SQL
}

dropdb --if-exists "$SRC" 2>/dev/null; dropdb --if-exists "$DST" 2>/dev/null
createdb "$SRC"
psql_q -d "$SRC" -c 'CREATE EXTENSION whanalytics'
psql_q -d "$SRC" -f "$ROOT/demo/sample_data.sql" -f "$ROOT/test/pinned_demo.sql" >/dev/null
before=$(fingerprint "$SRC")
next_before=$(psql_q -d "$SRC" -c "SELECT last_value FROM webhook_events_id_seq")

pg_dump -Fc -f "$DUMP" "$SRC"
createdb "$DST"
pg_restore --exit-on-error -d "$DST" "$DUMP"
after=$(fingerprint "$DST")
next_after=$(psql_q -d "$DST" -c "SELECT last_value FROM webhook_events_id_seq")
rows=$(psql_q -d "$DST" -c "SELECT count(*) FROM webhook_events")

dropdb "$SRC"; dropdb "$DST"
if [[ "$before" == "$after" && "$next_before" == "$next_after" && "$rows" -gt 1000 ]]; then
    echo "test dump_restore                 ... ok    ($rows deliveries restored, sequence at $next_after)"
else
    echo "test dump_restore                 ... FAILED"
    echo "before: $before (sequence $next_before)"
    echo "after:  $after (sequence $next_after)"
    exit 1
fi
