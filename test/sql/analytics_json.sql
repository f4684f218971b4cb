-- analytics_json: webhook_analytics_json and webhook_analytics_json_between
-- against the plain-SQL oracle, for every period, webhook filter, top_n and
-- last_n, plus targeted checks of each field against direct SQL counts.
\i test/setup.sql
SET TimeZone = 'America/Los_Angeles';

-- Fixture: two organizations whose deliveries interleave in time and share
-- webhook ids, over 40 days before 2025-07-01 00:00 UTC.
INSERT INTO webhooks (id, organization_id, url, events, created_at)
SELECT 'webhook_aj_' || i, 'org_aj', 'https://aj.example/' || i,
       (ARRAY['{}', '{api_key.created}', '{api_key.created,api_key.updated,invoice.paid}'])[i % 3 + 1]::text[],
       '2025-01-01 00:00+00'
FROM generate_series(1, 4) i;
INSERT INTO webhooks (id, organization_id, url, events, created_at)
VALUES ('webhook_aj_1b', 'org_aj_other', 'https://other.example', '{a,b,c,d,e}', '2025-01-01 00:00+00');

INSERT INTO webhook_events (webhook_id, organization_id, url, event, resource_id, payload,
                            response_status, response_body, error, retries, created_at,
                            updated_at, first_sent_at, delay_ms, done)
SELECT 'webhook_aj_' || (i % 4 + 1),
       CASE WHEN i % 5 = 0 THEN 'org_aj_other' ELSE 'org_aj' END,
       'https://aj.example/' || (i * 7 % 6),
       (ARRAY['api_key.created', 'api_key.updated', 'invoice.paid', 'customer.deleted', 'Invoice.Paid', 'ünïcode.event'])[i * 13 % 6 + 1],
       'res_' || i,
       jsonb_build_object('n', i, 'tags', jsonb_build_array(i % 3, 'x')),
       (ARRAY[200, 201, 204, 404, 500, 503, NULL, 302, 101])[i * 11 % 9 + 1],
       CASE WHEN i % 4 = 0 THEN '{"ok": true}' END,
       CASE i * 3 % 7 WHEN 0 THEN '{"error": "timeout"}'::jsonb WHEN 1 THEN 'null'::jsonb END,
       i * 5 % 4,
       '2025-07-01 00:00+00'::timestamptz - (i * interval '4 minutes 7.123456 seconds'),
       CASE WHEN i % 3 = 0 THEN '2025-07-01 00:00+00'::timestamptz - (i * interval '4 minutes') END,
       CASE WHEN i % 6 <> 0 THEN '2025-07-01 00:00+00'::timestamptz - (i * interval '4 minutes 7.123456 seconds')
                                 + (i * 37 % 5000) * interval '1.3 ms' END,
       CASE WHEN i % 8 <> 0 THEN i * 17 % 900 - 20 END,
       (i % 3 = 0)::int
FROM generate_series(1, 14000) i;
ANALYZE webhook_events;

-- One response in full (small lists), as an API client sees it.
SELECT jsonb_pretty(webhook_analytics_json('org_aj', 'last_day', '2025-06-30 02:00+00',
                                           top_n => 2, last_n => 1));

-- Every period, with and without a webhook filter, against the oracle.
SELECT p AS period, w AS webhook_id,
       webhook_analytics_json('org_aj', p, '2025-06-30 02:00+00', w)
         = plain_analytics_json('org_aj', p, '2025-06-30 02:00+00', w) AS equal,
       json_diff(webhook_analytics_json('org_aj', p, '2025-06-30 02:00+00', w),
                 plain_analytics_json('org_aj', p, '2025-06-30 02:00+00', w)) AS differs_in,
       (webhook_analytics_json('org_aj', p, '2025-06-30 02:00+00', w) #>> '{data,day_metrics,total}')::int AS total
FROM unnest(ARRAY['last_day', 'last_7_days', 'last_30_days', 'last_90_days', 'last_365_days',
                  'prev_last_day', 'prev_last_7_days', 'prev_last_30_days', 'prev_last_90_days',
                  'prev_last_365_days']) p,
     unnest(ARRAY[NULL, 'webhook_aj_2']) w
ORDER BY 1, 2;

-- top_n and last_n across their range, against the oracle.
SELECT t AS top_n, l AS last_n,
       webhook_analytics_json_between('org_aj', '2025-06-20 00:00+00', '2025-06-27 00:00+00', NULL, t, l)
         = plain_analytics_json_between('org_aj', '2025-06-20 00:00+00', '2025-06-27 00:00+00', NULL, t, l) AS equal,
       jsonb_array_length(webhook_analytics_json_between('org_aj', '2025-06-20 00:00+00', '2025-06-27 00:00+00', NULL, t, l)
                          #> '{data,top_events}') AS top_events,
       jsonb_array_length(webhook_analytics_json_between('org_aj', '2025-06-20 00:00+00', '2025-06-27 00:00+00', NULL, t, l)
                          #> '{data,last_events}') AS last_events
FROM (VALUES (0, 0), (1, 1), (3, 7), (5, 10), (1000, 1000)) v(t, l)
ORDER BY 1;

-- Odd windows: one microsecond, one hour on the hour, a window with no rows,
-- a window before all rows, and one spanning everything.
SELECT f, t,
       webhook_analytics_json_between('org_aj', f, t)
         = plain_analytics_json_between('org_aj', f, t) AS equal,
       (webhook_analytics_json_between('org_aj', f, t) #>> '{data,day_metrics,total}')::int AS total
FROM (VALUES ('2025-06-29 12:00+00'::timestamptz, '2025-06-29 12:00:00.000001+00'::timestamptz),
             ('2025-06-29 12:00+00', '2025-06-29 13:00+00'),
             ('2025-07-01 00:00+00', '2025-07-02 00:00+00'),
             ('2000-01-01 00:00+00', '2000-01-02 00:00+00'),
             ('1900-01-01 00:00+00', '2100-01-01 00:00+00')) v(f, t)
ORDER BY 1, 2;

-- Targeted checks of day_metrics against direct SQL over the same rows.
WITH w AS (
    SELECT * FROM webhook_events
    WHERE organization_id = 'org_aj'
      AND created_at >= '2025-06-23 02:00+00' AND created_at < '2025-06-30 02:00+00'
), r AS (
    SELECT webhook_analytics_json('org_aj', 'last_7_days', '2025-06-30 02:00+00') #> '{data,day_metrics}' AS m
)
SELECT (m ->> 'total')::bigint = (SELECT count(*) FROM w) AS total_ok,
       (m ->> 'success')::bigint = (SELECT count(*) FROM w WHERE response_status BETWEEN 200 AND 299) AS success_ok,
       (m ->> 'failed')::bigint = (SELECT count(*) FROM w WHERE NOT coalesce(response_status BETWEEN 200 AND 299, false)
                                  AND (response_status IS NOT NULL OR coalesce(error <> 'null'::jsonb, false))) AS failed_ok,
       (m ->> 'pending')::bigint = (SELECT count(*) FROM w WHERE done = 0) AS pending_ok,
       (m ->> 'retry_rate_pct')::numeric = (SELECT round(100.0 * count(*) FILTER (WHERE retries > 0) / count(*), 2) FROM w) AS retry_rate_ok,
       (m ->> 'avg_delay_ms')::numeric = (SELECT round(avg(delay_ms), 2) FROM w) AS avg_delay_ok,
       (SELECT count(*) FROM w WHERE done = 0 AND response_status >= 400) > 0 AS failed_and_pending_overlap
FROM r;

-- total counts the webhooks whatever the window; with a webhook_id only that one.
SELECT webhook_analytics_json('org_aj', 'last_day', '2025-06-30 02:00+00') #> '{data,total}' AS all_webhooks,
       webhook_analytics_json('org_aj', 'last_day', '2025-06-30 02:00+00', 'webhook_aj_3') #> '{data,total}' AS one_webhook,
       webhook_analytics_json('org_aj', 'last_day', '1990-01-01 00:00+00') #> '{data,total}' AS empty_window,
       (SELECT jsonb_build_object('webhooks', count(*), 'events_subscribed', sum(cardinality(events)))
        FROM webhooks WHERE organization_id = 'org_aj') AS direct;

-- last_events: newest first by (created_at, id), the window's rows only.
SELECT e ->> 'id' AS id, e ->> 'created_at' AS created_at, e ->> 'organization_id' AS org
FROM jsonb_array_elements(webhook_analytics_json('org_aj', 'last_day', '2025-06-30 02:00+00',
                                                 last_n => 4) #> '{data,last_events}') e;
SELECT id::text, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS created_at
FROM webhook_events
WHERE organization_id = 'org_aj' AND created_at < '2025-06-30 02:00+00'
ORDER BY created_at DESC, id DESC LIMIT 4;

-- hourly_metrics sums to the total, and never names an hour outside the window.
SELECT sum((h ->> 'count')::int) = (r #>> '{data,day_metrics,total}')::int AS sums_to_total,
       min(h ->> 'hour') AS first_hour, max(h ->> 'hour') AS last_hour, count(*) AS hours
FROM (SELECT webhook_analytics_json('org_aj', 'last_day', '2025-06-30 02:30+00') AS r) s,
     jsonb_array_elements(r #> '{data,hourly_metrics}') h
GROUP BY r;

-- The other organization's rows are never counted.
SELECT webhook_analytics_json('org_aj_other', 'last_30_days', '2025-07-01 00:00+00') #>> '{data,day_metrics,total}' AS other_total,
       (SELECT count(*) FROM webhook_events WHERE organization_id = 'org_aj_other'
          AND created_at >= '2025-06-01 00:00+00' AND created_at < '2025-07-01 00:00+00') AS direct_other_total,
       webhook_analytics_json('org_aj_other', 'last_30_days', '2025-07-01 00:00+00')
         = plain_analytics_json('org_aj_other', 'last_30_days', '2025-07-01 00:00+00') AS equal;
\i test/teardown.sql
