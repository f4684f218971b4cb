-- bad_input: every bad argument of SPEC section 4 is a 22023 error naming the
-- argument and the value, with a hint; NULL arguments, an unknown organization
-- and the aggregate's edge cases are not errors; no bad call changes any row.
\i test/setup.sql
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';  -- error messages print timestamps in the session's style

-- Twelve deliveries with seven event types, so the defaults top_n = 5 and
-- last_n = 10 both cut something.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status,
                            error, retries, created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_bad_' || (i % 2), 'org_bad_input', 'https://bad.example/' || (i % 3),
       'bad.event_' || (i % 7), CASE WHEN i % 4 = 0 THEN 500 ELSE 200 END,
       NULL, i % 3, '2025-06-29 10:00:00+00'::timestamptz + i * interval '7 minutes',
       '2025-06-29 10:00:00+00'::timestamptz + i * interval '7 minutes' + i * interval '10 ms',
       i * 3, i % 2
FROM generate_series(1, 12) AS i;
INSERT INTO webhooks (id, organization_id, url, events)
VALUES ('webhook_bad_0', 'org_bad_input', 'https://bad.example/0', '{bad.event_1,bad.event_2}'),
       ('webhook_bad_1', 'org_bad_input', 'https://bad.example/1', '{bad.event_3}');
-- Two deliveries an hour before now(), for as_of left to its default.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at)
SELECT 'webhook_bad_now', 'org_bad_now', 'https://now.example', 'bad.now', now() - interval '1 hour'
FROM generate_series(1, 2);
INSERT INTO webhooks (id, organization_id, url, events)
VALUES ('webhook_bad_now', 'org_bad_now', 'https://now.example', '{bad.now}');

-- A fingerprint of every row, to prove below that no bad call changed anything.
CREATE TEMP VIEW table_fingerprint AS
SELECT (SELECT count(*) FROM webhook_events) AS events,
       (SELECT md5(string_agg(e::text, ',' ORDER BY e.id)) FROM webhook_events e) AS events_digest,
       (SELECT count(*) FROM webhooks) AS webhooks,
       (SELECT md5(string_agg(w::text, ',' ORDER BY w.id)) FROM webhooks w) AS webhooks_digest;
CREATE TEMP TABLE before_bad_calls AS SELECT * FROM table_fingerprint;

-- Unknown periods: case matters, and neither a number nor garbage is accepted.
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', 'LAST_DAY', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', 'last_2_days', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', '', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', ' last_day', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', 'it''s "quoted" \ and \n not a period', '2025-06-30 00:00+00')$$);
-- A long one: the message shows its first 64 bytes (only its length is shown here).
SELECT length(error_of(format($$SELECT webhook_analytics_json('org_bad_input', %L, '2025-06-30 00:00+00')$$,
                              repeat('garbage', 1000)))) AS message_length,
       error_of(format($$SELECT webhook_analytics_json('org_bad_input', %L, '2025-06-30 00:00+00')$$,
                       repeat('garbage', 1000))) LIKE '22023: invalid period "garbagegarbage%g..." | HINT: Accepted periods are %' AS names_value;

-- as_of must be finite, and the window must not start before the first timestamp.
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', 'last_day', 'infinity')$$);
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', 'last_day', '-infinity')$$);
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', 'last_365_days', '4714-11-25 00:00:00+00 BC')$$);
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', 'prev_last_day', '4714-11-25 00:00:00+00 BC')$$);
-- The earliest window that fits is fine.
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', 'last_day', '4714-11-25 00:00:00+00 BC')$$);

-- from_ts >= to_ts, equal and reversed, for the JSON function and both SRFs.
SELECT error_of($$SELECT webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-29 00:00+00')$$);
SELECT error_of($$SELECT webhook_analytics_json_between('org_bad_input', '2025-06-30 00:00+00', '2025-06-29 00:00+00')$$);
SELECT error_of($$SELECT * FROM webhook_day_metrics('org_bad_input', '2025-06-30 00:00+00', '2025-06-29 00:00+00')$$);
SELECT error_of($$SELECT * FROM webhook_hourly_metrics('org_bad_input', '2025-06-29 00:00+00', '2025-06-29 00:00+00')$$);
-- A window of one microsecond is not empty.
SELECT error_of($$SELECT webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-29 00:00:00.000001+00')$$);

-- Infinite bounds.
SELECT error_of($$SELECT webhook_analytics_json_between('org_bad_input', '-infinity', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', 'infinity')$$);
SELECT error_of($$SELECT webhook_analytics_json_between('org_bad_input', 'infinity', 'infinity')$$);
SELECT error_of($$SELECT webhook_analytics_json_between('org_bad_input', '-infinity', 'infinity')$$);
SELECT error_of($$SELECT * FROM webhook_day_metrics('org_bad_input', '-infinity', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT * FROM webhook_hourly_metrics('org_bad_input', '2025-06-29 00:00+00', 'infinity')$$);

-- NULL bounds are errors too (22004), not an empty result.
SELECT error_of($$SELECT webhook_analytics_json_between('org_bad_input', NULL, '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', NULL)$$);
SELECT error_of($$SELECT * FROM webhook_day_metrics('org_bad_input', NULL, '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT * FROM webhook_hourly_metrics('org_bad_input', '2025-06-29 00:00+00', NULL)$$);

-- top_n and last_n: -1 and 1001 are errors, 0 and 1000 are accepted.
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', 'last_day', '2025-06-30 00:00+00', top_n => -1)$$);
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', 'last_day', '2025-06-30 00:00+00', top_n => 1001)$$);
SELECT error_of($$SELECT webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-30 00:00+00', last_n => -1)$$);
SELECT error_of($$SELECT webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-30 00:00+00', last_n => 1001)$$);
SELECT error_of($$SELECT webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-30 00:00+00', top_n => -2147483648)$$);
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', 'last_day', '2025-06-30 00:00+00', top_n => 0, last_n => 0)$$);
SELECT error_of($$SELECT webhook_analytics_json('org_bad_input', 'last_day', '2025-06-30 00:00+00', top_n => 1000, last_n => 1000)$$);
-- ... and the accepted extremes give what the oracle gives.
SELECT n, webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-30 00:00+00', NULL, n, n)
          = plain_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-30 00:00+00', NULL, n, n) AS same_as_oracle,
       jsonb_array_length(webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-30 00:00+00', NULL, n, n)
                          -> 'data' -> 'last_events') AS last_events
FROM (VALUES (0), (1000)) AS v(n);

-- An empty organization_id, for every function.
SELECT error_of($$SELECT webhook_analytics_json('', 'last_day', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT webhook_analytics_json_between('', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT * FROM webhook_day_metrics('', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT * FROM webhook_hourly_metrics('', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);

-- A NULL organization_id gives NULL (JSON functions) or no rows (SRFs),
-- even when the other arguments are bad.
SELECT webhook_analytics_json(NULL, 'last_day', '2025-06-30 00:00+00') IS NULL AS json_null,
       webhook_analytics_json(NULL, 'no_such_period', 'infinity', NULL, -1, 1001) IS NULL AS json_bad_args_null,
       webhook_analytics_json_between(NULL, '2025-06-29 00:00+00', '2025-06-30 00:00+00') IS NULL AS between_null,
       webhook_analytics_json_between(NULL, NULL, NULL) IS NULL AS between_bad_args_null;
SELECT (SELECT count(*) FROM webhook_day_metrics(NULL, '2025-06-29 00:00+00', '2025-06-30 00:00+00')) AS day_rows,
       (SELECT count(*) FROM webhook_hourly_metrics(NULL, '2025-06-29 00:00+00', '2025-06-30 00:00+00')) AS hour_rows,
       (SELECT count(*) FROM webhook_day_metrics(NULL, NULL, NULL)) AS day_rows_null_window;

-- NULL period, as_of, top_n, last_n mean their defaults.
SELECT webhook_analytics_json('org_bad_input', NULL, '2025-06-30 00:00+00')
       = webhook_analytics_json('org_bad_input', 'last_day', '2025-06-30 00:00+00') AS null_period_is_last_day,
       webhook_analytics_json('org_bad_input', 'last_day', '2025-06-30 00:00+00', NULL, NULL, NULL)
       = webhook_analytics_json('org_bad_input', 'last_day', '2025-06-30 00:00+00', NULL, 5, 10) AS null_lengths_are_5_and_10,
       webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-30 00:00+00', NULL, NULL, NULL)
       = webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-30 00:00+00', NULL, 5, 10) AS between_null_lengths,
       webhook_analytics_json('org_bad_input', 'last_day', '2025-06-30 00:00+00', NULL, NULL, NULL)
       = plain_analytics_json('org_bad_input', 'last_day', '2025-06-30 00:00+00', NULL, 5, 10) AS same_as_oracle;
-- The cuts were real: 7 event types and 12 rows in the window.
SELECT jsonb_array_length(r -> 'data' -> 'top_events') AS top_events,
       jsonb_array_length(r -> 'data' -> 'last_events') AS last_events,
       r -> 'data' -> 'day_metrics' -> 'total' AS total
FROM webhook_analytics_json('org_bad_input', 'last_day', '2025-06-30 00:00+00', NULL, NULL, NULL) AS r;
-- A NULL as_of is now(), the start of the transaction.
SELECT webhook_analytics_json('org_bad_now', 'last_day', NULL)
       = webhook_analytics_json('org_bad_now', 'last_day', now()) AS null_as_of_is_now,
       webhook_analytics_json('org_bad_now', 'last_day', NULL) -> 'data' -> 'day_metrics' -> 'total' AS total;

-- An empty webhook_id is data, not an error: no webhook has it.
SELECT webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-30 00:00+00', '')
       = plain_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-30 00:00+00', '') AS same_as_oracle,
       webhook_analytics_json_between('org_bad_input', '2025-06-29 00:00+00', '2025-06-30 00:00+00', '')
       -> 'data' -> 'day_metrics' -> 'total' AS total;

-- organization_id is matched exactly: no patterns, case or padding, and a
-- webhook_id of another organization brings none of its rows or webhooks.
SELECT bool_and(webhook_analytics_json_between(org, '2025-06-29 00:00+00', '2025-06-30 00:00+00')
                = webhook_analytics_json_between('org_bad_input_nobody', '2025-06-29 00:00+00', '2025-06-30 00:00+00'))
       AS all_empty
FROM (VALUES ('%'), ('org_bad%'), ('org\_bad\_input'), ('ORG_BAD_INPUT'), ('org_bad_input '), ('org_bad_input' || chr(8203))) AS v(org);
SELECT webhook_analytics_json_between('org_bad_input', '2025-01-01 00:00+00', '2026-01-01 00:00+00', 'webhook_bad_now')
       = webhook_analytics_json_between('org_bad_input_nobody', '2025-01-01 00:00+00', '2026-01-01 00:00+00') AS other_webhook_empty,
       webhook_analytics_json_between('org_bad_now', '2025-01-01 00:00+00', '2026-01-01 00:00+00', 'webhook_bad_now')
       -> 'data' -> 'total' AS its_own_org_sees;

-- An organization nobody uses: a 200 response with zero counts and empty arrays.
SELECT jsonb_pretty(webhook_analytics_json('org_bad_input_nobody', 'last_day', '2025-06-30 00:00+00'));
SELECT webhook_analytics_json('org_bad_input_nobody', 'last_day', '2025-06-30 00:00+00')
       = plain_analytics_json('org_bad_input_nobody', 'last_day', '2025-06-30 00:00+00') AS same_as_oracle;
SELECT count(*) AS day_rows, sum(total) AS total
FROM webhook_day_metrics('org_bad_input_nobody', '2025-06-29 00:00+00', '2025-06-30 00:00+00');

-- No bad call changed a row.
SELECT b.events = a.events AS same_event_count, b.events_digest = a.events_digest AS same_events,
       b.webhooks = a.webhooks AS same_webhook_count, b.webhooks_digest = a.webhooks_digest AS same_webhooks
FROM before_bad_calls b, table_fingerprint a;

-- The aggregate's deserialize function takes an internal argument, so SQL
-- cannot call it with bytes of its choosing: only the executor can.
SELECT error_of($$SELECT webhook_latency_deserialize('\x00'::bytea, NULL)$$);
SELECT error_of($$SELECT webhook_latency_deserialize('\x00'::bytea, NULL::internal)$$);
-- The aggregate over zero rows and over NULLs only: every field NULL.
SELECT (webhook_latency_percentiles(x)).* FROM generate_series(1, 0) AS x;
SELECT (webhook_latency_percentiles(NULL::double precision)).* FROM generate_series(1, 3);
SELECT webhook_latency_percentiles(NULL::double precision) IS NULL AS all_null_row,
       webhook_latency_percentiles(NULL::double precision) IS NOT DISTINCT FROM
           ROW(NULL, NULL, NULL, NULL, NULL, NULL, NULL)::webhook_latency AS equals_null_row
FROM generate_series(1, 3);
\i test/teardown.sql
