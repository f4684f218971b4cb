-- include: the optional parts of the response (SPEC 5.1) against the
-- oracle (test/plain_sql.sql, plain_response_parts), read through the
-- summaries and from the rows only, for whole days, partial hours at both
-- edges (rows on an hour boundary and one microsecond either side), one
-- webhook, an empty previous window; statuses of every class and odd
-- values, latencies of exactly 99/100/499/500/999/1000 ms and half a
-- millisecond, done values other than 0 and 1, ties in every ordering; an
-- attached table whose webhook_id, retries and done may be NULL; a tenant
-- under row-level security; every invalid include; a call without include
-- byte for byte as before.
\i test/setup.sql
SET TimeZone = 'UTC';

-- parts_agree (test/helpers.sql) compares the parts through the summaries,
-- from the rows, and the oracle's, for top_n 2 and 50.
CREATE FUNCTION all_parts() RETURNS text[] LANGUAGE sql IMMUTABLE AS
$$ SELECT '{previous,status_codes,latency_breakdown,retries,webhooks}'::text[] $$;

-- 1. The deliveries: three webhooks, every status class and odd statuses,
-- latencies on the breakdown's bounds, done 0, 1, 2 and -1, retries 0-3,
-- rows on the hour boundary 2025-08-02 06:00 and one microsecond either side.
INSERT INTO webhook_events (organization_id, webhook_id, url, event, response_status, error, retries,
                            created_at, first_sent_at, delay_ms, done)
SELECT 'org_inc', 'wh_' || (i % 3), 'https://inc.example/' || (i % 4), 'inc.' || (i % 5),
       (ARRAY[200, 201, 299, 404, 500, 599, NULL, 99, 100, 199, 300, 399, 400, 499, 600, -1, 0, 2147483647])[i % 18 + 1],
       CASE WHEN i % 11 = 0 THEN '{"e": 1}'::jsonb WHEN i % 13 = 0 THEN 'null'::jsonb END,
       i % 4,
       timestamptz '2025-08-01 00:00+00' + i * interval '7 minutes 13 seconds',
       timestamptz '2025-08-01 00:00+00' + i * interval '7 minutes 13 seconds'
           + (ARRAY[99, 100, 499, 500, 999, 1000, 99.5, 99.4999, 0.5, -20, 1499.5, 7])[i % 12 + 1] * interval '1 ms',
       CASE WHEN i % 9 = 0 THEN NULL ELSE i % 50 END,
       (ARRAY[0, 1, 2, -1])[i % 4 + 1]
FROM generate_series(1, 1200) i;
INSERT INTO webhook_events (organization_id, webhook_id, url, event, response_status, retries,
                            created_at, first_sent_at, delay_ms, done)
VALUES ('org_inc', 'wh_edge', 'https://inc.example/edge', 'inc.edge', 503, 2,
        '2025-08-02 05:59:59.999999+00', NULL, 5, 1),
       ('org_inc', 'wh_edge', 'https://inc.example/edge', 'inc.edge', 200, 1,
        '2025-08-02 06:00:00+00', '2025-08-02 06:00:00.1+00', 5, 1),
       ('org_inc', 'wh_edge', 'https://inc.example/edge', 'inc.edge', NULL, 0,
        '2025-08-02 06:00:00.000001+00', '2025-08-02 06:00:01.000001+00', NULL, 0);
SELECT usable FROM webhook_summaries_status('org_inc') WHERE events = 'webhook_events'::regclass;

-- What the parts look like, for one window.
SELECT jsonb_pretty((webhook_analytics_json_between('org_inc', '2025-08-01 10:00+00', '2025-08-02 10:00+00',
                                                   NULL, 3, 0, all_parts()) -> 'data')
                    - '{day_metrics,top_events,top_failed_urls,hourly_metrics,total,last_events,latency}'::text[]);

-- 2. Windows of whole days, of partial hours at both edges, on the hour
-- boundary and one microsecond either side, one webhook, an empty
-- previous window (total_pct null).
SELECT f, t, w, parts_agree('org_inc', f, t, w) AS agree
FROM (VALUES ('2025-08-01 00:00+00'::timestamptz, '2025-08-04 00:00+00'::timestamptz, NULL::text),
             ('2025-08-01 05:10:03+00', '2025-08-03 17:59:59.999999+00', NULL),
             ('2025-08-02 06:00:00+00', '2025-08-02 07:00:00+00', NULL),
             ('2025-08-02 05:59:59.999999+00', '2025-08-02 06:00:00.000001+00', NULL),
             ('2025-08-02 06:00:00.000001+00', '2025-08-03 06:00:00+00', NULL),
             ('2025-08-02 05:00:00+00', '2025-08-02 06:00:00+00', 'wh_edge'),
             ('2025-08-01 00:00+00', '2025-08-04 00:00+00', 'wh_1'),
             ('2025-08-01 03:00+00', '2025-08-02 21:30+00', 'wh_none')) v(f, t, w);
SELECT webhook_analytics_json_between('org_inc', '2025-08-01 00:00+00', '2025-08-02 00:00+00',
                                      include => '{previous}') #> '{data,change,total_pct}' AS empty_previous,
       webhook_analytics_json_between('org_inc', '2025-08-01 00:00+00', '2025-08-02 00:00+00',
                                      include => '{previous}') #> '{data,previous,day_metrics}' AS previous_day;
-- Each element alone adds its own keys and no others.
SELECT p, parts_agree('org_inc', '2025-08-01 05:10+00', '2025-08-03 08:00+00', NULL, ARRAY[p]) AS agree,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(
            webhook_analytics_json_between('org_inc', '2025-08-01 05:10+00', '2025-08-03 08:00+00',
                                           include => ARRAY[p]) -> 'data') k
        WHERE k NOT IN ('day_metrics', 'top_events', 'top_failed_urls', 'hourly_metrics', 'total',
                        'last_events', 'latency')) AS added
FROM unnest(all_parts()) p;
-- A rolling period: previous is the period just before.
SELECT webhook_analytics_json('org_inc', 'last_day', '2025-08-03 12:34:56.5+00', NULL, 5, 10, all_parts())
     = plain_analytics_json('org_inc', 'last_day', '2025-08-03 12:34:56.5+00', NULL, 5, 10, all_parts()) AS last_day,
       webhook_analytics_json('org_inc', 'prev_last_day', '2025-08-04 00:00+00', NULL, 5, 10, all_parts())
     = plain_analytics_json('org_inc', 'prev_last_day', '2025-08-04 00:00+00', NULL, 5, 10, all_parts()) AS prev_last_day;
-- An organization without rows: zeros, empty lists, total_pct null.
SELECT parts_agree('org_inc_none', '2025-08-01', '2025-08-02') AS agree;
SELECT key, value FROM jsonb_each(webhook_analytics_json_between('org_inc_none', '2025-08-01', '2025-08-02',
                                                                 NULL, 5, 10, all_parts()) -> 'data')
WHERE key NOT IN ('day_metrics', 'top_events', 'top_failed_urls', 'hourly_metrics', 'total', 'last_events', 'latency')
ORDER BY key;

-- 3. The summaries hold the parts through writes: an update moving rows
-- between statuses and webhooks, a delete, more inserts; then compacted.
UPDATE webhook_events SET response_status = 200, retries = retries + 1, done = 1, webhook_id = 'wh_moved'
WHERE organization_id = 'org_inc' AND id % 10 = 3;
DELETE FROM webhook_events WHERE organization_id = 'org_inc' AND id % 17 = 5;
SELECT parts_agree('org_inc', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS after_writes,
       parts_agree('org_inc', '2025-08-01 07:07+00', '2025-08-03 01:01+00') AS after_writes_partial;
SELECT webhook_summaries_compact() >= 0 AS compacted;
SELECT parts_agree('org_inc', '2025-08-01 07:07+00', '2025-08-03 01:01+00') AS after_compaction;

-- 4. Without include, or with '{}' or NULL, a call returns what it did, byte for byte.
SELECT webhook_analytics_json_between('org_inc', '2025-08-01', '2025-08-03')::text
     = webhook_analytics_json_between('org_inc', '2025-08-01', '2025-08-03', NULL, 5, 10, '{}')::text AS empty_include,
       webhook_analytics_json_between('org_inc', '2025-08-01', '2025-08-03')::text
     = webhook_analytics_json_between('org_inc', '2025-08-01', '2025-08-03', NULL, 5, 10, NULL)::text AS null_include,
       webhook_analytics_json('org_inc', 'last_7_days', '2025-08-04')::text
     = webhook_analytics_json('org_inc', 'last_7_days', '2025-08-04', include => '{}')::text AS period_empty,
       webhook_analytics_json_between('org_inc', '2025-08-01', '2025-08-03', include => '{retries,retries,webhooks,retries}')
     = webhook_analytics_json_between('org_inc', '2025-08-01', '2025-08-03', include => '{webhooks,retries}') AS repeated_once;

-- 5. Invalid include elements, and a previous window before 4714 BC: 22023.
SELECT i, error_of(format('SELECT webhook_analytics_json(%L, include => %L)', 'org_inc', i)) AS error
FROM unnest(ARRAY['{nope}', '{NULL}', '{""}', '{Previous}', '{" previous"}', '{previous,bogus}',
                  '{{previous},{retries}}']) i;
SELECT error_of($$SELECT webhook_analytics_json_between('org_inc', '4713-01-01 00:00+00 BC', '2000-01-01 00:00+00',
                                                       include => '{previous}')$$) AS too_early,
       webhook_analytics_json_between('org_inc', '4713-01-01 00:00+00 BC', '2000-01-01 00:00+00',
                                      include => '{retries}') #> '{data,retries,retried}' AS without_previous;

-- 6. An attached table whose webhook_id, retries and done may be NULL:
-- such rows are in the summaries (a NULL webhook_id as its own webhook,
-- listed last among ties), answers equal the oracle's over the same rows.
CREATE SCHEMA inc_own;
CREATE TABLE inc_own.webhook_events (LIKE public.webhook_events INCLUDING DEFAULTS);
ALTER TABLE inc_own.webhook_events ALTER COLUMN webhook_id DROP NOT NULL, ALTER COLUMN retries DROP NOT NULL, ALTER COLUMN done DROP NOT NULL;
CREATE INDEX ON inc_own.webhook_events (organization_id, created_at);
SELECT webhook_summaries_attach('inc_own.webhook_events') AS rows_summarized;
INSERT INTO inc_own.webhook_events (id, organization_id, webhook_id, url, event, response_status, retries,
                                    created_at, first_sent_at, delay_ms, done)
SELECT i, 'org_inc', CASE WHEN i % 4 = 0 THEN NULL ELSE 'wh_' || (i % 2) END, 'https://own.example/' || (i % 3),
       'own.' || (i % 2), (ARRAY[200, 500, NULL, 404])[i % 4 + 1], CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 END,
       timestamptz '2025-08-01 00:00+00' + i * interval '17 minutes',
       timestamptz '2025-08-01 00:00+00' + i * interval '17 minutes' + (i % 7) * interval '150 ms',
       i % 20, CASE WHEN i % 6 = 0 THEN NULL ELSE i % 3 END
FROM generate_series(1, 300) i;
SET whanalytics.events_table = 'inc_own.webhook_events';
SET search_path = inc_own, public;
SELECT usable FROM webhook_summaries_status('org_inc') WHERE events = 'inc_own.webhook_events'::regclass;
SELECT parts_agree('org_inc', '2025-08-01 00:00+00', '2025-08-04 00:00+00') AS own_whole_days,
       parts_agree('org_inc', '2025-08-01 03:03+00', '2025-08-03 22:22+00') AS own_partial,
       parts_agree('org_inc', '2025-08-01 03:03+00', '2025-08-03 22:22+00', '', ARRAY['webhooks']) AS own_empty_webhook;
SELECT paths_agree('org_inc', '2025-08-01 03:03+00', '2025-08-03 22:22+00') AS own_without_include;
SELECT w ->> 'webhook_id' AS webhook_id, w -> 'total' AS total, w -> 'failed' AS failed
FROM jsonb_array_elements(webhook_analytics_json_between('org_inc', '2025-08-01', '2025-08-04', NULL, 10, 0,
                                                         '{webhooks}') #> '{data,webhooks}') w;
RESET search_path;
RESET whanalytics.events_table;
SELECT webhook_summaries_detach('inc_own.webhook_events');

-- 7. A tenant under a setting-based policy sees its own organization's
-- parts from the summaries, and another's as empty, as plain SQL shows it.
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_inc_tenant;
RESET client_min_messages;
CREATE ROLE regress_inc_tenant NOLOGIN;
GRANT SELECT ON webhook_events, webhooks TO regress_inc_tenant;
ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY inc_tenant ON webhook_events FOR SELECT TO regress_inc_tenant
    USING (organization_id = current_setting('app.org_id', true));
INSERT INTO webhook_events (organization_id, webhook_id, url, event, response_status, created_at, done)
VALUES ('org_inc_other', 'wh_o', 'https://o.example', 'o', 500, '2025-08-02 10:00+00', 1);
SET app.org_id = 'org_inc';
SET ROLE regress_inc_tenant;
SELECT org, parts_agree(org, '2025-08-01 05:10+00', '2025-08-03 08:00+00') AS as_tenant,
       webhook_analytics_json_between(org, '2025-08-01 05:10+00', '2025-08-03 08:00+00', NULL, 5, 0,
                                      '{status_codes}') #> '{data,status_classes,none}' AS none_count
FROM unnest(ARRAY['org_inc', 'org_inc_other']) org;
SELECT usable, reason FROM webhook_summaries_status('org_inc') WHERE events = 'webhook_events'::regclass;
RESET ROLE;
RESET app.org_id;
DROP POLICY inc_tenant ON webhook_events;
ALTER TABLE webhook_events DISABLE ROW LEVEL SECURITY;
REVOKE SELECT ON webhook_events, webhooks FROM regress_inc_tenant;
DROP ROLE regress_inc_tenant;

-- 8. Summaries of format 2 (what 1.4 wrote, met between make install and
-- ALTER EXTENSION UPDATE): read for the parts they hold, and a call whose
-- parts need the statuses or retries reads rows instead; a day merged from
-- one keeps the mark (flags byte 1) and the fallback. The value is made by
-- hand: webhook "wh_v2", hour 5, one success with event "e", in the day
-- value (its counters and the day's detail) and in the hours value (hour
-- 5's detail, which a merge reads instead of the day's).
INSERT INTO webhook_events (organization_id, webhook_id, url, event, response_status, retries,
                            created_at, done)
VALUES ('org_inc_v2', 'wh_v2', 'https://v2.example', 'e', 200, 0, '2025-09-01 05:30+00', 1);
DELETE FROM webhook_event_summaries WHERE organization_id = 'org_inc_v2';
INSERT INTO webhook_event_summaries (events, organization_id, day, state, hours)
VALUES ('webhook_events'::regclass, 'org_inc_v2', date '2025-09-01' - date '2000-01-01',
        '\x02010577685f76320f010502020000000000010265020000'::bytea,
        '\x02010577685f763209010506010265020000'::bytea);
SELECT webhook_analytics_json_between('org_inc_v2', '2025-09-01', '2025-09-02')
     = plain_analytics_json_between('org_inc_v2', '2025-09-01', '2025-09-02') AS format_2_read,
       parts_agree('org_inc_v2', '2025-09-01', '2025-09-02') AS format_2_parts;
UPDATE webhook_event_summaries SET state = '\x02010577685f76320f010504040000000000010265040000'::bytea
WHERE organization_id = 'org_inc_v2';
SELECT webhook_analytics_json_between('org_inc_v2', '2025-09-01', '2025-09-02') #> '{data,day_metrics,total}'
           AS read_from_it,
       webhook_analytics_json_between('org_inc_v2', '2025-09-01', '2025-09-02', include => '{status_codes}')
           #> '{data,day_metrics,total}' AS parts_from_rows;
UPDATE webhook_event_summaries SET state = '\x02010577685f76320f010502020000000000010265020000'::bytea
WHERE organization_id = 'org_inc_v2';
INSERT INTO webhook_events (organization_id, webhook_id, url, event, response_status, retries,
                            created_at, done)
VALUES ('org_inc_v2', 'wh_v2', 'https://v2.example', 'e', 503, 2, '2025-09-01 07:00+00', 1);
SELECT webhook_summaries_compact() >= 0 AS compacted;
SELECT count(*) AS rows, min(get_byte(state, 0)) AS version, min(get_byte(state, 1)) AS flags
FROM webhook_event_summaries WHERE organization_id = 'org_inc_v2';
SELECT parts_agree('org_inc_v2', '2025-09-01', '2025-09-02') AS merged_parts,
       paths_agree('org_inc_v2', '2025-09-01', '2025-09-02') AS merged_paths;
SELECT webhook_summaries_rebuild() > 0 AS rebuilt;
SELECT min(get_byte(state, 1)) AS flags_after_rebuild FROM webhook_event_summaries WHERE organization_id = 'org_inc_v2';

DROP SCHEMA inc_own CASCADE;
DELETE FROM webhook_events WHERE organization_id LIKE 'org_inc%';
DROP FUNCTION all_parts;
\i test/teardown.sql
