-- metrics_series: webhook_metrics_series (SPEC 5.2) against the oracle
-- (plain_metrics_series: date_bin, percentile_cont, GROUP BY), through the
-- summaries (buckets of whole hours, with no breakdown or by webhook; other
-- buckets of whole 5-minute slices, with no breakdown) and from the rows
-- only: bucket widths of 1 second, 5 minutes, 90 minutes
-- (not dividing a day), 1 hour, 1 day and 7 days, every group_by, windows
-- and buckets starting and ending on a boundary and one microsecond either
-- side, times before 2000, a webhook filter, statuses NULL and odd,
-- latencies on 99/100/499/500/999/1000 ms and half a millisecond, ties in
-- the key order, an attached table with NULL webhook ids, a tenant under
-- row-level security; every invalid argument.
\i test/setup.sql
SET TimeZone = 'UTC';

INSERT INTO webhook_events (organization_id, webhook_id, url, event, response_status, error, retries,
                            created_at, first_sent_at, delay_ms, done)
SELECT 'org_ser', 'wh_' || (i % 3), 'https://ser.example/' || (i % 4), 'ser.' || (i % 5),
       (ARRAY[200, 201, 404, 500, NULL, 99, 600, -1, 301, 2147483647])[i % 10 + 1],
       CASE WHEN i % 11 = 0 THEN '{"e": 1}'::jsonb END,
       i % 4,
       timestamptz '2025-08-01 00:00+00' + i * interval '7 minutes 13 seconds',
       timestamptz '2025-08-01 00:00+00' + i * interval '7 minutes 13 seconds'
           + (ARRAY[99, 100, 499, 500, 999, 1000, 99.5, 99.4999, 0.5, -20, 1499.5])[i % 11 + 1] * interval '1 ms',
       CASE WHEN i % 9 = 0 THEN NULL ELSE i % 50 END,
       (ARRAY[0, 1, 2, -1])[i % 4 + 1]
FROM generate_series(1, 900) i;
-- Rows on an hour (and 5-minute, 90-minute, day) boundary and one microsecond either side.
INSERT INTO webhook_events (organization_id, webhook_id, url, event, response_status, created_at, first_sent_at, delay_ms, done)
SELECT 'org_ser', 'wh_edge', 'https://ser.example/edge', 'ser.edge', 500, t, t + interval '3 ms', 1, 1
FROM unnest(ARRAY['2025-08-02 00:00:00+00', '2025-08-01 23:59:59.999999+00', '2025-08-02 00:00:00.000001+00',
                  '2025-08-02 06:00:00+00', '2025-08-02 05:59:59.999999+00', '2025-08-02 06:00:00.000001+00',
                  '1999-12-31 23:59:59.999999+00', '2000-01-01 00:00:00+00', '1999-12-31 22:30:00+00']::timestamptz[]) t;
SELECT usable FROM webhook_summaries_status('org_ser') WHERE events = 'webhook_events'::regclass;

-- What a series looks like: 90-minute buckets, dense; by status class.
SELECT * FROM webhook_metrics_series('org_ser', '2025-08-02 03:00+00', '2025-08-02 09:00+00', '90 minutes');
SELECT * FROM webhook_metrics_series('org_ser', '2025-08-02 05:00+00', '2025-08-02 06:00:00.000001+00',
                                     '1 hour', 'status_class');

-- 1. Every width with every group_by, over a partial window.
SELECT w AS width, g AS group_by, series_agree('org_ser', '2025-08-01 05:10:03+00', '2025-08-03 17:59:59.999999+00', w, g) AS agree
FROM unnest(ARRAY['5 minutes', '90 minutes', '1 hour', '3 hours', '1 day', '7 days']::interval[]) w,
     unnest(ARRAY[NULL, 'webhook', 'event', 'url', 'status', 'status_class']) g
ORDER BY w, g NULLS FIRST;
-- 1-second buckets over a minute around an hour boundary.
SELECT g AS group_by, series_agree('org_ser', '2025-08-02 05:59:30+00', '2025-08-02 06:00:30+00', '1 second', g) AS agree
FROM unnest(ARRAY[NULL, 'webhook', 'status']) g;

-- 2. Windows starting and ending on a bucket boundary and one microsecond either side, whole days, one webhook.
SELECT f, t, w, series_agree('org_ser', f, t, w) AS agree, series_agree('org_ser', f, t, w, 'webhook') AS by_webhook
FROM (VALUES ('2025-08-02 00:00:00+00'::timestamptz, '2025-08-02 06:00:00+00'::timestamptz, '1 hour'::interval),
             ('2025-08-01 23:59:59.999999+00', '2025-08-02 06:00:00.000001+00', '1 hour'),
             ('2025-08-02 00:00:00.000001+00', '2025-08-02 05:59:59.999999+00', '1 hour'),
             ('2025-08-01 00:00+00', '2025-08-04 00:00+00', '1 hour'),
             ('2025-08-01 00:00+00', '2025-08-04 00:00+00', '1 day'),
             ('2025-08-01 00:00+00', '2025-08-04 00:00+00', '2 hours'),
             ('2025-08-02 05:59:59.999999+00', '2025-08-02 06:00:00.000001+00', '5 minutes'),
             ('1999-12-31 20:00+00', '2000-01-01 01:00+00', '90 minutes'),
             ('1999-12-31 20:00+00', '2000-01-01 01:00+00', '1 hour')) v(f, t, w);
SELECT series_agree('org_ser', '2025-08-01 03:00+00', '2025-08-03 21:30+00', '1 hour', NULL, 'wh_1') AS one_webhook,
       series_agree('org_ser', '2025-08-01 03:00+00', '2025-08-03 21:30+00', '1 hour', 'webhook', 'wh_1') AS one_webhook_by_webhook,
       series_agree('org_ser', '2025-08-01 03:00+00', '2025-08-03 21:30+00', '1 hour', 'event', 'wh_none') AS no_such_webhook;
-- The summaries hold the series through writes and compaction.
UPDATE webhook_events SET response_status = 200, done = 1, webhook_id = 'wh_moved',
       first_sent_at = created_at + interval '42 ms'
WHERE organization_id = 'org_ser' AND id % 10 = 3;
DELETE FROM webhook_events WHERE organization_id = 'org_ser' AND id % 17 = 5;
SELECT series_agree('org_ser', '2025-08-01 07:07+00', '2025-08-03 01:01+00', '1 hour') AS after_writes,
       series_agree('org_ser', '2025-08-01 07:07+00', '2025-08-03 01:01+00', '1 hour', 'webhook') AS after_writes_by_webhook;
SELECT webhook_summaries_compact() >= 0 AS compacted;
SELECT series_agree('org_ser', '2025-08-01 07:07+00', '2025-08-03 01:01+00', '3 hours', 'webhook') AS after_compaction;

-- Buckets of whole hours are read from the summaries hour by hour, other
-- buckets of whole 5-minute slices slice by slice, and the rest from rows:
-- with the hour detail damaged, a 3-hour series of whole days fails and the
-- others do not; with the slices damaged, the 90-minute one fails.
BEGIN;
UPDATE webhook_event_summaries SET hours = '\x03'::bytea WHERE organization_id = 'org_ser';
SELECT w, error_of(format($$SELECT count(*) FROM webhook_metrics_series('org_ser', '2025-08-01', '2025-08-03', %L)$$, w)) AS read
FROM unnest(ARRAY['3 hours', '90 minutes', '7 minutes']) w;
ROLLBACK;
BEGIN;
UPDATE webhook_event_summaries SET slices = '\x0300'::bytea WHERE organization_id = 'org_ser';
SELECT w, error_of(format($$SELECT count(*) FROM webhook_metrics_series('org_ser', '2025-08-01', '2025-08-03', %L)$$, w)) AS read
FROM unnest(ARRAY['3 hours', '90 minutes', '7 minutes']) w;
ROLLBACK;
-- Without the slices (NULL: a day written before 1.6) such a series reads
-- rows, also once a write merged the day (its slices stay unknown), and
-- not with a webhook filter or a breakdown.
BEGIN;
UPDATE webhook_event_summaries SET slices = NULL
WHERE organization_id = 'org_ser' AND day = date '2025-08-02' - date '2000-01-01';
SELECT series_agree('org_ser', '2025-08-01 05:10+00', '2025-08-03 17:55+00', '90 minutes') AS without_slices;
INSERT INTO webhook_events (organization_id, webhook_id, url, event, response_status, created_at,
                            first_sent_at, done)
VALUES ('org_ser', 'wh_1', 'https://ser.example/a', 'order.paid', 200, '2025-08-02 12:34:56+00',
        '2025-08-02 12:34:56.25+00', 1);
SELECT webhook_summaries_compact() >= 0 AS compacted;
SELECT count(*) FILTER (WHERE slices IS NULL) AS days_without_slices
FROM webhook_event_summaries WHERE organization_id = 'org_ser';
SELECT series_agree('org_ser', '2025-08-01 05:10+00', '2025-08-03 17:55+00', '90 minutes') AS merged_without_slices,
       series_agree('org_ser', '2025-08-02 00:00+00', '2025-08-03 00:00+00', '5 minutes') AS five_minutes;
UPDATE webhook_event_summaries SET slices = '\x0300'::bytea WHERE organization_id = 'org_ser';
SELECT series_agree('org_ser', '2025-08-02 00:00+00', '2025-08-03 00:00+00', '5 minutes', NULL, 'wh_1') AS one_webhook_reads_rows,
       series_agree('org_ser', '2025-08-02 00:00+00', '2025-08-03 00:00+00', '5 minutes', 'webhook') AS by_webhook_reads_rows;
ROLLBACK;
-- A row moved within an hour (other slice, same hour): the hours' counts
-- and their detail cancel out, the slices' do not.
BEGIN;
UPDATE webhook_events SET created_at = created_at + interval '10 minutes',
                          first_sent_at = first_sent_at + interval '10 minutes'
WHERE id = (SELECT min(id) FROM webhook_events WHERE organization_id = 'org_ser'
            AND created_at >= '2025-08-02 10:00+00' AND created_at < '2025-08-02 10:30+00');
SELECT series_agree('org_ser', '2025-08-02 09:00+00', '2025-08-02 12:00+00', '5 minutes') AS moved_within_hour;
ROLLBACK;

-- 3. Empty buckets: zeros and NULLs (a gap, as BI tools expect); an organization without rows.
SELECT * FROM webhook_metrics_series('org_ser_none', '2025-08-01 00:00+00', '2025-08-01 03:00+00');
SELECT count(*) AS rows FROM webhook_metrics_series('org_ser_none', '2025-08-01 00:00+00', '2025-08-01 03:00+00', '1 hour', 'webhook');
SELECT count(*) AS null_org FROM webhook_metrics_series(NULL, '2025-08-01', '2025-08-02');

-- 4. Invalid arguments: 22023 (22004 for a NULL bound).
SELECT a, error_of(format('SELECT count(*) FROM webhook_metrics_series(%s)', a)) AS error
FROM unnest(ARRAY[
    $$'org_ser', '2025-08-01', '2025-08-02', '1 month'$$,
    $$'org_ser', '2025-08-01', '2025-08-02', '1 year 1 day'$$,
    $$'org_ser', '2025-08-01', '2025-08-02', '999 milliseconds'$$,
    $$'org_ser', '2025-08-01', '2025-08-02', '0 seconds'$$,
    $$'org_ser', '2025-08-01', '2025-08-02', '-1 hour'$$,
    $$'org_ser', '2025-08-01', '2025-08-02', '1 hour', ''$$,
    $$'org_ser', '2025-08-01', '2025-08-02', '1 hour', 'Webhook'$$,
    $$'org_ser', '2025-08-01', '2025-08-02', '1 hour', 'webhook_id'$$,
    $$'org_ser', '2025-08-01', '2025-08-02', '1 hour', ' status'$$,
    $$'org_ser', '2025-08-02', '2025-08-01'$$,
    $$'org_ser', '2025-08-01', 'infinity'$$,
    $$'', '2025-08-01', '2025-08-02'$$,
    $$'org_ser', NULL, '2025-08-02'$$]) a;
SELECT count(*) AS null_bucket_is_an_hour
FROM webhook_metrics_series('org_ser', '2025-08-01 00:00+00', '2025-08-01 05:00+00', NULL);

-- 5. An attached table whose webhook_id may be NULL: the NULL webhook is a key of its own, last.
CREATE SCHEMA ser_own;
CREATE TABLE ser_own.webhook_events (LIKE public.webhook_events INCLUDING DEFAULTS);
ALTER TABLE ser_own.webhook_events ALTER COLUMN webhook_id DROP NOT NULL;
CREATE INDEX ON ser_own.webhook_events (organization_id, created_at);
SELECT webhook_summaries_attach('ser_own.webhook_events') AS rows_summarized;
INSERT INTO ser_own.webhook_events (id, organization_id, webhook_id, url, event, response_status,
                                    created_at, first_sent_at, delay_ms, done)
SELECT i, 'org_ser', CASE WHEN i % 4 = 0 THEN NULL ELSE 'wh_' || (i % 2) END, 'https://own.example/',
       'own', (ARRAY[200, 500, NULL, 404])[i % 4 + 1],
       timestamptz '2025-08-01 00:00+00' + i * interval '17 minutes',
       timestamptz '2025-08-01 00:00+00' + i * interval '17 minutes' + (i % 7) * interval '150 ms', i % 20, i % 2
FROM generate_series(1, 300) i;
SET whanalytics.events_table = 'ser_own.webhook_events';
SET search_path = ser_own, public;
SELECT g AS group_by, series_agree('org_ser', '2025-08-01 03:03+00', '2025-08-03 22:22+00', '1 hour', g) AS agree
FROM unnest(ARRAY[NULL, 'webhook', 'status']) g;
SELECT key, sum(total) AS total FROM webhook_metrics_series('org_ser', '2025-08-01', '2025-08-05', '1 day', 'webhook')
GROUP BY key ORDER BY key COLLATE "C" NULLS LAST;
RESET search_path;
RESET whanalytics.events_table;
SELECT webhook_summaries_detach('ser_own.webhook_events');
DROP SCHEMA ser_own CASCADE;

-- 6. A tenant under a setting-based policy: its own organization from the summaries, another's empty.
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_ser_tenant;
RESET client_min_messages;
CREATE ROLE regress_ser_tenant NOLOGIN;
GRANT SELECT ON webhook_events, webhooks TO regress_ser_tenant;
ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY ser_tenant ON webhook_events FOR SELECT TO regress_ser_tenant
    USING (organization_id = current_setting('app.org_id', true));
INSERT INTO webhook_events (organization_id, webhook_id, url, event, response_status, created_at, done)
VALUES ('org_ser_other', 'wh_o', 'https://o.example', 'o', 500, '2025-08-02 10:00+00', 1);
SET app.org_id = 'org_ser';
SET ROLE regress_ser_tenant;
SELECT org, series_agree(org, '2025-08-01 05:10+00', '2025-08-03 08:00+00', '1 hour', 'webhook') AS as_tenant,
       (SELECT sum(total) FROM webhook_metrics_series(org, '2025-08-01', '2025-08-04', '1 day')) AS total
FROM unnest(ARRAY['org_ser', 'org_ser_other']) org;
RESET ROLE;
RESET app.org_id;
DROP POLICY ser_tenant ON webhook_events;
ALTER TABLE webhook_events DISABLE ROW LEVEL SECURITY;
REVOKE SELECT ON webhook_events, webhooks FROM regress_ser_tenant;
DROP ROLE regress_ser_tenant;

DELETE FROM webhook_events WHERE organization_id LIKE 'org_ser%';
\i test/teardown.sql
