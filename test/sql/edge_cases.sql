-- edge_cases: the strange rows of SPEC section 4 and the boundaries of every
-- definition, each checked against the oracle and, for the key numbers,
-- against values worked out by hand in the comments.
\i test/setup.sql
SET TimeZone = 'Asia/Tokyo';

-- Window for org_edge: [2025-03-01 00:00 UTC, 2025-03-02 00:00 UTC).
INSERT INTO webhooks (id, organization_id, url, events) VALUES
    ('webhook_edge_1', 'org_edge', 'https://edge.example/1', '{a,b}'),
    ('webhook_edge_2', 'org_edge', 'https://edge.example/2', '{}');

INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, first_sent_at, delay_ms, done, payload, updated_at) VALUES
    -- exactly at the window start: included
    ('webhook_edge_1', 'org_edge', 'u/ok', 'A', 200, NULL, 0, '2025-03-01 00:00:00+00', '2025-03-01 00:00:00.0005+00', 10, 1, NULL, NULL),
    -- just before the start and exactly at the end: excluded
    ('webhook_edge_1', 'org_edge', 'u/out', 'out', 500, NULL, 5, '2025-02-28 23:59:59.999999+00', NULL, 9999, 0, NULL, NULL),
    ('webhook_edge_1', 'org_edge', 'u/out', 'out', 500, NULL, 5, '2025-03-02 00:00:00+00', NULL, 9999, 0, NULL, NULL),
    -- success range: 200 and 299 are success, 199 and 300 are not
    ('webhook_edge_1', 'org_edge', 'u/ok', 'B', 299, NULL, 0, '2025-03-01 01:00:00+00', '2025-03-01 01:00:00.000499+00', 20, 1, 'null', NULL),
    ('webhook_edge_1', 'org_edge', 'u/1xx', 'a', 199, NULL, 1, '2025-03-01 01:30:00+00', '2025-03-01 01:29:00+00', -5, 0, '"a string"', NULL),
    ('webhook_edge_1', 'org_edge', 'u/3xx', 'é', 300, NULL, 0, '2025-03-01 02:00:00+00', '2025-03-01 02:00:01.5+00', NULL, 1, '[1, 2]', NULL),
    -- 4xx and 5xx, failed and still pending: counted in both
    ('webhook_edge_2', 'org_edge', 'u/4xx', 'e', 404, '{"error": "not found"}', 2, '2025-03-01 03:00:00+00', '2025-03-01 03:00:02+00', 0, 0, '{}', '2025-03-01 03:00:00.999999+00'),
    ('webhook_edge_2', 'org_edge', 'u/5xx', 'Z', 503, NULL, 1, '2025-03-01 03:59:59.999999+00', NULL, 7, 0, NULL, 'infinity'),
    -- out-of-range statuses are attempts that did not succeed
    ('webhook_edge_2', 'org_edge', 'u/odd', 'A', -1, NULL, 0, '2025-03-01 04:00:00+00', NULL, NULL, 2, NULL, '0044-03-15 12:00:00+00 BC'),
    ('webhook_edge_2', 'org_edge', 'u/odd', 'B', 0, NULL, 0, '2025-03-01 04:00:00+00', NULL, NULL, -1, NULL, NULL),
    ('webhook_edge_2', 'org_edge', 'u/odd', 'a', 2147483647, NULL, 0, '2025-03-01 04:00:00+00', NULL, NULL, 1, NULL, NULL),
    -- NULL status: failed only when error is neither SQL NULL nor JSON null
    ('webhook_edge_2', 'org_edge', 'u/err', 'é', NULL, '{"error": "timeout"}', 3, '2025-03-01 05:00:00+00', NULL, NULL, 0, NULL, NULL),
    ('webhook_edge_2', 'org_edge', 'u/err', 'e', NULL, '"refused"', 0, '2025-03-01 05:00:00+00', NULL, NULL, 0, NULL, NULL),
    ('webhook_edge_2', 'org_edge', 'u/none', 'Z', NULL, 'null', 0, '2025-03-01 05:00:00+00', NULL, NULL, 0, NULL, NULL),
    ('webhook_edge_2', 'org_edge', 'u/none', 'A', NULL, NULL, 0, '2025-03-01 23:59:59.999999+00', NULL, -100, 0, NULL, NULL),
    -- another organization, same webhook id and window: never counted
    ('webhook_edge_1', 'org_edge_other', 'u/ok', 'A', 500, NULL, 9, '2025-03-01 12:00:00+00', NULL, 1, 0, NULL, NULL);

-- The whole response, reviewed by hand:
--   total 13 (the two rows outside the window and the other org excluded);
--   success 2 (200, 299); failed 9 (199, 300, 404, 503, -1, 0, 2147483647,
--   error object, error string; not the error-JSON-null or error-NULL rows);
--   pending 7 (done = 0: 199, 404, 503 and the four NULL-status rows; not
--   done = 2 or -1); failed and pending overlap in 199, 404, 503, 2 errors;
--   retry_rate_pct = 100 * 4 / 13 = 30.769.. -> 30.77;
--   avg_delay_ms = (10 + 20 - 5 + 0 + 7 - 100) / 6 = -11.333.. -> -11.33;
--   latency: 0.5 ms -> 1, 0.499 ms -> 0, sent before created -> 0,
--   1.5 s -> 1500, 2 s -> 2000: values {0, 0, 1, 1500, 2000}, avg 700.20,
--   p50 1, p90 = 1500 + 0.6 * 500 = 1800, p95 1900, p99 1980.
SELECT jsonb_pretty(webhook_analytics_json('org_edge', 'last_day', '2025-03-02 00:00+00', top_n => 10, last_n => 3));

SELECT webhook_analytics_json('org_edge', 'last_day', '2025-03-02 00:00+00', NULL, t, l)
         = plain_analytics_json('org_edge', 'last_day', '2025-03-02 00:00+00', NULL, t, l) AS equal,
       json_diff(webhook_analytics_json('org_edge', 'last_day', '2025-03-02 00:00+00', NULL, t, l),
                 plain_analytics_json('org_edge', 'last_day', '2025-03-02 00:00+00', NULL, t, l)) AS differs_in
FROM (VALUES (0, 0), (1, 1), (5, 10), (1000, 1000)) v(t, l);

-- Ties in top events, in byte order (COLLATE "C"): 'A' < 'B' < 'Z' < 'a' < 'e' < 'é'.
SELECT e ->> 'event' AS event, e ->> 'count' AS count
FROM jsonb_array_elements(webhook_analytics_json('org_edge', 'last_day', '2025-03-02 00:00+00', top_n => 10)
                          #> '{data,top_events}') e;

-- Prefixes and case in failed URLs: a shorter string sorts first on a tie.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at)
SELECT 'webhook_tie', 'org_tie', u, 'x', 500, '2025-03-01 06:00+00'
FROM unnest(ARRAY['https://a', 'https://a/', 'https://A', 'https://b', 'https://ä', 'https://a/', 'https://b']) u;
SELECT u ->> 'url' AS url, u ->> 'count' AS count
FROM jsonb_array_elements(webhook_analytics_json('org_tie', 'last_day', '2025-03-02 00:00+00')
                          #> '{data,top_failed_urls}') u;
SELECT webhook_analytics_json('org_tie', 'last_day', '2025-03-02 00:00+00')
         = plain_analytics_json('org_tie', 'last_day', '2025-03-02 00:00+00') AS equal;

-- Rounding half away from zero, where half-even would differ:
--   retry rate 100 * 1 / 800 = 0.125 -> 0.13; avg delay 804 / 800 = 1.005 -> 1.01;
--   latency avg 1 / 8 = 0.125 -> 0.13 (webhook_round_lat); p95 of {0 x 7, 1}
--   = 0.65 -> 0.65 and p99 = 0.93 -> 0.93.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, retries,
                            created_at, first_sent_at, delay_ms, done)
SELECT CASE WHEN i <= 8 THEN 'webhook_round_lat' ELSE 'webhook_round' END,
       'org_round', 'u', 'x', 200, (i = 1)::int,
       '2025-03-01 10:00+00'::timestamptz + i * interval '1 second',
       CASE WHEN i <= 8 THEN '2025-03-01 10:00+00'::timestamptz + i * interval '1 second'
                             + (i = 8)::int * interval '1 ms' END,
       CASE WHEN i = 800 THEN 5 ELSE 1 END, 1
FROM generate_series(1, 800) i;
SELECT webhook_analytics_json('org_round', 'last_day', '2025-03-02 00:00+00') #> '{data,day_metrics}' AS day_metrics;
SELECT webhook_analytics_json('org_round', 'last_day', '2025-03-02 00:00+00', 'webhook_round_lat') #> '{data,latency}' AS latency;
SELECT webhook_analytics_json('org_round', 'last_day', '2025-03-02 00:00+00', w)
         = plain_analytics_json('org_round', 'last_day', '2025-03-02 00:00+00', w) AS equal
FROM unnest(ARRAY[NULL, 'webhook_round_lat', 'webhook_round']) w;

-- Every row's timestamps and JSON columns as last_events writes them: fraction
-- dropped, UTC, a BC year as to_char prints it, infinity as null; JSON null,
-- strings, arrays and objects as themselves.
SELECT e ->> 'response_status' AS status, e ->> 'created_at' AS created_at,
       e ->> 'updated_at' AS updated_at, e ->> 'first_sent_at' AS first_sent_at,
       e -> 'payload' AS payload, e -> 'error' AS error, e -> 'done' AS done
FROM jsonb_array_elements(webhook_analytics_json('org_edge', 'last_day', '2025-03-02 00:00+00', last_n => 1000)
                          #> '{data,last_events}') e;

-- Same created_at: last_events breaks the tie by id, newest id first.
SELECT e ->> 'id' AS id, e ->> 'event' AS event
FROM jsonb_array_elements(webhook_analytics_json_between('org_edge', '2025-03-01 04:00+00', '2025-03-01 04:00:00.000001+00')
                          #> '{data,last_events}') e;
SELECT id::text, event FROM webhook_events
WHERE organization_id = 'org_edge' AND created_at = '2025-03-01 04:00+00' ORDER BY webhook_events.id DESC;

-- A huge payload and long text pass through last_events whole.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, payload, response_body, created_at)
SELECT 'webhook_big', 'org_big', repeat('u', 5000), repeat('é', 3000),
       jsonb_build_object('blob', repeat('x', 1000000), 'n', 1), repeat('b', 200000), '2025-03-01 08:00+00';
SELECT length(e #>> '{payload,blob}') AS blob_length, length(e ->> 'response_body') AS body_length,
       length(e ->> 'url') AS url_length, length(t ->> 'event') AS event_length,
       webhook_analytics_json('org_big', 'last_day', '2025-03-02 00:00+00')
         = plain_analytics_json('org_big', 'last_day', '2025-03-02 00:00+00') AS equal
FROM (SELECT webhook_analytics_json('org_big', 'last_day', '2025-03-02 00:00+00') AS r) s,
     LATERAL (SELECT r #> '{data,last_events,0}' AS e, r #> '{data,top_events,0}' AS t) x;

-- A latency beyond the int4 range of milliseconds, and an infinite first_sent_at
-- (left out of latency; the plain-SQL expression cannot subtract infinity).
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at, first_sent_at) VALUES
    ('webhook_far', 'org_far', 'u', 'x', '2025-03-01 09:00+00', '2300-01-01 00:00+00'),
    ('webhook_far', 'org_far', 'u', 'x', '2025-03-01 09:00+00', 'infinity');
SELECT webhook_analytics_json('org_far', 'last_day', '2025-03-02 00:00+00') #> '{data,latency}' AS latency,
       (SELECT round(extract(epoch FROM '2300-01-01 00:00+00'::timestamptz - '2025-03-01 09:00+00') * 1000)) AS direct_ms;
\i test/teardown.sql
