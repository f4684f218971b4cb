-- demo/sample_data.sql - sample webhooks and deliveries for whanalytics.
--
-- Load after `CREATE EXTENSION whanalytics;` (tables in the default schema):
--     psql -X -v ON_ERROR_STOP=1 -f demo/sample_data.sql
-- then try:
--     SELECT jsonb_pretty(webhook_analytics_json('org_0196b0e9-11d8-7f26-b1d2-bd47054e4827'));
--
-- Contents, all relative to now() so every period has data:
--   * org_0196b0e9-11d8-7f26-b1d2-bd47054e4827: three webhooks (billing API,
--     Slack relay, a flaky staging endpoint) and ~2,700 deliveries over the
--     last 8 days, more in UTC daytime than at night: mostly 200/201/204,
--     some 4xx/5xx, timeouts and refused connections (NULL status + error
--     jsonb), failures of the last 6 hours still pending (done = 0) with
--     retries > 0, and a few brand-new deliveries not yet sent.
--   * org_0196b0f7-8d21-7c4e-b5a3-2f9e6c1d0a58: one webhook and a delivery
--     every 30 minutes, to show that organizations are kept apart.
-- Deterministic apart from now(): every "random" choice is a multiplicative
-- hash of the row number (no random()). Re-running replaces the demo rows.

BEGIN;

DELETE FROM webhook_events
 WHERE organization_id IN ('org_0196b0e9-11d8-7f26-b1d2-bd47054e4827',
                           'org_0196b0f7-8d21-7c4e-b5a3-2f9e6c1d0a58');
DELETE FROM webhooks
 WHERE organization_id IN ('org_0196b0e9-11d8-7f26-b1d2-bd47054e4827',
                           'org_0196b0f7-8d21-7c4e-b5a3-2f9e6c1d0a58');

INSERT INTO webhooks (id, organization_id, label, url, description, enabled,
                      events, created_at, updated_at)
VALUES
  ('webhook_0196b0e9-2a41-7c3e-9f12-3b8d5e6a7c01',
   'org_0196b0e9-11d8-7f26-b1d2-bd47054e4827',
   'Billing API', 'https://api.acme-billing.com/hooks/whanalytics',
   'Keys and invoices, consumed by the billing service', 1,
   '{api_key.created,api_key.updated,invoice.paid}',
   now() - interval '84 days 3 hours', now() - interval '12 days 5 hours'),
  ('webhook_0196b0ea-5c02-7d11-8e4a-91f0c3b2d4e5',
   'org_0196b0e9-11d8-7f26-b1d2-bd47054e4827',
   'Slack relay', 'https://hooks.relay-notify.io/T024F7Q/B07HX2M/whk',
   'Posts paid invoices and churned customers to #revenue', 1,
   '{invoice.paid,customer.deleted}',
   now() - interval '41 days 7 hours', NULL),
  ('webhook_0196b0eb-7e93-7a05-b2c6-5d4f8a1e0b97',
   'org_0196b0e9-11d8-7f26-b1d2-bd47054e4827',
   'Staging', 'https://staging.acme-internal.dev/webhooks/receive',
   'Staging receiver; restarted often, expect failures', 1,
   '{api_key.created,api_key.updated,customer.deleted,invoice.paid}',
   now() - interval '10 days 2 hours', now() - interval '9 days 23 hours'),
  ('webhook_0196b0f7-9a13-7e02-a6d4-c8b5f3e2d190',
   'org_0196b0f7-8d21-7c4e-b5a3-2f9e6c1d0a58',
   'Globex ingest', 'https://events.globex.example/ingest',
   NULL, 1,
   '{invoice.paid,customer.deleted}',
   now() - interval '120 days', NULL);

-- Deliveries of the main organization: 192 hours back from now, 6-22 per
-- hour (a UTC day/night curve plus a wobble), each row's fields picked from
-- three hash values x1, x2, x3 in 0..65535 of its row number n.
INSERT INTO webhook_events (webhook_id, organization_id, url, event,
                            resource_id, payload, response_status,
                            response_body, error, retries, created_at,
                            updated_at, first_sent_at, delay_ms, done)
SELECT w.id, 'org_0196b0e9-11d8-7f26-b1d2-bd47054e4827', w.url, e.event,
       e.resource_id,
       jsonb_build_object(
           'id', 'evt_' || lpad(to_hex(r.n * 40503 % 16777216), 6, '0')
                        || lpad(r.n::text, 5, '0'),
           'type', e.event,
           'created_at', to_char(r.created_at AT TIME ZONE 'UTC',
                                 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'data', e.data),
       o.status,
       o.body,
       o.error,
       f.retries,
       r.created_at,
       CASE WHEN o.kind = 'unsent' THEN NULL
            ELSE least(now(), r.created_at
                              + make_interval(secs => (o.lat_ms + o.delay_ms) / 1000.0
                                                      + 30 * (2 ^ f.retries - 1)))
       END,
       CASE WHEN o.kind = 'unsent' THEN NULL
            ELSE r.created_at + make_interval(secs => o.lat_ms / 1000.0)
       END,
       o.delay_ms,
       f.done
FROM (
    SELECT s.*,
           now() - make_interval(hours => s.h,
                                 secs  => 1 + (s.k - 1) * 3600.0 / s.cnt
                                          + (s.x3 % (3600 / s.cnt - 1))
                                          + (s.x2 % 1000) / 1000.0)
               AS created_at
    FROM (
        SELECT h, k, cnt,
               row_number() OVER (ORDER BY h DESC, k DESC) AS n,
               ((row_number() OVER (ORDER BY h DESC, k DESC)) * 2654435761 % 4294967296) / 65536 AS x1,
               ((row_number() OVER (ORDER BY h DESC, k DESC)) * 2246822519 % 4294967296) / 65536 AS x2,
               ((row_number() OVER (ORDER BY h DESC, k DESC)) * 3266489917 % 4294967296) / 65536 AS x3
        FROM generate_series(0, 191) AS h
        CROSS JOIN LATERAL (
            SELECT 13 + (h * 7) % 5
                   + round(6 * cos(2 * pi() *
                       (extract(hour FROM (now() - make_interval(hours => h)) AT TIME ZONE 'UTC') - 15)
                       / 24))::int AS cnt) AS c
        CROSS JOIN LATERAL generate_series(1, c.cnt) AS k
    ) AS s
) AS r
-- Which webhook: 50% billing, 30% Slack relay, 20% staging.
CROSS JOIN LATERAL (
    SELECT CASE WHEN r.x1 % 100 < 50 THEN 1 WHEN r.x1 % 100 < 80 THEN 2 ELSE 3 END AS wh
) AS pick
JOIN webhooks AS w ON w.id = (ARRAY['webhook_0196b0e9-2a41-7c3e-9f12-3b8d5e6a7c01',
                                    'webhook_0196b0ea-5c02-7d11-8e4a-91f0c3b2d4e5',
                                    'webhook_0196b0eb-7e93-7a05-b2c6-5d4f8a1e0b97'])[pick.wh]
-- Which event (one the webhook subscribes to), its resource and its data.
CROSS JOIN LATERAL (
    SELECT ev.event,
           CASE WHEN ev.event LIKE 'api_key.%' THEN 'key_' || (1000 + r.x2 % 400)
                WHEN ev.event = 'invoice.paid' THEN 'in_' || (20000 + r.n)
                ELSE 'cus_' || (5000 + r.x2 % 900) END AS resource_id,
           CASE WHEN ev.event LIKE 'api_key.%' THEN
                    jsonb_build_object('id', 'key_' || (1000 + r.x2 % 400),
                                       'name', (ARRAY['CI deploy', 'Mobile app', 'Zapier',
                                                      'Data warehouse sync'])[1 + r.x2 % 4],
                                       'prefix', 'whk_live_' || lpad(to_hex(r.x3), 4, '0'),
                                       'scopes', CASE WHEN r.x2 % 3 = 0
                                                      THEN '["read"]'::jsonb
                                                      ELSE '["read","write"]'::jsonb END)
                WHEN ev.event = 'invoice.paid' THEN
                    jsonb_build_object('id', 'in_' || (20000 + r.n),
                                       'customer', 'cus_' || (5000 + r.x2 % 900),
                                       'amount_paid', 900 + (r.x3 % 60) * 250,
                                       'currency', CASE WHEN r.x3 % 5 = 0 THEN 'eur' ELSE 'usd' END,
                                       'lines', 1 + r.x3 % 3)
                ELSE
                    jsonb_build_object('id', 'cus_' || (5000 + r.x2 % 900),
                                       'email', 'customer' || (5000 + r.x2 % 900) || '@example.com',
                                       'reason', CASE WHEN r.x2 % 2 = 0 THEN 'requested'
                                                      ELSE 'gdpr_erasure' END)
           END AS data
    FROM (SELECT CASE pick.wh
                   WHEN 1 THEN CASE WHEN r.x2 % 100 < 35 THEN 'api_key.created'
                                    WHEN r.x2 % 100 < 55 THEN 'api_key.updated'
                                    ELSE 'invoice.paid' END
                   WHEN 2 THEN CASE WHEN r.x2 % 100 < 70 THEN 'invoice.paid'
                                    ELSE 'customer.deleted' END
                   ELSE (ARRAY['api_key.created', 'api_key.updated',
                               'customer.deleted', 'invoice.paid'])[1 + r.x2 % 4]
                 END AS event) AS ev
) AS e
-- The outcome of the last attempt, per webhook: kind, status, body, error,
-- delay of the last attempt and dispatch latency (created -> first sent).
CROSS JOIN LATERAL (
    SELECT kind.kind, kind.status,
           CASE kind.status
               WHEN 200 THEN '{"received":true}'
               WHEN 201 THEN '{"id":"ack_' || r.n || '"}'
               WHEN 204 THEN ''
               WHEN 400 THEN '{"error":"invalid_payload","detail":"missing field data.object"}'
               WHEN 404 THEN '<html><head><title>404 Not Found</title></head><body>Not Found</body></html>'
               WHEN 410 THEN '{"error":"endpoint_gone"}'
               WHEN 429 THEN '{"error":"rate_limited","retry_after":30}'
               WHEN 500 THEN '{"error":"internal_server_error"}'
               WHEN 502 THEN '<html><body><h1>502 Bad Gateway</h1></body></html>'
               WHEN 503 THEN 'Service Unavailable'
           END AS body,
           CASE kind.kind
               WHEN 'timeout' THEN '{"error":"timeout","message":"no response within 10000 ms"}'::jsonb
               WHEN 'refused' THEN jsonb_build_object(
                   'error', 'connection_refused',
                   'message', 'connect ECONNREFUSED 10.12.0.' || (2 + r.x3 % 40) || ':443')
           END AS error,
           CASE WHEN kind.kind = 'unsent' THEN NULL
                WHEN kind.kind = 'timeout' THEN 10000
                WHEN kind.kind = 'refused' THEN 1 + r.x3 % 4
                WHEN kind.status >= 500 THEN 200 + r.x3 % 2500
                WHEN kind.status >= 400 THEN 25 + r.x3 % 200
                WHEN pick.wh = 1 THEN 120 + r.x3 % 380
                WHEN pick.wh = 2 THEN 45 + r.x3 % 160
                ELSE 300 + r.x3 % 1700
           END AS delay_ms,
           -- mostly 4-93 ms, one in 40 queued for 0.8-4 s
           4 + r.x3 % 90 + CASE WHEN r.x1 % 40 = 0 THEN 800 + r.x2 % 3200 ELSE 0 END AS lat_ms
    FROM (
        SELECT *
        FROM (VALUES
            -- webhook, upper bound of x3 % 1000, kind, status
            (1, 900, 'ok', 200), (1, 930, 'ok', 201), (1, 950, 'ok', 204),
            (1, 975, 'ok_retried', 200), (1, 983, 'http', 500), (1, 988, 'http', 404),
            (1, 992, 'http', 429), (1, 997, 'timeout', NULL), (1, 1000, 'refused', NULL),
            (2, 960, 'ok', 200), (2, 975, 'ok_retried', 200), (2, 980, 'http', 400),
            (2, 990, 'http', 500), (2, 1000, 'timeout', NULL),
            (3, 600, 'ok', 200), (3, 650, 'ok', 204), (3, 700, 'ok_retried', 200),
            (3, 800, 'http', 502), (3, 870, 'http', 503), (3, 900, 'http', 410),
            (3, 960, 'timeout', NULL), (3, 1000, 'refused', NULL)
        ) AS t(wh, upto, kind, status)
        WHERE t.wh = pick.wh AND r.x3 % 1000 < t.upto
          -- created in the last 5 minutes: not sent yet
          AND NOT (r.created_at > now() - interval '5 minutes')
        UNION ALL
        SELECT pick.wh, 0, 'unsent', NULL
        WHERE r.created_at > now() - interval '5 minutes'
        ORDER BY upto
        LIMIT 1
    ) AS kind
) AS o
-- Retries and done: 4xx other than 429 is not retried; other failures are
-- retried with backoff, still pending for 6 hours, then given up after 5.
CROSS JOIN LATERAL (
    SELECT CASE WHEN o.kind = 'unsent' THEN 0
                WHEN o.kind = 'ok_retried' THEN 1 + r.x1 % 2
                WHEN o.kind = 'ok' THEN 0
                WHEN o.status BETWEEN 400 AND 499 AND o.status <> 429 THEN 0
                WHEN r.h < 6 THEN 1 + r.x1 % 3
                ELSE 5 END AS retries,
           CASE WHEN o.kind = 'unsent' THEN 0
                WHEN o.kind IN ('ok', 'ok_retried') THEN 1
                WHEN o.status BETWEEN 400 AND 499 AND o.status <> 429 THEN 1
                WHEN r.h < 6 THEN 0
                ELSE 1 END AS done
) AS f
ORDER BY r.created_at;

-- The other organization: a delivery every 30 minutes, a few 500s.
INSERT INTO webhook_events (webhook_id, organization_id, url, event,
                            resource_id, payload, response_status,
                            response_body, error, retries, created_at,
                            updated_at, first_sent_at, delay_ms, done)
SELECT 'webhook_0196b0f7-9a13-7e02-a6d4-c8b5f3e2d190',
       'org_0196b0f7-8d21-7c4e-b5a3-2f9e6c1d0a58',
       'https://events.globex.example/ingest',
       ev, 'in_' || (90000 + i),
       jsonb_build_object('id', 'evt_g' || i, 'type', ev,
                          'data', jsonb_build_object('id', 'in_' || (90000 + i))),
       CASE WHEN i % 37 = 0 THEN 500 ELSE 200 END,
       CASE WHEN i % 37 = 0 THEN 'upstream error' ELSE 'ok' END,
       NULL,
       CASE WHEN i % 37 = 0 THEN 5 ELSE 0 END,
       ts,
       ts + make_interval(secs => 0.2 + CASE WHEN i % 37 = 0 THEN 930 ELSE 0 END),
       ts + make_interval(secs => (8 + i % 30) / 1000.0),
       60 + (i * 7) % 90,
       1
FROM generate_series(1, 384) AS i
CROSS JOIN LATERAL (
    SELECT now() - make_interval(mins => 30 * i - 7) AS ts,
           CASE WHEN i % 4 = 0 THEN 'customer.deleted' ELSE 'invoice.paid' END AS ev
) AS x
ORDER BY ts;

COMMIT;

ANALYZE webhooks;
ANALYZE webhook_events;
