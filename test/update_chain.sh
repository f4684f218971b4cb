#!/usr/bin/env bash
# update_chain.sh: ALTER EXTENSION whanalytics UPDATE, from every earlier
# version the installed files offer, keeps every row and every answer, and
# ends with exactly the objects a fresh install of the default version has.
# For each older version: install it, fill it (the demo data plus edge rows),
# take a fingerprint (rows, identity counter, responses) and check the
# summaries against the rows and the plain-SQL oracle; then update one step
# at a time along PostgreSQL's update path, repeating both checks after each
# step; then write more rows (the triggers must still keep the summaries) and
# compare test/extension_objects.sql with a fresh install's.
# Runs against the server in the PG* environment (./run test starts one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OLD=wh_update_old
FRESH=wh_update_fresh
AS_OF='2026-01-08 00:00+00'   # test/pinned_demo.sql's
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# fail prints a message and exits non-zero.
fail() { echo "test update_chain                  ... FAILED"; echo "$*"; exit 1; }

# fingerprint prints every row of both tables, the identity counter and responses, hashed.
fingerprint() {
    psql_q -d "$1" <<SQL
SELECT md5(string_agg(e::text, '|' ORDER BY e.id)) FROM webhook_events e;
SELECT md5(string_agg(w::text, '|' ORDER BY w.id)) FROM webhooks w;
SELECT last_value FROM webhook_events_id_seq;
SELECT md5(webhook_analytics_json(o, p, '$AS_OF', NULL, 20, 50)::text)
FROM unnest(ARRAY['org_0196b0e9-11d8-7f26-b1d2-bd47054e4827', 'org_edge']) o,
     unnest(ARRAY['last_day', 'last_7_days', 'last_30_days']) p ORDER BY o, p;
SQL
}

# agreement checks summaries, rows and the oracle on windows of the demo organization.
agreement() {
    psql_q -d "$1" <<SQL
SELECT string_agg(DISTINCT paths_agree(o, f, t), ', ')
FROM unnest(ARRAY['org_0196b0e9-11d8-7f26-b1d2-bd47054e4827', 'org_edge']) o,
     (VALUES ('$AS_OF'::timestamptz - interval '7 days', '$AS_OF'::timestamptz),
             ('$AS_OF'::timestamptz - interval '30 days 3 hours 5.5 seconds', '$AS_OF'::timestamptz - interval '1 hour')) w(f, t);
SQL
}

# fill loads the demo data pinned to AS_OF with its edge row, and the test helpers.
fill() {
    psql_q -d "$1" -f "$ROOT/demo/sample_data.sql" -f "$ROOT/test/pinned_demo.sql" \
           -f "$ROOT/test/plain_sql.sql" -f "$ROOT/test/helpers.sql" >/dev/null
}

dropdb --if-exists "$FRESH" 2>/dev/null
createdb "$FRESH"
psql_q -d "$FRESH" -c 'CREATE EXTENSION whanalytics'
default=$(psql_q -d "$FRESH" -c "SELECT extversion FROM pg_extension WHERE extname = 'whanalytics'")
fresh_objects=$(psql_q -d "$FRESH" -f "$ROOT/test/extension_objects.sql")
mapfile -t olds < <(psql_q -d "$FRESH" -c "SELECT source FROM pg_extension_update_paths('whanalytics')
                                          WHERE target = '$default' AND path IS NOT NULL ORDER BY source")
dropdb "$FRESH"
((${#olds[@]} > 0)) || fail "no earlier version of whanalytics has an update path to $default"

walked=()
for old in "${olds[@]}"; do
    dropdb --if-exists "$OLD" 2>/dev/null
    createdb "$OLD"
    psql_q -d "$OLD" -c "CREATE EXTENSION whanalytics VERSION '$old'"
    fill "$OLD"
    before=$(fingerprint "$OLD")
    [[ $(agreement "$OLD") == agree ]] || fail "$old before updating: $(agreement "$OLD")"
    path=$(psql_q -d "$OLD" -c "SELECT path FROM pg_extension_update_paths('whanalytics')
                                WHERE source = '$old' AND target = '$default'")
    IFS=' ' read -r -a steps <<<"${path//--/ }"
    for step in "${steps[@]:1}"; do
        psql_q -d "$OLD" -c "ALTER EXTENSION whanalytics UPDATE TO '$step'"
        [[ $(fingerprint "$OLD") == "$before" ]] || fail "$old -> $step: rows or answers changed"
        [[ $(agreement "$OLD") == agree ]] || fail "$old -> $step: $(agreement "$OLD")"
    done
    # Writes after the update: the triggers still keep the summaries exact.
    psql_q -d "$OLD" <<SQL
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at)
SELECT 'webhook_edge', 'org_edge', 'https://edge/' || i % 3, 'after.update', 500, '2026-01-05 10:00+00'::timestamptz + i * interval '1 min'
FROM generate_series(1, 500) i;
UPDATE webhook_events SET response_status = 200, done = 1 WHERE organization_id = 'org_edge' AND id % 2 = 0;
DELETE FROM webhook_events WHERE organization_id = 'org_0196b0e9-11d8-7f26-b1d2-bd47054e4827' AND id % 5 = 0;
SQL
    [[ $(agreement "$OLD") == agree ]] || fail "$old -> $default, after writes: $(agreement "$OLD")"
    updated_objects=$(psql_q -d "$OLD" -f "$ROOT/test/extension_objects.sql")
    if [[ "$updated_objects" != "$fresh_objects" ]]; then
        diff <(echo "$fresh_objects") <(echo "$updated_objects") | head -n 40
        fail "$old -> $default: the objects differ from a fresh install (< fresh, > updated)"
    fi
    rows=$(psql_q -d "$OLD" -c "SELECT count(*) FROM webhook_events")
    dropdb "$OLD"
    walked+=("$path ($rows rows)")
done
nobjects=$(grep -c . <<<"$fresh_objects")
echo "test update_chain                 ... ok    (${walked[*]}; $nobjects object lines equal to a fresh $default)"
