-- request: webhook_analytics_request (SPEC 5.3). A valid query gives
-- exactly what webhook_analytics_json or _between gives for the same
-- arguments (parameters as JSON strings or as their JSON type); every bad
-- parameter is a 400 envelope with one validator entry per bad key, never
-- an error; hostile jsonb (deep nesting, huge strings, thousands of keys,
-- every JSON type in every key) too.
\i test/setup.sql
SET TimeZone = 'UTC';
INSERT INTO webhook_events (organization_id, webhook_id, url, event, response_status, retries,
                            created_at, first_sent_at, delay_ms, done)
SELECT 'org_req', 'wh_' || (i % 3), 'https://req.example/' || (i % 4), 'req.' || (i % 5),
       (ARRAY[200, 404, 500, NULL])[i % 4 + 1], i % 3,
       timestamptz '2025-08-01 00:00+00' + i * interval '13 minutes',
       timestamptz '2025-08-01 00:00+00' + i * interval '13 minutes' + (i % 9) * interval '111 ms', i % 40, i % 2
FROM generate_series(1, 700) i;

-- 1. Valid queries equal the functions' answers.
SELECT q, webhook_analytics_request('org_req', q::jsonb) = want AS equal
FROM (VALUES
    ('{}', webhook_analytics_json('org_req')),
    ('{"period": "last_7_days", "top_n": "3"}', webhook_analytics_json('org_req', 'last_7_days', now(), NULL, 3)),
    ('{"period": "last_7_days", "top_n": 3, "last_n": 0}', webhook_analytics_json('org_req', 'last_7_days', now(), NULL, 3, 0)),
    ('{"period": "prev_last_day", "as_of": "2025-08-03T12:00:00Z"}',
     webhook_analytics_json('org_req', 'prev_last_day', '2025-08-03 12:00+00')),
    ('{"as_of": "2025-08-03T14:30:00.5+02:00", "last_n": "1000", "top_n": "0000"}',
     webhook_analytics_json('org_req', 'last_day', '2025-08-03 12:30:00.5+00', NULL, 0, 1000)),
    ('{"as_of": "2025-08-03T07:00:00.123456-05:30"}', webhook_analytics_json('org_req', 'last_day', '2025-08-03 12:30:00.123456+00')),
    ('{"from": "2025-08-01T05:00:00Z", "to": "2025-08-03T17:10:00Z", "as_of": "2030-01-01T00:00:00Z"}',
     webhook_analytics_json_between('org_req', '2025-08-01 05:00+00', '2025-08-03 17:10+00')),
    ('{"from": "2025-08-01T05:00:00Z", "to": "2025-08-01T05:00:00.000001Z", "webhook_id": "wh_1"}',
     webhook_analytics_json_between('org_req', '2025-08-01 05:00+00', '2025-08-01 05:00:00.000001+00', 'wh_1')),
    ('{"period": "last_30_days", "as_of": "2025-08-04T00:00:00Z", "webhook_id": ""}',
     webhook_analytics_json('org_req', 'last_30_days', '2025-08-04 00:00+00', '')),
    ('{"as_of": "2025-08-03T00:00:00Z", "include": ["previous", "webhooks", "previous"]}',
     webhook_analytics_json('org_req', 'last_day', '2025-08-03 00:00+00', NULL, 5, 10, '{previous,webhooks}')),
    ('{"as_of": "2025-08-03T00:00:00Z", "include": "status_codes,retries,latency_breakdown"}',
     webhook_analytics_json('org_req', 'last_day', '2025-08-03 00:00+00', NULL, 5, 10, '{status_codes,retries,latency_breakdown}')),
    ('{"as_of": "2025-08-03T00:00:00Z", "include": ""}', webhook_analytics_json('org_req', 'last_day', '2025-08-03 00:00+00')),
    ('{"as_of": "2025-08-03T00:00:00Z", "include": []}', webhook_analytics_json('org_req', 'last_day', '2025-08-03 00:00+00')),
    ('{"top_n": 1e2, "last_n": 7}', webhook_analytics_json('org_req', 'last_day', now(), NULL, 100, 7))) v(q, want);
SELECT webhook_analytics_request('org_req', NULL) = webhook_analytics_json('org_req') AS null_query,
       webhook_analytics_request('org_req') = webhook_analytics_json('org_req') AS default_query,
       webhook_analytics_request(NULL, '{"bogus": 1}') IS NULL AS null_organization,
       error_of($$SELECT webhook_analytics_request('', '{}')$$) AS empty_organization;
-- And the oracle's, through the request.
SELECT webhook_analytics_request('org_req', '{"from": "2025-08-01T05:00:00Z", "to": "2025-08-03T17:10:00Z", "include": "previous,status_codes,latency_breakdown,retries,webhooks"}')
     = plain_analytics_json_between('org_req', '2025-08-01 05:00+00', '2025-08-03 17:10+00', NULL, 5, 10,
                                    '{previous,status_codes,latency_breakdown,retries,webhooks}') AS oracle;

-- 2. Bad parameters: the 400 envelope, one validator entry per bad key.
SELECT webhook_analytics_request('org_req', '{"period": "last_week", "top_n": "ten", "colour": "red"}');
SELECT q, r ->> 'status' AS status, r -> 'validator' AS validator
FROM (SELECT q, webhook_analytics_request('org_req', q::jsonb) AS r FROM unnest(ARRAY[
    '{"period": null}', '{"period": 5}', '{"period": "LAST_DAY"}', '{"period": ""}',
    '{"top_n": true}', '{"top_n": "1001"}', '{"top_n": "-1"}', '{"top_n": -1}', '{"top_n": 1.5}',
    '{"top_n": 5.0}', '{"top_n": "abc"}', '{"top_n": ""}', '{"top_n": " 5"}', '{"last_n": 1e10}',
    '{"last_n": [5]}', '{"webhook_id": 7}', '{"webhook_id": null}',
    '{"as_of": "2025-08-01"}', '{"as_of": "2025-02-30T00:00:00Z"}', '{"as_of": "2025-08-01T00:00:00"}',
    '{"as_of": "2025-08-01T24:00:00Z"}', '{"as_of": "0000-01-01T00:00:00Z"}', '{"as_of": "2025-08-01T00:00:00+16:00"}',
    '{"as_of": "2025-08-01T00:00:00.1234567Z"}', '{"as_of": "2025-08-01T00:00:00.Z"}', '{"as_of": "2025-08-01 00:00:00Z"}',
    '{"as_of": 1722470400}', '{"as_of": "2024-02-29T23:59:59.999999Z", "period": "last_year"}',
    '{"from": "2025-08-01T00:00:00Z"}', '{"to": "2025-08-01T00:00:00Z"}',
    '{"from": "2025-08-02T00:00:00Z", "to": "2025-08-01T00:00:00Z"}',
    '{"from": "2025-08-01T00:00:00Z", "to": "2025-08-01T00:00:00Z"}',
    '{"from": "2025-08-01T00:00:00Z", "to": "2025-08-02T00:00:00Z", "period": "last_day"}',
    '{"from": "yesterday", "to": "2025-08-02T00:00:00Z"}', '{"from": null}',
    '{"include": "previous,"}', '{"include": ","}', '{"include": "Previous"}', '{"include": ["previous", 1]}',
    '{"include": [null]}', '{"include": {"previous": true}}', '{"include": 5}', '{"include": [["previous"]]}',
    '{"": 1}', '{"Period": "last_day"}'
]) q) t;
-- A query that is not an object.
SELECT q, webhook_analytics_request('org_req', q::jsonb) -> 'validator' AS validator
FROM unnest(ARRAY['[]', '"period=last_day"', '5', 'null', 'true', '[{"period": "last_day"}]']) q;
-- The envelope's env follows the setting.
SET whanalytics.env = 'development';
SELECT webhook_analytics_request('org_req', '{"x": 1}') ->> 'env' AS env;
RESET whanalytics.env;

-- 3. Hostile jsonb: deep nesting, huge strings and keys, thousands of keys,
-- every JSON type in every key: always an envelope, never an error.
SELECT count(*) AS calls, count(*) FILTER (WHERE r ->> 'status' = '400') AS bad_requests,
       count(*) FILTER (WHERE r ->> 'status' = '200') AS ok,
       max((SELECT count(*) FROM jsonb_object_keys(CASE WHEN jsonb_typeof(r -> 'validator') = 'object'
                                                   THEN r -> 'validator' ELSE '{}' END))) AS most_entries
FROM (SELECT webhook_analytics_request('org_req', q) AS r FROM (
    SELECT jsonb_build_object(k, v) AS q
    FROM unnest(ARRAY['period', 'as_of', 'from', 'to', 'webhook_id', 'top_n', 'last_n', 'include', 'other']) k,
         unnest(ARRAY['null', 'true', 'false', '0', '-1', '1e400', '"x"', '""', '[]', '{}', '[[[[[[[[[[[]]]]]]]]]]]',
                      '{"a": {"b": {"c": [1, 2, {"d": null}]}}}', '"2025-08-01T00:00:00Z"', '"last_day"', '"previous"']::jsonb[]) v
    UNION ALL SELECT jsonb_build_object('period', repeat('x', 1000000))
    UNION ALL SELECT jsonb_build_object(repeat('k', 100000), 1)
    UNION ALL SELECT jsonb_build_object('include', repeat('previous,', 20000))
    UNION ALL SELECT (SELECT jsonb_object_agg('key' || i, i) FROM generate_series(1, 5000) i)
    UNION ALL SELECT (SELECT jsonb_agg(i) FROM generate_series(1, 5000) i)
    UNION ALL SELECT (repeat('[', 5000) || repeat(']', 5000))::jsonb
    ) qs(q)) t;
SELECT left(webhook_analytics_request('org_req', jsonb_build_object('period', repeat('x', 1000000))) #>> '{validator,period}', 120) AS long_period;

-- 4. A tenant under a setting-based policy: what plain SQL shows the same role.
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_req_tenant;
RESET client_min_messages;
CREATE ROLE regress_req_tenant NOLOGIN;
GRANT SELECT ON webhook_events, webhooks TO regress_req_tenant;
ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY req_tenant ON webhook_events FOR SELECT TO regress_req_tenant
    USING (organization_id = current_setting('app.org_id', true));
INSERT INTO webhook_events (organization_id, webhook_id, url, event, response_status, created_at, done)
VALUES ('org_other', 'wh_o', 'https://o.example', 'o', 500, '2025-08-02 10:00+00', 1);
SET app.org_id = 'org_req';
SET ROLE regress_req_tenant;
SELECT org, webhook_analytics_request(org, '{"from": "2025-08-01T05:00:00Z", "to": "2025-08-03T17:10:00Z", "include": "retries,webhooks"}')
          = plain_analytics_json_between(org, '2025-08-01 05:00+00', '2025-08-03 17:10+00', NULL, 5, 10, '{retries,webhooks}') AS as_tenant,
       webhook_analytics_request(org, '{"from": "2025-08-01T05:00:00Z", "to": "2025-08-03T17:10:00Z"}') #> '{data,day_metrics,total}' AS total
FROM unnest(ARRAY['org_req', 'org_other']) org;
RESET ROLE;
RESET app.org_id;
DROP POLICY req_tenant ON webhook_events;
ALTER TABLE webhook_events DISABLE ROW LEVEL SECURITY;
REVOKE SELECT ON webhook_events, webhooks FROM regress_req_tenant;
DROP ROLE regress_req_tenant;

DELETE FROM webhook_events WHERE organization_id IN ('org_req', 'org_other');
\i test/teardown.sql
