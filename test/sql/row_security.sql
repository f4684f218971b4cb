-- row_security: GRANTs and row-level security apply to whoever calls the functions:
-- each tenant gets what the oracle and count(*) see as that role, nothing of the
-- other tenant; a second, restrictive policy hides rows; no SELECT gives 42501.
\i test/setup.sql
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

SET client_min_messages = warning;  -- quiet whether or not an earlier run left them
DROP ROLE IF EXISTS regress_rls_tenant_a;
DROP ROLE IF EXISTS regress_rls_tenant_b;
DROP ROLE IF EXISTS regress_rls_nopriv;
RESET client_min_messages;
CREATE ROLE regress_rls_tenant_a NOLOGIN;
CREATE ROLE regress_rls_tenant_b NOLOGIN;
CREATE ROLE regress_rls_nopriv NOLOGIN;
GRANT SELECT ON webhook_events, webhooks TO regress_rls_tenant_a, regress_rls_tenant_b;

-- Two tenants; both have 'secret.event' deliveries.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_rls_' || org || '_' || (i % 2), 'org_rls_' || org,
       'https://' || org || '.example/' || (i % 3),
       CASE WHEN i % 5 = 0 THEN 'secret.event' ELSE org || '.event_' || (i % 3) END,
       CASE WHEN i % 4 = 0 THEN 500 WHEN i % 7 = 0 THEN NULL ELSE 200 END,
       CASE WHEN i % 7 = 0 THEN '{"timeout": true}'::jsonb END,
       i % 2, '2025-06-29 00:00:00+00'::timestamptz + i * interval '37 minutes',
       '2025-06-29 00:00:00+00'::timestamptz + i * interval '37 minutes' + i * i * interval '3 ms',
       i * 11 % 50, i % 3 / 2
FROM (VALUES ('a', 30), ('b', 20)) AS t(org, n), generate_series(1, n) AS i;
INSERT INTO webhooks (id, organization_id, url, events)
VALUES ('webhook_rls_a_0', 'org_rls_a', 'https://a.example/0', '{a.event_0,a.event_1}'),
       ('webhook_rls_a_1', 'org_rls_a', 'https://a.example/1', '{a.event_2,secret.event}'),
       ('webhook_rls_b_0', 'org_rls_b', 'https://b.example/0', '{b.event_0}');

-- What the superuser (no row security) sees; the first calls also leave the
-- extension's prepared plans in this session, which must not leak rows later.
CREATE TEMP TABLE superuser_sees AS
SELECT org, webhook_analytics_json_between(org, '2025-06-29 00:00+00', '2025-06-30 00:00+00') AS response
FROM (VALUES ('org_rls_a'), ('org_rls_b')) AS o(org);
SELECT org, response -> 'data' -> 'day_metrics' -> 'total' AS total,
       response -> 'data' -> 'total' -> 'webhooks' AS webhooks
FROM superuser_sees ORDER BY org;

ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;
CREATE POLICY rls_tenant_events ON webhook_events
    USING (organization_id = current_setting('app.org_id', true));
CREATE POLICY rls_tenant_webhooks ON webhooks
    USING (organization_id = current_setting('app.org_id', true));

-- Every function against the oracle and count(*), run as the current role
-- (security_invoker, so the view's own reads see what the caller sees).
CREATE TEMP VIEW tenant_checks WITH (security_invoker = true) AS
SELECT json_diff(webhook_analytics_json_between(org, '2025-06-29 00:00+00', '2025-06-30 00:00+00'),
                 plain_analytics_json_between(org, '2025-06-29 00:00+00', '2025-06-30 00:00+00')) AS between_diff,
       webhook_analytics_json(org, 'last_7_days', '2025-06-30 00:00+00')
       = plain_analytics_json(org, 'last_7_days', '2025-06-30 00:00+00') AS period_json,
       NOT EXISTS (SELECT * FROM webhook_day_metrics(org, '2025-06-28 00:00+00', '2025-06-30 12:00+00') WITH ORDINALITY
                   EXCEPT ALL
                   SELECT * FROM plain_day_metrics(org, '2025-06-28 00:00+00', '2025-06-30 12:00+00') WITH ORDINALITY)
       AND NOT EXISTS (SELECT * FROM plain_day_metrics(org, '2025-06-28 00:00+00', '2025-06-30 12:00+00') WITH ORDINALITY
                       EXCEPT ALL
                       SELECT * FROM webhook_day_metrics(org, '2025-06-28 00:00+00', '2025-06-30 12:00+00') WITH ORDINALITY)
       AS day_metrics,
       NOT EXISTS (SELECT * FROM webhook_hourly_metrics(org, '2025-06-29 00:00+00', '2025-06-30 00:00+00') WITH ORDINALITY
                   EXCEPT ALL
                   SELECT * FROM plain_hourly_metrics(org, '2025-06-29 00:00+00', '2025-06-30 00:00+00') WITH ORDINALITY)
       AND NOT EXISTS (SELECT * FROM plain_hourly_metrics(org, '2025-06-29 00:00+00', '2025-06-30 00:00+00') WITH ORDINALITY
                       EXCEPT ALL
                       SELECT * FROM webhook_hourly_metrics(org, '2025-06-29 00:00+00', '2025-06-30 00:00+00') WITH ORDINALITY)
       AS hourly_metrics,
       (webhook_analytics_json_between(org, '2025-06-29 00:00+00', '2025-06-30 00:00+00')
        -> 'data' -> 'day_metrics' ->> 'total')::bigint AS total,
       (SELECT count(*) FROM webhook_events
        WHERE created_at >= '2025-06-29 00:00+00' AND created_at < '2025-06-30 00:00+00') AS visible_rows,
       (webhook_analytics_json_between(org, '2025-06-29 00:00+00', '2025-06-30 00:00+00')
        -> 'data' -> 'total' ->> 'webhooks')::bigint AS webhooks,
       (SELECT count(*) FROM webhooks) AS visible_webhooks
FROM (SELECT current_setting('app.org_id') AS org) AS o;

-- The aggregate over a plain SELECT: what percentile_cont gives on the same
-- rows, and the latency of the JSON response (rounded to 2 decimals).
CREATE TEMP VIEW tenant_latency WITH (security_invoker = true) AS
SELECT count(*) AS latency_rows,
       (x.l).min = min(ms) AND (x.l).max = max(ms) AND (x.l).avg = avg(ms)
       AND (x.l).p50 = percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)
       AND (x.l).p90 = percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)
       AND (x.l).p95 = percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)
       AND (x.l).p99 = percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS same_as_percentile_cont,
       jsonb_build_object('min', round((x.l).min::numeric, 2), 'max', round((x.l).max::numeric, 2),
                          'avg', round((x.l).avg::numeric, 2), 'p50', round((x.l).p50::numeric, 2),
                          'p90', round((x.l).p90::numeric, 2), 'p95', round((x.l).p95::numeric, 2),
                          'p99', round((x.l).p99::numeric, 2))
       = webhook_analytics_json_between(current_setting('app.org_id'), '2025-06-29 00:00+00', '2025-06-30 00:00+00')
         -> 'data' -> 'latency' AS same_as_response
FROM (SELECT greatest(0, round(extract(epoch FROM first_sent_at - created_at) * 1000))::float8 AS ms
      FROM webhook_events
      WHERE first_sent_at IS NOT NULL
        AND created_at >= '2025-06-29 00:00+00' AND created_at < '2025-06-30 00:00+00') AS r,
     (SELECT webhook_latency_percentiles(greatest(0, round(extract(epoch FROM first_sent_at - created_at) * 1000))::float8) AS l
      FROM webhook_events
      WHERE created_at >= '2025-06-29 00:00+00' AND created_at < '2025-06-30 00:00+00') AS x
GROUP BY x.l;

-- A tenant asking for the other tenant's organization sees an empty one.
CREATE TEMP VIEW other_tenant WITH (security_invoker = true) AS
SELECT webhook_analytics_json_between(other, '2025-06-29 00:00+00', '2025-06-30 00:00+00')
       = webhook_analytics_json_between('org_rls_nobody', '2025-06-29 00:00+00', '2025-06-30 00:00+00') AS same_as_unknown_org,
       webhook_analytics_json_between(other, '2025-06-29 00:00+00', '2025-06-30 00:00+00')
       = plain_analytics_json_between(other, '2025-06-29 00:00+00', '2025-06-30 00:00+00') AS same_as_oracle,
       (SELECT sum(total) FROM webhook_day_metrics(other, '2025-06-28 00:00+00', '2025-06-30 12:00+00')) AS day_total,
       (SELECT sum(total) FROM webhook_hourly_metrics(other, '2025-06-29 00:00+00', '2025-06-30 00:00+00')) AS hour_total,
       webhook_analytics_json(other, 'last_7_days', '2025-06-30 00:00+00') -> 'data' -> 'total' AS webhooks
FROM (SELECT CASE current_setting('app.org_id') WHEN 'org_rls_a' THEN 'org_rls_b' ELSE 'org_rls_a' END AS other) AS o;

GRANT SELECT ON tenant_checks, tenant_latency, other_tenant
    TO regress_rls_tenant_a, regress_rls_tenant_b, regress_rls_nopriv;

-- Tenant a.
SET ROLE regress_rls_tenant_a;
SET app.org_id = 'org_rls_a';
SELECT * FROM tenant_checks;
SELECT * FROM tenant_latency;
SELECT * FROM other_tenant;

-- Tenant b.
SET ROLE regress_rls_tenant_b;
SET app.org_id = 'org_rls_b';
SELECT * FROM tenant_checks;
SELECT * FROM tenant_latency;
SELECT * FROM other_tenant;
-- With row_security off, reading a table that has a policy is an error, not a bypass.
SET row_security = off;
SELECT error_of($$SELECT webhook_analytics_json('org_rls_b', 'last_day', '2025-06-30 00:00+00')$$);
RESET row_security;

-- So far the tenants saw what the superuser sees for their own organization.
RESET ROLE;
CREATE TEMP TABLE tenant_sees (org text, response jsonb);
GRANT INSERT ON tenant_sees TO regress_rls_tenant_a, regress_rls_tenant_b;
SET ROLE regress_rls_tenant_a;
SET app.org_id = 'org_rls_a';
INSERT INTO tenant_sees
SELECT 'org_rls_a', webhook_analytics_json_between('org_rls_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00');
SET ROLE regress_rls_tenant_b;
SET app.org_id = 'org_rls_b';
INSERT INTO tenant_sees
SELECT 'org_rls_b', webhook_analytics_json_between('org_rls_b', '2025-06-29 00:00+00', '2025-06-30 00:00+00');
RESET ROLE;
SELECT t.org, t.response = s.response AS same_as_superuser
FROM tenant_sees t JOIN superuser_sees s USING (org) ORDER BY t.org;

-- A second, restrictive policy hides 'secret.event' rows from tenant a only.
CREATE POLICY rls_hide_secret ON webhook_events AS RESTRICTIVE TO regress_rls_tenant_a
    USING (event <> 'secret.event');
TRUNCATE tenant_sees;
SET ROLE regress_rls_tenant_a;
SET app.org_id = 'org_rls_a';
SELECT * FROM tenant_checks;
SELECT * FROM tenant_latency;
SELECT * FROM other_tenant;
INSERT INTO tenant_sees
SELECT 'org_rls_a', webhook_analytics_json_between('org_rls_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00');
SET ROLE regress_rls_tenant_b;
SET app.org_id = 'org_rls_b';
SELECT * FROM tenant_checks;
INSERT INTO tenant_sees
SELECT 'org_rls_b', webhook_analytics_json_between('org_rls_b', '2025-06-29 00:00+00', '2025-06-30 00:00+00');
RESET ROLE;
-- Tenant a now gets fewer rows and no trace of the secret events; b is unchanged.
SELECT t.org, t.response = s.response AS same_as_superuser,
       t.response -> 'data' -> 'day_metrics' -> 'total' AS tenant_total,
       s.response -> 'data' -> 'day_metrics' -> 'total' AS superuser_total,
       t.response::text LIKE '%secret.event%' AS mentions_secret
FROM tenant_sees t JOIN superuser_sees s USING (org) ORDER BY t.org;

-- A role without SELECT on the tables gets 42501 from every function.
SET ROLE regress_rls_nopriv;
SET app.org_id = 'org_rls_a';
SELECT error_of($$SELECT webhook_analytics_json('org_rls_a', 'last_day', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT webhook_analytics_json_between('org_rls_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT * FROM webhook_day_metrics('org_rls_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT * FROM webhook_hourly_metrics('org_rls_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
-- With SELECT on webhook_events only, the SRFs work and the JSON functions
-- fail on webhooks.
RESET ROLE;
GRANT SELECT ON webhook_events TO regress_rls_nopriv;
SET ROLE regress_rls_nopriv;
SELECT error_of($$SELECT webhook_analytics_json_between('org_rls_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
SELECT sum(total) = (SELECT count(*) FROM webhook_events
                     WHERE created_at >= '2025-06-29 00:00+00' AND created_at < '2025-06-30 00:00+00') AS day_total_is_count
FROM webhook_day_metrics('org_rls_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00');

-- Clean up: later tests and reruns see the tables as they were.
RESET ROLE;
RESET app.org_id;
DROP POLICY rls_hide_secret ON webhook_events;
DROP POLICY rls_tenant_events ON webhook_events;
DROP POLICY rls_tenant_webhooks ON webhooks;
ALTER TABLE webhook_events DISABLE ROW LEVEL SECURITY;
ALTER TABLE webhooks DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON webhook_events, webhooks FROM regress_rls_tenant_a, regress_rls_tenant_b, regress_rls_nopriv;
DROP OWNED BY regress_rls_tenant_a, regress_rls_tenant_b, regress_rls_nopriv;
DROP ROLE regress_rls_tenant_a;
DROP ROLE regress_rls_tenant_b;
DROP ROLE regress_rls_nopriv;
SELECT relname, relrowsecurity,
       (SELECT count(*) FROM pg_policy WHERE polrelid = c.oid) AS policies
FROM pg_class c
WHERE oid IN ('webhook_events'::regclass, 'webhooks'::regclass) ORDER BY relname;
\i test/teardown.sql
