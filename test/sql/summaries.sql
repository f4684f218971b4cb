-- summaries: the day summaries answer exactly what the rows say, at every
-- moment: after inserts, updates (a retry, done flipping, a status change,
-- first_sent_at set, a row moving hour or organization), deletes, COPY and
-- TRUNCATE, inside the writer's own transaction, after rollbacks, after
-- compaction and rebuild; and they are bypassed when they must be.
\i test/setup.sql
SET TimeZone = 'Europe/Berlin';

-- Fixture: org_sum over 3 days, two webhooks, every kind of row.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, first_sent_at, delay_ms, done, payload)
SELECT 'webhook_sum_' || (i % 2), 'org_sum', 'https://sum.example/' || (i % 5),
       (ARRAY['a.created', 'b.updated', 'C.deleted', 'é.paid'])[i % 4 + 1],
       (ARRAY[200, 201, 500, 404, NULL, 302, NULL])[i % 7 + 1],
       CASE i % 7 WHEN 4 THEN '{"error": "timeout"}'::jsonb WHEN 6 THEN 'null'::jsonb END,
       i % 3, '2025-08-01 00:00+00'::timestamptz + i * interval '97 seconds',
       CASE WHEN i % 5 <> 0 THEN '2025-08-01 00:00+00'::timestamptz + i * interval '97 seconds'
                                 + (i * 31 % 4000) * interval '0.9 ms' END,
       CASE WHEN i % 9 <> 0 THEN i % 700 - 30 END, (i % 6 <> 0)::int, '{}'
FROM generate_series(0, 2700) i;

-- The summaries hold one row or more per (organization, UTC day) with rows.
SELECT count(DISTINCT day) AS summarized_days,
       (SELECT count(DISTINCT (created_at AT TIME ZONE 'UTC')::date) FROM webhook_events
        WHERE organization_id = 'org_sum') AS days_with_rows
FROM webhook_event_summaries WHERE organization_id = 'org_sum';

-- Windows aligned and not aligned to days and hours, long and short, with a
-- webhook filter: whole days come from the summaries, the rest from rows.
SELECT f, t, w, paths_agree('org_sum', f, t, w)
FROM (VALUES ('2025-08-01 00:00+00'::timestamptz, '2025-08-04 00:00+00'::timestamptz),
             ('2025-08-01 10:17:03.5+00', '2025-08-03 07:59:59.999999+00'),
             ('2025-08-02 05:30+00', '2025-08-02 06:30+00'),
             ('2025-08-02 05:00+00', '2025-08-02 06:00+00'),
             ('2025-07-01 00:00+00', '2025-09-01 00:00+00'),
             ('2025-07-31 12:00+00', '2025-08-05 00:00:00.000001+00')) v(f, t),
     unnest(ARRAY[NULL, 'webhook_sum_1']) w
ORDER BY 1, 2, 3;

-- The summaries really answer: taking their rows away changes the answer of
-- the summary path (and only of it), and rebuilding puts it right again.
BEGIN;
DELETE FROM webhook_event_summaries WHERE organization_id = 'org_sum' AND day % 2 = 0;
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') <> 'agree' AS tampering_shows;
ROLLBACK;
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS after_rollback;

-- Retries: status changes, done flips, first_sent_at set, retries grow; then
-- deliveries move hour and organization, and some are deleted. Checked inside
-- the writer's transaction, after a savepoint rollback, and after commit.
BEGIN;
UPDATE webhook_events SET response_status = 200, done = 1, retries = retries + 1,
       first_sent_at = coalesce(first_sent_at, created_at + interval '12.5 ms'), error = NULL
WHERE organization_id = 'org_sum' AND id % 4 = 0;
SELECT paths_agree('org_sum', '2025-08-01 10:17:03.5+00', '2025-08-03 07:59:59.999999+00') AS after_retries;
SAVEPOINT s;
DELETE FROM webhook_events WHERE organization_id = 'org_sum' AND id % 5 = 0;
UPDATE webhook_events SET created_at = created_at + interval '2 hours 1 second', url = url || '/moved'
WHERE organization_id = 'org_sum' AND id % 7 = 0;
UPDATE webhook_events SET organization_id = 'org_sum_moved' WHERE organization_id = 'org_sum' AND id % 11 = 0;
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS after_moves,
       paths_agree('org_sum_moved', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS moved_org;
ROLLBACK TO SAVEPOINT s;
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS after_savepoint_rollback,
       paths_agree('org_sum_moved', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS moved_org_empty;
COMMIT;
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS after_commit;

-- An update that changes nothing the summaries count adds no summary row.
SELECT count(*) AS summary_rows_before FROM webhook_event_summaries WHERE organization_id = 'org_sum' \gset
UPDATE webhook_events SET payload = '{"x": 1}', response_body = 'ok' WHERE organization_id = 'org_sum';
SELECT count(*) - :summary_rows_before AS rows_added FROM webhook_event_summaries WHERE organization_id = 'org_sum';

-- An updated row that stays in its organization, day and webhook is one
-- row of the delta that remembers what it was, so that the parts it did not
-- change cancel before they are counted; one that leaves them is taken
-- away and added apart. Each part changed alone, by small statements (which
-- wait for commit) and by a big one (over 1,000 rows: written at once),
-- then undone with a savepoint and a TRUNCATE rolled back.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_pair_' || (i % 2), 'org_pair', 'https://pair.example/' || (i % 3),
       'pair.' || (i % 3), (ARRAY[200, 500, NULL, 404, 302])[i % 5 + 1],
       CASE WHEN i % 7 = 3 THEN '{"error": "reset"}'::jsonb END, i % 4,
       timestamptz '2025-08-05 10:00+00' + i * interval '2.3 seconds',
       CASE WHEN i % 6 <> 0 THEN timestamptz '2025-08-05 10:00+00' + i * interval '2.3 seconds'
                                 + (i % 50) * interval '1.7 ms' END,
       CASE WHEN i % 8 <> 0 THEN i % 90 END, (i % 4 <> 0)::int
FROM generate_series(0, 2999) i;
CREATE FUNCTION pair_checks(step text) RETURNS TABLE (step text, whole_day text, partial text, one_webhook text)
LANGUAGE sql AS $$
SELECT step, paths_agree('org_pair', '2025-08-05 00:00+00', '2025-08-06 00:00+00'),
       paths_agree('org_pair', '2025-08-05 10:17:03.5+00', '2025-08-05 11:40:00+00'),
       paths_agree('org_pair', '2025-08-05 00:00+00', '2025-08-06 00:00+00', 'webhook_pair_1')
$$;
UPDATE webhook_events SET event = 'pair.renamed' WHERE organization_id = 'org_pair' AND id % 10 = 1;
SELECT * FROM pair_checks('event');
UPDATE webhook_events SET url = url || '/v2' WHERE organization_id = 'org_pair' AND id % 10 = 2;
SELECT * FROM pair_checks('url');
UPDATE webhook_events SET response_status = 200, error = NULL, done = 1
WHERE organization_id = 'org_pair' AND id % 10 = 3;
SELECT * FROM pair_checks('failed to success');
UPDATE webhook_events SET response_status = 503, done = 1 WHERE organization_id = 'org_pair' AND id % 10 = 4;
SELECT * FROM pair_checks('to failed, gave up');
UPDATE webhook_events SET first_sent_at = first_sent_at + interval '3 ms' WHERE organization_id = 'org_pair' AND id % 10 = 5;
UPDATE webhook_events SET first_sent_at = NULL WHERE organization_id = 'org_pair' AND id % 20 = 6;
SELECT * FROM pair_checks('latency');
UPDATE webhook_events SET retries = retries + 1, delay_ms = NULL WHERE organization_id = 'org_pair' AND id % 10 = 7;
SELECT * FROM pair_checks('retries, delay');
UPDATE webhook_events SET created_at = created_at + interval '1 second' WHERE organization_id = 'org_pair' AND id % 10 = 8;
UPDATE webhook_events SET created_at = created_at + interval '4 minutes' WHERE organization_id = 'org_pair' AND id % 20 = 9;
UPDATE webhook_events SET created_at = created_at + interval '50 minutes' WHERE organization_id = 'org_pair' AND id % 20 = 19;
SELECT * FROM pair_checks('created_at: same slice, next slices, next hour');
UPDATE webhook_events SET webhook_id = 'webhook_pair_1' WHERE organization_id = 'org_pair' AND id % 10 = 0;
SELECT * FROM pair_checks('webhook');
UPDATE webhook_events SET organization_id = 'org_pair_moved' WHERE organization_id = 'org_pair' AND id % 30 = 10;
SELECT *, paths_agree('org_pair_moved', '2025-08-05 00:00+00', '2025-08-06 00:00+00') AS moved
FROM pair_checks('organization');
UPDATE webhook_events SET created_at = 'infinity' WHERE organization_id = 'org_pair' AND id % 30 = 20;
SELECT * FROM pair_checks('created_at infinite: in no window');
UPDATE webhook_events SET created_at = timestamptz '2025-08-05 10:30+00' + id * interval '1 ms'
WHERE organization_id = 'org_pair' AND created_at = 'infinity';
SELECT * FROM pair_checks('created_at back');
UPDATE webhook_events SET retries = retries + 1, response_status = 200, error = NULL, done = 1,
       event = CASE WHEN id % 3 = 0 THEN 'pair.big' ELSE event END
WHERE organization_id = 'org_pair' AND id % 2 = 0;
SELECT * FROM pair_checks('one big statement');
BEGIN;
UPDATE webhook_events SET response_status = 500, done = 0 WHERE organization_id = 'org_pair' AND id % 9 = 0;
SELECT * FROM pair_checks('in the transaction');
SAVEPOINT p;
UPDATE webhook_events SET event = 'pair.rolled_back', retries = 9 WHERE organization_id = 'org_pair' AND id % 9 = 1;
ROLLBACK TO SAVEPOINT p;
SAVEPOINT t;
TRUNCATE webhook_events;
ROLLBACK TO SAVEPOINT t;
SELECT * FROM pair_checks('after the rollbacks');
COMMIT;
SELECT * FROM pair_checks('after commit');
DROP FUNCTION pair_checks;

-- COPY goes through the same triggers.
COPY webhook_events (webhook_id, organization_id, url, event, response_status, created_at, first_sent_at, done) FROM stdin;
webhook_sum_0	org_sum	https://copy.example	copy.event	503	2025-08-02 12:34:56+00	2025-08-02 12:34:57.0005+00	0
webhook_sum_1	org_sum	https://copy.example	copy.event	\N	2025-08-02 12:35:00+00	\N	0
\.
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS after_copy;

-- Compaction merges each day's deltas into one row and changes no answer.
SELECT webhook_summaries_compact() > 0 AS compacted;
SELECT count(*) = count(DISTINCT day) AS one_row_per_day
FROM webhook_event_summaries WHERE organization_id = 'org_sum';
SELECT paths_agree('org_sum', '2025-08-01 10:17:03.5+00', '2025-08-03 07:59:59.999999+00') AS after_compaction;

-- Compaction inside the writer's own REPEATABLE READ and SERIALIZABLE
-- transactions: 300 single-row statements (each may compact the day it
-- touched), then a full compaction, then one rolled back to a savepoint.
-- The writer's answers stay exact throughout, and after commit.
BEGIN ISOLATION LEVEL REPEATABLE READ;
DO $$
BEGIN
    FOR i IN 1 .. 300 LOOP
        INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status,
                                    created_at, first_sent_at, done)
        VALUES ('webhook_sum_' || i % 2, 'org_sum', 'https://rr.example/' || i % 3, 'rr.event',
                CASE WHEN i % 4 = 0 THEN 500 ELSE 200 END,
                timestamptz '2025-08-02 00:00+00' + i * interval '4 minutes',
                timestamptz '2025-08-02 00:00+00' + i * interval '4 minutes' + i * interval '1 ms', 1);
        UPDATE webhook_events SET retries = retries + 1 WHERE id = currval('webhook_events_id_seq');
    END LOOP;
END $$;
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS rr_after_statements;
-- Small statements wait in the transaction's collector, bigger ones merge
-- deltas of like sizes: a day keeps its merged row and at most 3 deltas
-- (WH_COMPACT_MAX_DELTAS), never one per statement.
SELECT max(n) BETWEEN 1 AND 4 AS few_rows_per_day
FROM (SELECT count(*) AS n FROM webhook_event_summaries WHERE organization_id = 'org_sum' GROUP BY day) d;
SELECT webhook_summaries_compact() >= 0 AS rr_compacted;  -- 0 when a statement already compacted
SELECT count(*) = count(DISTINCT day) AS one_row_per_day FROM webhook_event_summaries WHERE organization_id = 'org_sum';
SELECT paths_agree('org_sum', '2025-08-01 10:17:03.5+00', '2025-08-03 07:59:59.999999+00') AS rr_after_compaction;
SAVEPOINT c;
DELETE FROM webhook_events WHERE url LIKE 'https://rr.example/%' AND id % 2 = 0;
SELECT webhook_summaries_compact() >= 0 AS rr_compacted_again;  -- 0 when a statement already compacted
SELECT count(*) = count(DISTINCT day) AS one_row_per_day FROM webhook_event_summaries WHERE organization_id = 'org_sum';
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS rr_after_delete;
ROLLBACK TO SAVEPOINT c;
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS rr_after_savepoint_rollback;
COMMIT;
BEGIN ISOLATION LEVEL SERIALIZABLE;
UPDATE webhook_events SET response_status = 503, done = 0 WHERE url LIKE 'https://rr.example/%' AND id % 3 = 0;
SELECT webhook_summaries_compact() >= 0 AS serializable_compacted;  -- 0 when a statement already compacted
SELECT count(*) = count(DISTINCT day) AS one_row_per_day FROM webhook_event_summaries WHERE organization_id = 'org_sum';
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS serializable_after_compaction;
COMMIT;
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS after_commits,
       (SELECT count(*) = count(DISTINCT day) FROM webhook_event_summaries
        WHERE organization_id = 'org_sum') AS one_row_per_day;

-- A statement of more rows than one chunk (131,072) writes a delta per
-- chunk for each day it touched and merges, at its end, every day that more
-- than one chunk wrote: 270,000 rows of three organizations over three
-- days, then an update of half of them (135,000 updated rows, each one row
-- remembering what it was: two chunks again), each checked against the
-- oracle and leaving one summary row per (organization, day).
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, retries,
                            created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_chunk_' || (i % 5), 'org_chunk_' || (i % 3), 'https://chunk.example/' || (i % 7),
       'chunk.' || (i % 4), (ARRAY[200, 500, NULL, 404])[i % 4 + 1], i % 3,
       timestamptz '2025-08-11 00:00+00' + (i / 7 % 3) * interval '1 day' + (i % 86400) * interval '1 second',
       timestamptz '2025-08-11 00:00+00' + (i / 7 % 3) * interval '1 day' + (i % 86400) * interval '1 second'
         + (i % 900) * interval '1 ms',
       i % 300, (i % 5 <> 0)::int
FROM generate_series(1, 270000) i;
CREATE FUNCTION chunk_checks() RETURNS TABLE (org text, whole_days text, partial_days text, summary_rows bigint)
LANGUAGE sql AS $$
SELECT o, paths_agree(o, '2025-08-11 00:00+00', '2025-08-14 00:00+00'),
       paths_agree(o, '2025-08-11 07:13:02+00', '2025-08-13 19:44:10.5+00'),
       (SELECT count(*) FROM webhook_event_summaries WHERE organization_id = o)
FROM unnest(ARRAY['org_chunk_0', 'org_chunk_1', 'org_chunk_2']) o
$$;
SELECT * FROM chunk_checks();
UPDATE webhook_events SET response_status = 200, done = 1, retries = retries + 1
WHERE organization_id LIKE 'org_chunk_%' AND id % 2 = 0;
SELECT * FROM chunk_checks();
DROP FUNCTION chunk_checks;

-- Small statements of one transaction wait in its collector, which writes
-- them once 20,000 wait (WH_PENDING_CHUNK_ROWS) and merges at commit every
-- day more than one of its writes touched; so do the rows of a row trigger
-- (session_replication_role = replica, as logical-replication apply and
-- table sync run). The days it remembers outlive the statements.
BEGIN;
DO $$
BEGIN
    FOR s IN 1 .. 21 LOOP
        INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status,
                                    retries, created_at, first_sent_at, delay_ms, done)
        SELECT 'webhook_defer_' || (i % 3), 'org_defer_' || (i % 2), 'https://defer.example/' || (i % 5),
               'defer.' || (i % 4), (ARRAY[200, 500, NULL, 404])[i % 4 + 1], i % 3,
               timestamptz '2025-08-21 00:00+00' + (s % 2) * interval '1 day' + i * interval '1 minute',
               timestamptz '2025-08-21 00:00+00' + (s % 2) * interval '1 day' + i * interval '1 minute'
                 + (i % 900) * interval '1 ms',
               i % 300, (i % 5 <> 0)::int
        FROM generate_series(1, 1000) i;
    END LOOP;
END $$;
COMMIT;
SET session_replication_role = replica;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, retries,
                            created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_defer_' || (i % 3), 'org_defer_' || (i % 2), 'https://defer.example/' || (i % 5),
       'defer.' || (i % 4), (ARRAY[200, 500, NULL, 404])[i % 4 + 1], i % 3,
       timestamptz '2025-08-21 00:00+00' + (i % 2) * interval '1 day' + (i % 1440) * interval '1 minute',
       NULL, NULL, 0
FROM generate_series(1, 25000) i;
RESET session_replication_role;
SELECT o, paths_agree(o, '2025-08-21 00:00+00', '2025-08-23 00:00+00') AS whole_days,
       paths_agree(o, '2025-08-21 03:13:02+00', '2025-08-22 19:44:10.5+00') AS partial_days,
       (SELECT count(*) FROM webhook_event_summaries WHERE organization_id = o) AS summary_rows
FROM unnest(ARRAY['org_defer_0', 'org_defer_1']) o;

-- A writer needs no privilege on the summaries (the trigger writes them as
-- their owner) and cannot read them; it still sees exact answers.
DROP ROLE IF EXISTS regress_sum_writer;
CREATE ROLE regress_sum_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_events, webhooks TO regress_sum_writer;
GRANT USAGE ON SEQUENCE webhook_events_id_seq TO regress_sum_writer;
SET ROLE regress_sum_writer;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at)
VALUES ('webhook_sum_0', 'org_sum', 'https://writer.example', 'w.event', 500, '2025-08-02 01:00+00');
UPDATE webhook_events SET response_status = 204, done = 1 WHERE url = 'https://writer.example';
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS writer_sees;
SELECT error_of($$SELECT count(*) FROM webhook_event_summaries$$) AS writer_reads_summaries;
SELECT error_of($$SELECT webhook_summaries_rebuild()$$) AS writer_rebuilds;
RESET ROLE;
REVOKE ALL ON webhook_events, webhooks FROM regress_sum_writer;
REVOKE ALL ON SEQUENCE webhook_events_id_seq FROM regress_sum_writer;
DROP ROLE regress_sum_writer;

-- Under row-level security the summaries are not used (they cannot apply a
-- policy), so a tenant sees exactly what its policy lets it see: tampering
-- with them changes nothing for the tenant, while the owner's answer moves.
DROP ROLE IF EXISTS regress_sum_tenant;
CREATE ROLE regress_sum_tenant;
GRANT SELECT ON webhook_events, webhooks TO regress_sum_tenant;
ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY sum_tenant ON webhook_events TO regress_sum_tenant
    USING (organization_id = 'org_sum' AND event <> 'a.created');
BEGIN;
DELETE FROM webhook_event_summaries WHERE organization_id = 'org_sum';
SET LOCAL ROLE regress_sum_tenant;
SELECT (webhook_analytics_json_between('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') #>> '{data,day_metrics,total}')::int
         = (SELECT count(*) FROM webhook_events
            WHERE created_at >= '2025-08-01 00:00+00' AND created_at < '2025-08-04 00:00+00') AS tenant_exact,
       paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS tenant_paths;
RESET ROLE;
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') <> 'agree' AS owner_sees_tampering;
ROLLBACK;
DROP POLICY sum_tenant ON webhook_events;
ALTER TABLE webhook_events DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON webhook_events, webhooks FROM regress_sum_tenant;
DROP ROLE regress_sum_tenant;

-- With a trigger disabled the summaries may be incomplete, so they are not
-- used; re-enabling it does not make them trusted again (rows changed
-- meanwhile); rebuild makes them exact and trusted again.
ALTER TABLE webhook_events DISABLE TRIGGER webhook_events_summarize_insert;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at)
VALUES ('webhook_sum_0', 'org_sum', 'https://untracked.example', 'x', '2025-08-02 03:00+00');
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS trigger_disabled;
ALTER TABLE webhook_events ENABLE TRIGGER webhook_events_summarize_insert;
SELECT usable, reason FROM webhook_summaries_status();
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS trigger_reenabled;
SELECT webhook_summaries_rebuild() >= 2700 AS rebuilt;
SELECT usable, reason FROM webhook_summaries_status();
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS after_rebuild;

-- TRUNCATE empties the summaries with the rows.
BEGIN;
TRUNCATE webhook_events;
SELECT count(*) AS summary_rows FROM webhook_event_summaries;
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS after_truncate;
ROLLBACK;
SELECT paths_agree('org_sum', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS after_truncate_rollback;
\i test/teardown.sql
