-- citus_guard: where Citus's catalog lists the deliveries table (distributed
-- or reference: its rows then live in the workers' shards, which this
-- database's summary triggers never see), the summaries are not used and
-- every answer is read from rows (through Citus, on a real coordinator).
-- Citus cannot be installed here, so a stand-in pg_catalog.pg_dist_partition
-- plays its catalog's part, and deleting the organization's summaries plays
-- the empty summaries of a coordinator whose rows are on the workers: the
-- answers must still equal the oracle's.
\i test/setup.sql
SET TimeZone = 'UTC';

INSERT INTO webhook_events (organization_id, webhook_id, url, event, response_status, retries,
                            created_at, first_sent_at, delay_ms, done)
SELECT 'org_citus', 'wh_' || (i % 3), 'https://citus.example/' || (i % 4), 'citus.' || (i % 5),
       (ARRAY[200, 500, NULL, 404])[i % 4 + 1], i % 3,
       timestamptz '2025-10-01 00:00+00' + i * interval '11 minutes 7 seconds',
       timestamptz '2025-10-01 00:00+00' + i * interval '11 minutes 7 seconds' + (i % 900) * interval '1 ms',
       i % 40, (i % 4 <> 0)::int
FROM generate_series(1, 800) i;
SELECT usable, reason FROM webhook_summaries_status('org_citus') WHERE events = 'webhook_events'::regclass;

-- Citus's catalog, without the table in it: nothing changes.
SET allow_system_table_mods = on;
CREATE TABLE pg_catalog.pg_dist_partition (logicalrelid regclass NOT NULL, partmethod "char" NOT NULL);
RESET allow_system_table_mods;
SELECT usable, reason FROM webhook_summaries_status('org_citus') WHERE events = 'webhook_events'::regclass;

-- Distributed: the summaries here hold nothing of the rows, and are not used.
INSERT INTO pg_catalog.pg_dist_partition VALUES ('webhook_events', 'h');
DELETE FROM webhook_event_summaries WHERE organization_id = 'org_citus';
SELECT usable, reason FROM webhook_summaries_status('org_citus') WHERE events = 'webhook_events'::regclass;
SELECT f, t, paths_agree('org_citus', f, t) AS agree
FROM (VALUES ('2025-10-01 00:00+00'::timestamptz, '2025-10-07 00:00+00'::timestamptz),
             ('2025-10-02 03:10:00+00', '2025-10-04 17:59:59.999999+00')) v(f, t);
SELECT webhook_analytics_json('org_citus', 'last_7_days', '2025-10-07 00:00+00') -> 'data' -> 'day_metrics' ->> 'total' AS total,
       (SELECT count(*) FROM webhook_events WHERE organization_id = 'org_citus'
          AND created_at >= '2025-09-30 00:00+00' AND created_at < '2025-10-07 00:00+00') AS plain_total;

-- Without Citus again, rebuilt: the summaries serve.
SET allow_system_table_mods = on;
DROP TABLE pg_catalog.pg_dist_partition;
RESET allow_system_table_mods;
SELECT webhook_summaries_rebuild() > 0 AS rebuilt;
SELECT usable, reason FROM webhook_summaries_status('org_citus') WHERE events = 'webhook_events'::regclass;
SELECT paths_agree('org_citus', '2025-10-01 00:00+00', '2025-10-07 00:00+00') AS agree;
\i test/teardown.sql
