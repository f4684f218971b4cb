-- hourly_metrics: webhook_hourly_metrics is dense (every UTC hour the window
-- overlaps, empty hours as zeros), oldest first, and equals the plain-SQL
-- oracle; its rows add up to the JSON response's totals.
\i test/setup.sql
SET TimeZone = 'Asia/Kathmandu';

-- Fixture: org_hour has rows in 10:00, 10:59:59.999999, 11:30 and 14:00 UTC.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, delay_ms, done)
VALUES ('webhook_hour_1', 'org_hour', 'u', 'x', 200, NULL, 0, '2025-05-10 10:00:00+00', 4, 1),
       ('webhook_hour_1', 'org_hour', 'u', 'x', 500, NULL, 1, '2025-05-10 10:59:59.999999+00', 5, 0),
       ('webhook_hour_2', 'org_hour', 'u', 'x', NULL, '{"e": 1}', 2, '2025-05-10 11:30:00+00', NULL, 0),
       ('webhook_hour_2', 'org_hour', 'u', 'x', NULL, 'null', 0, '2025-05-10 14:00:00+00', -3, 0),
       ('webhook_hour_2', 'org_hour', 'u', 'x', 201, NULL, 0, '2025-05-10 15:00:00+00', 1, 1);

-- Window 09:30 to 15:00: hours 09 to 14, with 12 and 13 empty; the 15:00 row is out.
SELECT hour AT TIME ZONE 'UTC' AS utc_hour, total, success, failed, pending, avg_delay_ms
FROM webhook_hourly_metrics('org_hour', '2025-05-10 09:30+00', '2025-05-10 15:00+00');

-- Against the oracle, for many windows and both filters.
SELECT f, t, w,
       (SELECT array_agg(h ORDER BY h.hour) FROM webhook_hourly_metrics('org_hour', f, t, w) h)
         IS NOT DISTINCT FROM
       (SELECT array_agg(h ORDER BY h.hour) FROM plain_hourly_metrics('org_hour', f, t, w) h) AS equal,
       (SELECT count(*) FROM webhook_hourly_metrics('org_hour', f, t, w)) AS hours
FROM (VALUES ('2025-05-10 00:00+00'::timestamptz, '2025-05-11 00:00+00'::timestamptz),
             ('2025-05-10 10:59:59.999999+00', '2025-05-10 11:00:00.000001+00'),
             ('2025-05-10 10:00+00', '2025-05-10 11:00+00'),
             ('2025-05-10 10:00:00.000001+00', '2025-05-10 16:00+00'),
             ('2025-05-01 00:00+00', '2025-06-01 00:00+00')) v(f, t),
     unnest(ARRAY[NULL, 'webhook_hour_2']) w
ORDER BY 1, 2, 3;

-- The hourly rows add up to day_metrics, and their non-empty hours are the
-- JSON response's hourly_metrics.
SELECT (SELECT sum(total) FROM webhook_hourly_metrics('org_hour', '2025-05-10 00:00+00', '2025-05-11 00:00+00'))
         = (webhook_analytics_json('org_hour', 'last_day', '2025-05-11 00:00+00') #>> '{data,day_metrics,total}')::bigint AS totals_agree,
       (SELECT jsonb_agg(jsonb_build_object('hour', to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:00:00'), 'count', total) ORDER BY hour)
        FROM webhook_hourly_metrics('org_hour', '2025-05-10 00:00+00', '2025-05-11 00:00+00') WHERE total > 0)
         = webhook_analytics_json('org_hour', 'last_day', '2025-05-11 00:00+00') #> '{data,hourly_metrics}' AS hours_agree;

-- A window of a year is 8760 dense hours, still one pass over the rows.
SELECT count(*) AS hours, sum(total) AS total, min(hour) = '2025-01-01 00:00+00' AS starts_right
FROM webhook_hourly_metrics('org_hour', '2025-01-01 00:00+00', '2026-01-01 00:00+00');
\i test/teardown.sql
