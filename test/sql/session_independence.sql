-- session_independence: same results whatever the TimeZone, DateStyle, IntervalStyle,
-- float output, plan, parallel worker or search_path (empty, or hostile first);
-- 'last_day' is exactly 24 hours across a DST change; hours and days are UTC.
\i test/setup.sql
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- Deliveries over three UTC days, with fractional latencies (so percentiles
-- interpolate) and rows near UTC midnight.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, resource_id, payload,
                            response_status, response_body, error, retries, created_at,
                            updated_at, first_sent_at, delay_ms, done)
SELECT 'webhook_sess_' || (k % 2), 'org_sess_a', 'https://sess.example/' || (k % 3),
       'sess.event_' || (k % 4), 'r' || k, jsonb_build_object('k', k),
       CASE WHEN k % 5 = 0 THEN NULL WHEN k % 3 = 0 THEN 502 ELSE 201 END,
       'body ' || k, CASE WHEN k % 5 = 0 THEN '{"reason": "timeout"}'::jsonb END,
       k % 3, c, c + interval '90 seconds',
       CASE WHEN k % 4 <> 3 THEN c + k * k * interval '37.3 ms' END,
       k * 7 % 23, k % 2
FROM generate_series(0, 17) AS k,
     LATERAL (SELECT '2025-03-08 00:00:00+00'::timestamptz
                     + k * interval '3 hours 17 minutes 13.5 seconds' AS c) AS t;
INSERT INTO webhooks (id, organization_id, url, events)
VALUES ('webhook_sess_0', 'org_sess_a', 'https://sess.example/0', '{sess.event_0,sess.event_1}'),
       ('webhook_sess_1', 'org_sess_a', 'https://sess.example/1', '{sess.event_2}');
-- Around the window of 'last_day' at 2025-03-09 12:00 America/New_York
-- (16:00 UTC, the day the clocks go forward at 07:00 UTC): at its start (in),
-- just before it (out), during the skipped local hour (in), just before its
-- end (in), at its end (out).
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at)
VALUES ('webhook_sess_dst', 'org_sess_dst', 'https://dst.example', 'dst.start', '2025-03-08 16:00:00+00'),
       ('webhook_sess_dst', 'org_sess_dst', 'https://dst.example', 'dst.before', '2025-03-08 15:59:59.999999+00'),
       ('webhook_sess_dst', 'org_sess_dst', 'https://dst.example', 'dst.skipped', '2025-03-09 07:30:00+00'),
       ('webhook_sess_dst', 'org_sess_dst', 'https://dst.example', 'dst.end', '2025-03-09 15:59:59.999999+00'),
       ('webhook_sess_dst', 'org_sess_dst', 'https://dst.example', 'dst.after', '2025-03-09 16:00:00+00');
-- One delivery an hour ago, for calls that leave as_of to its default.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at)
VALUES ('webhook_sess_now', 'org_sess_now', 'https://now.example', 'now.event', now() - interval '1 hour');

-- The calls under test. The views bind their functions and constants now
-- (under UTC); the functions run under whatever the session is when queried.
CREATE TEMP VIEW session_json AS
SELECT webhook_analytics_json_between('org_sess_a', '2025-03-08 00:00+00', '2025-03-10 12:00+00', NULL, 3, 4) AS between_json,
       webhook_analytics_json('org_sess_a', 'last_7_days', '2025-03-10 12:00+00') AS period_json,
       webhook_analytics_json('org_sess_dst', 'last_day', '2025-03-09 16:00+00') AS dst_json;
CREATE TEMP VIEW session_days AS
SELECT * FROM webhook_day_metrics('org_sess_a', '2025-03-07 20:00+00', '2025-03-10 12:00+00') WITH ORDINALITY;
CREATE TEMP VIEW session_hours AS
SELECT * FROM webhook_hourly_metrics('org_sess_a', '2025-03-08 22:30+00', '2025-03-09 10:30+00') WITH ORDINALITY;

-- The reference, under UTC, and what the oracle says of it.
CREATE TEMP TABLE ref_json AS SELECT * FROM session_json;
CREATE TEMP TABLE ref_days AS SELECT * FROM session_days;
CREATE TEMP TABLE ref_hours AS SELECT * FROM session_hours;
SELECT (SELECT count(*) FROM ref_days) AS days, (SELECT count(*) FROM ref_hours) AS hours,
       between_json -> 'data' -> 'day_metrics' -> 'total' AS between_total,
       dst_json -> 'data' -> 'day_metrics' -> 'total' AS dst_total
FROM ref_json;

CREATE TEMP VIEW same_as_oracle AS
SELECT json_diff(r.between_json, plain_analytics_json_between('org_sess_a', '2025-03-08 00:00+00', '2025-03-10 12:00+00', NULL, 3, 4)) AS between_diff,
       r.period_json = plain_analytics_json('org_sess_a', 'last_7_days', '2025-03-10 12:00+00') AS period_json,
       r.dst_json = plain_analytics_json('org_sess_dst', 'last_day', '2025-03-09 16:00+00') AS dst_json,
       NOT EXISTS (TABLE ref_days EXCEPT ALL
                   SELECT * FROM plain_day_metrics('org_sess_a', '2025-03-07 20:00+00', '2025-03-10 12:00+00') WITH ORDINALITY)
       AND NOT EXISTS (SELECT * FROM plain_day_metrics('org_sess_a', '2025-03-07 20:00+00', '2025-03-10 12:00+00') WITH ORDINALITY
                       EXCEPT ALL TABLE ref_days) AS day_metrics,
       NOT EXISTS (TABLE ref_hours EXCEPT ALL
                   SELECT * FROM plain_hourly_metrics('org_sess_a', '2025-03-08 22:30+00', '2025-03-09 10:30+00') WITH ORDINALITY)
       AND NOT EXISTS (SELECT * FROM plain_hourly_metrics('org_sess_a', '2025-03-08 22:30+00', '2025-03-09 10:30+00') WITH ORDINALITY
                       EXCEPT ALL TABLE ref_hours) AS hourly_metrics
FROM ref_json r;
SELECT * FROM same_as_oracle;

-- One row of booleans: each result equals the reference.
CREATE TEMP VIEW same_as_reference AS
SELECT s.between_json = r.between_json AS between_json,
       s.period_json = r.period_json AS period_json,
       s.dst_json = r.dst_json AS dst_json,
       NOT EXISTS (TABLE ref_days EXCEPT ALL TABLE session_days)
       AND NOT EXISTS (TABLE session_days EXCEPT ALL TABLE ref_days) AS day_metrics,
       NOT EXISTS (TABLE ref_hours EXCEPT ALL TABLE session_hours)
       AND NOT EXISTS (TABLE session_hours EXCEPT ALL TABLE ref_hours) AS hourly_metrics
FROM session_json s, ref_json r;

-- TimeZone.
SET TimeZone = 'America/New_York';
SELECT * FROM same_as_reference;
SELECT * FROM same_as_oracle;
SET TimeZone = 'Asia/Kolkata';
SELECT * FROM same_as_reference;
SET TimeZone = 'Pacific/Chatham';
SELECT * FROM same_as_reference;
SELECT * FROM same_as_oracle;
SET TimeZone = 'UTC';

-- DateStyle and IntervalStyle.
SET DateStyle = 'SQL, DMY';
SELECT * FROM same_as_reference;
SET DateStyle = 'German';
SELECT * FROM same_as_reference;
SET DateStyle = 'Postgres, MDY';
SELECT * FROM same_as_reference;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'sql_standard';
SELECT * FROM same_as_reference;
SET IntervalStyle = 'iso_8601';
SELECT * FROM same_as_reference;
SET IntervalStyle = 'postgres_verbose';
SELECT * FROM same_as_reference;
RESET IntervalStyle;

-- Float output precision, and a plan without index scans.
SET extra_float_digits = -15;
SELECT * FROM same_as_reference;
SET extra_float_digits = 3;
SELECT * FROM same_as_reference;
RESET extra_float_digits;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT * FROM same_as_reference;
RESET enable_indexscan;
RESET enable_bitmapscan;

-- Under force_parallel_mode: the functions are PARALLEL RESTRICTED (they
-- consult what this backend's transaction has changed, which a worker
-- cannot see), so the plan keeps them in the leader, and the answers stay
-- the same (the reference comes as a constant).
SELECT between_json AS ref_between, dst_json AS ref_dst FROM ref_json \gset
SET force_parallel_mode = on;
EXPLAIN (COSTS OFF)
SELECT webhook_analytics_json_between('org_sess_a', '2025-03-08 00:00+00', '2025-03-10 12:00+00', NULL, 3, 4) = :'ref_between';
SELECT webhook_analytics_json_between('org_sess_a', '2025-03-08 00:00+00', '2025-03-10 12:00+00', NULL, 3, 4) = :'ref_between' AS between_json,
       webhook_analytics_json('org_sess_dst', 'last_day', '2025-03-09 16:00+00') = :'ref_dst' AS dst_json;
RESET force_parallel_mode;

-- A read-only transaction.
BEGIN READ ONLY;
SELECT * FROM same_as_reference;
COMMIT;

-- An empty search_path: the functions are called schema-qualified.
SET search_path = '';
SELECT * FROM pg_temp.same_as_reference;
SELECT public.webhook_analytics_json_between('org_sess_a', '2025-03-08 00:00+00', '2025-03-10 12:00+00', NULL, 3, 4)
       = (SELECT between_json FROM pg_temp.ref_json) AS between_json,
       public.webhook_analytics_json('org_sess_dst', 'last_day', '2025-03-09 16:00+00')
       = (SELECT dst_json FROM pg_temp.ref_json) AS dst_json,
       (SELECT count(*) FROM public.webhook_hourly_metrics('org_sess_a', '2025-03-08 22:30+00', '2025-03-09 10:30+00')) AS hours,
       (public.webhook_analytics_json('org_sess_now') -> 'data' -> 'day_metrics' ->> 'total')::integer AS default_as_of_total;
RESET search_path;

-- A hostile schema first in search_path, even before pg_catalog: its own
-- webhook_events and webhooks with other rows, now(), text =, timestamptz
-- >= and <, cardinality() and count(*).
CREATE SCHEMA sess_hostile;
CREATE TABLE sess_hostile.webhook_events (LIKE public.webhook_events INCLUDING DEFAULTS);
INSERT INTO sess_hostile.webhook_events (id, webhook_id, organization_id, url, event, response_status, created_at, done)
SELECT k, 'webhook_sess_0', 'org_sess_a', 'https://hostile.example', 'hostile.event', 500,
       '2025-03-09 12:00+00'::timestamptz + k * interval '1 minute', 0
FROM generate_series(1, 3) AS k;
CREATE TABLE sess_hostile.webhooks (LIKE public.webhooks INCLUDING DEFAULTS);
INSERT INTO sess_hostile.webhooks (id, organization_id, url, events)
VALUES ('webhook_sess_0', 'org_sess_a', 'https://hostile.example', '{hostile.event}');
CREATE FUNCTION sess_hostile.now() RETURNS timestamptz
    LANGUAGE sql AS $$ SELECT '2000-01-01 00:00+00'::pg_catalog.timestamptz $$;
CREATE FUNCTION sess_hostile.always(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR sess_hostile.= (LEFTARG = text, RIGHTARG = text, FUNCTION = sess_hostile.always);
CREATE FUNCTION sess_hostile.always(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR sess_hostile.>= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = sess_hostile.always);
CREATE OPERATOR sess_hostile.< (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = sess_hostile.always);
CREATE FUNCTION sess_hostile.cardinality(anyarray) RETURNS integer LANGUAGE sql AS 'SELECT 1000';
CREATE AGGREGATE sess_hostile.count(*) (SFUNC = int8inc, STYPE = int8, INITCOND = '1000');
SET search_path = sess_hostile, pg_catalog, public;
-- The traps are armed: unqualified SQL now means the hostile objects.
SELECT 'a' = 'b' AS text_equal, now() = '2000-01-01 00:00+00' AS hostile_now,
       (SELECT count(*) FROM webhook_events) AS hostile_count;
-- The extension is not fooled.
SELECT * FROM same_as_reference;
SELECT public.webhook_analytics_json_between('org_sess_a', '2025-03-08 00:00+00', '2025-03-10 12:00+00', NULL, 3, 4)
       = (SELECT between_json FROM ref_json) AS between_json,
       (public.webhook_analytics_json('org_sess_now') -> 'data' -> 'day_metrics' ->> 'total')::integer AS default_as_of_total,
       public.webhook_analytics_json('org_sess_now') OPERATOR(pg_catalog.=)
       public.webhook_analytics_json('org_sess_now', 'last_day', pg_catalog.now()) AS default_as_of_is_now;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA sess_hostile CASCADE;
RESET client_min_messages;

-- DST: under America/New_York, 'last_day' ending 2025-03-09 12:00 local is
-- the 24 hours [2025-03-08 16:00, 2025-03-09 16:00) UTC, though the local
-- clock moves 25 hours and "minus 1 day" there is 23 hours.
SET TimeZone = 'America/New_York';
SELECT webhook_analytics_json('org_sess_dst', 'last_day', '2025-03-09 12:00') = (SELECT dst_json FROM ref_json) AS same_as_reference,
       webhook_analytics_json('org_sess_dst', 'last_day', '2025-03-09 12:00') -> 'data' -> 'top_events' AS top_events,
       webhook_analytics_json('org_sess_dst', 'last_day', '2025-03-09 12:00') -> 'data' -> 'hourly_metrics' AS hourly_metrics;
SELECT (SELECT count(*) FROM webhook_hourly_metrics('org_sess_dst', '2025-03-09 12:00'::timestamptz - interval '24 hours', '2025-03-09 12:00')) AS hours_in_24h,
       (SELECT count(*) FROM webhook_hourly_metrics('org_sess_dst', '2025-03-09 12:00'::timestamptz - interval '1 day', '2025-03-09 12:00')) AS hours_in_local_day;
-- The hours are UTC hours, the first one 16:00 UTC (11:00 local).
SELECT min(hour) AS first_hour, max(hour) AS last_hour, sum(total) AS total,
       bool_and(date_trunc('hour', hour AT TIME ZONE 'UTC') = hour AT TIME ZONE 'UTC') AS utc_hours
FROM webhook_hourly_metrics('org_sess_dst', '2025-03-09 12:00'::timestamptz - interval '24 hours', '2025-03-09 12:00');
-- Where the offset is not whole hours, the hours still start on UTC hours
-- (at half past, local time), and the days are UTC days.
SET TimeZone = 'Asia/Kolkata';
SELECT count(*) AS hours,
       bool_and(date_trunc('hour', hour AT TIME ZONE 'UTC') = hour AT TIME ZONE 'UTC') AS utc_hours,
       bool_and(extract(minute FROM hour) = 30) AS half_past_locally
FROM webhook_hourly_metrics('org_sess_a', '2025-03-09 00:00+00', '2025-03-09 06:00+00');
SET TimeZone = 'Pacific/Chatham';
SELECT array_agg(day ORDER BY day) AS days,
       array_agg(total ORDER BY day) AS totals,
       sum(total) = (SELECT count(*) FROM webhook_events
                     WHERE organization_id = 'org_sess_a'
                       AND created_at >= '2025-03-07 20:00+00' AND created_at < '2025-03-10 12:00+00') AS all_rows
FROM webhook_day_metrics('org_sess_a', '2025-03-07 20:00+00', '2025-03-10 12:00+00');
SELECT array_agg(total ORDER BY day) = array_agg((SELECT count(*) FROM webhook_events e
                                                 WHERE e.organization_id = 'org_sess_a'
                                                   AND (e.created_at AT TIME ZONE 'UTC')::date = d.day
                                                   AND e.created_at >= '2025-03-07 20:00+00'
                                                   AND e.created_at < '2025-03-10 12:00+00') ORDER BY day) AS utc_day_counts
FROM webhook_day_metrics('org_sess_a', '2025-03-07 20:00+00', '2025-03-10 12:00+00') AS d;
RESET TimeZone;
\i test/teardown.sql
