-- large_values: 100,000 distinct event types and URLs in one window, and
-- 200,000 deliveries in a single hour, against the plain-SQL oracle (1 MB
-- payloads are in edge_cases).
\i test/setup.sql
SET TimeZone = 'UTC';

INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at, first_sent_at)
SELECT 'webhook_lv', 'org_lv_distinct', 'https://lv.example/' || md5(i::text), 'event.' || md5(i::text),
       500, '2025-11-01 00:00+00'::timestamptz + i * interval '1 second',
       '2025-11-01 00:00+00'::timestamptz + i * interval '1 second' + (i % 5000) * interval '1 ms'
FROM generate_series(1, 100000) i;
SELECT jsonb_array_length(r #> '{data,top_events}') AS top_events,
       jsonb_array_length(r #> '{data,top_failed_urls}') AS top_urls,
       r = plain_analytics_json_between('org_lv_distinct', '2025-11-01 00:00+00', '2025-11-03 00:00+00', NULL, 1000, 1000) AS equal
FROM (SELECT webhook_analytics_json_between('org_lv_distinct', '2025-11-01 00:00+00', '2025-11-03 00:00+00', NULL, 1000, 1000) AS r) s;

INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at, first_sent_at, delay_ms)
SELECT 'webhook_lv_' || (i % 7), 'org_lv_hour', 'https://hour.example/' || (i % 13), 'hour.' || (i % 11),
       (ARRAY[200, 503, NULL])[i % 3 + 1], '2025-11-05 10:00+00'::timestamptz + (i % 3600000) * interval '1 ms',
       '2025-11-05 10:00+00'::timestamptz + (i % 3600000) * interval '1 ms' + (i % 777) * interval '1 ms', i % 1000
FROM generate_series(1, 200000) i;
SELECT (r #>> '{data,day_metrics,total}')::int AS total,
       jsonb_array_length(r #> '{data,hourly_metrics}') AS hours,
       r = plain_analytics_json('org_lv_hour', 'last_day', '2025-11-06 00:00+00') AS equal_day,
       webhook_analytics_json_between('org_lv_hour', '2025-11-05 10:30+00', '2025-11-05 10:31+00')
         = plain_analytics_json_between('org_lv_hour', '2025-11-05 10:30+00', '2025-11-05 10:31+00') AS equal_minute
FROM (SELECT webhook_analytics_json('org_lv_hour', 'last_day', '2025-11-06 00:00+00') AS r) s;
\i test/teardown.sql
