-- day_metrics: webhook_day_metrics is dense (every UTC day the window
-- overlaps, empty days as zeros), oldest first, counts only the window's
-- rows, and equals the plain-SQL oracle for many windows and sessions.
\i test/setup.sql
SET TimeZone = 'America/New_York';

-- Fixture: org_day has rows on 2025-04-01, 04-02 and 04-05 (UTC) only.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, delay_ms, done)
SELECT 'webhook_day_' || (i % 2), 'org_day', 'u', 'x',
       (ARRAY[200, 500, NULL, 204])[i % 4 + 1],
       CASE WHEN i % 8 = 2 THEN '{"e": 1}'::jsonb END,
       i % 3, d + (i * interval '47 minutes'),
       CASE WHEN i % 5 <> 0 THEN i * 3 END, (i % 6 = 0)::int
FROM unnest(ARRAY['2025-04-01 00:00+00', '2025-04-02 00:00+00', '2025-04-05 00:00+00']::timestamptz[]) d,
     generate_series(0, 30) i;

-- A window from mid-day to mid-day: partial first and last days count only
-- their rows inside the window; 04-03 and 04-04 are zeros.
SELECT * FROM webhook_day_metrics('org_day', '2025-04-01 12:00+00', '2025-04-05 12:00+00');

-- The same window computed by hand in plain SQL.
SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS total,
       count(*) FILTER (WHERE response_status BETWEEN 200 AND 299) AS success,
       round(avg(delay_ms), 2) AS avg_delay_ms
FROM webhook_events
WHERE organization_id = 'org_day' AND created_at >= '2025-04-01 12:00+00' AND created_at < '2025-04-05 12:00+00'
GROUP BY 1 ORDER BY 1;

-- Many windows and both webhook filters against the oracle, in order.
SELECT f, t, w,
       (SELECT array_agg(d ORDER BY d.day) FROM webhook_day_metrics('org_day', f, t, w) d)
         IS NOT DISTINCT FROM
       (SELECT array_agg(d ORDER BY d.day) FROM plain_day_metrics('org_day', f, t, w) d) AS equal,
       (SELECT count(*) FROM webhook_day_metrics('org_day', f, t, w)) AS days,
       (SELECT array_agg(day) = array_agg(day ORDER BY day) FROM webhook_day_metrics('org_day', f, t, w)) AS oldest_first
FROM (VALUES ('2025-04-01 00:00+00'::timestamptz, '2025-04-06 00:00+00'::timestamptz),
             ('2025-04-01 00:00+00', '2025-04-01 00:00:00.000001+00'),
             ('2025-03-31 23:59:59.999999+00', '2025-04-01 00:00:00.000001+00'),
             ('2025-04-01 05:00+00', '2025-04-02 00:00+00'),
             ('2025-03-01 00:00+00', '2025-05-01 00:00+00'),
             ('1999-12-31 00:00+00', '2000-01-02 00:00+00')) v(f, t),
     unnest(ARRAY[NULL, 'webhook_day_1']) w
ORDER BY 1, 2, 3;

-- Days are UTC days whatever the session's TimeZone.
SET TimeZone = 'Pacific/Kiritimati';
SELECT day, total FROM webhook_day_metrics('org_day', '2025-04-01 00:00+00', '2025-04-03 00:00+00');
RESET TimeZone;

-- Another organization and an unknown one: zeros, never someone else's rows.
SELECT day, total, success, failed, pending, retry_rate_pct, avg_delay_ms
FROM webhook_day_metrics('org_day_nobody', '2025-04-01 00:00+00', '2025-04-03 00:00+00');
\i test/teardown.sql
