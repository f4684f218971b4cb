-- generate.sql: deterministic, realistic webhook delivery data for the benchmark.
--
--   psql -v rows=1000000 -v orgs=100 -v days=30 -v target=webhook_events[,other_table] -f generate.sql
--
-- First run (helper tables empty): creates the organizations (Zipf s=1 sizes:
-- org k of N gets weight 1/k), their 1-8 webhooks in `webhooks`, and the
-- helper tables bench_orgs / bench_webhooks / bench_params that this script and
-- the pgbench writers pick from. Then it inserts :rows deliveries into each
-- table of :target (webhook_events, and/or a plain copy of it) in batches of
-- 100k rows, one INSERT ... SELECT and one transaction per batch and table,
-- with a progress line after each batch, and ANALYZEs the targets. The
-- deliveries depend only on (rows, orgs, days), so all targets get exactly
-- the same rows. Time spent in each target's INSERTs (and COMMITs; not the
-- setup, not ANALYZE) is stored in bench_results as bulk_insert_s:<table>.
--
-- created_at is uniform over the :days days ending at the reference time
-- 2026-01-01 00:00:00+00, the as_of of every benchmark scenario.

\set ON_ERROR_STOP 1
SET client_min_messages = notice;

SELECT set_config('bench.rows', :'rows', false),
       set_config('bench.orgs', :'orgs', false),
       set_config('bench.days', :'days', false),
       set_config('bench.target', :'target', false) \gset bench_ignored_

CREATE TABLE IF NOT EXISTS bench_results (
    metric text PRIMARY KEY,
    value  double precision,
    note   text
);

-- Organizations: k, id, Zipf weight, number of webhooks.
CREATE TABLE IF NOT EXISTS bench_orgs (
    k               integer PRIMARY KEY,
    organization_id text NOT NULL,
    weight          double precision NOT NULL,
    nwh             integer NOT NULL
);
-- Webhooks by (org k, index 0..nwh-1), a copy of what goes into `webhooks`.
CREATE TABLE IF NOT EXISTS bench_webhooks (
    org_k           integer NOT NULL,
    idx             integer NOT NULL,
    id              text NOT NULL,
    organization_id text NOT NULL,
    url             text NOT NULL,
    events          text[] NOT NULL,
    PRIMARY KEY (org_k, idx)
);
-- One row: cumulative weight lower bounds, for width_bucket(random(), ...) -> org k.
CREATE TABLE IF NOT EXISTS bench_params (
    org_thresholds double precision[] NOT NULL
);

DO $setup$
DECLARE
    n_orgs integer := current_setting('bench.orgs')::integer;
    -- event types, most popular first
    ev text[] := ARRAY['invoice.paid', 'payment.succeeded', 'customer.updated',
                       'subscription.renewed', 'payment.failed', 'customer.created',
                       'invoice.created', 'api_key.created', 'subscription.canceled',
                       'refund.created', 'api_key.updated', 'webhook.test'];
    hosts text[] := ARRAY['api', 'hooks', 'events', 'integrations', 'notify', 'ingest'];
BEGIN
    IF EXISTS (SELECT 1 FROM bench_orgs) THEN
        RETURN;                                   -- already set up (second target)
    END IF;
    PERFORM setseed(0.17);

    INSERT INTO bench_orgs (k, organization_id, weight, nwh)
    SELECT k,
           'org_' || substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(h, 14, 3)
                  || '-' || substr(h, 17, 4) || '-' || substr(h, 21, 12),
           1.0 / k,
           1 + floor(random() * 8)::integer
    FROM generate_series(1, n_orgs) AS k,
         LATERAL md5('org-' || k) AS h
    ORDER BY k;

    -- Each webhook subscribes to a random subset of event types, the popular
    -- ones more likely; never empty.
    INSERT INTO bench_webhooks (org_k, idx, id, organization_id, url, events)
    SELECT o.k, i,
           'webhook_' || substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(h, 14, 3)
                      || '-' || substr(h, 17, 4) || '-' || substr(h, 21, 12),
           o.organization_id,
           'https://' || hosts[1 + (('x' || substr(h, 1, 4))::bit(16)::integer % 6)]
                      || '.customer' || o.k || '.example.com/webhooks/' || substr(h, 25, 8),
           coalesce((SELECT array_agg(ev[j] ORDER BY j)
                     FROM generate_series(1, 12) AS j
                     WHERE random() < 0.95 - 0.07 * j + 0 * i),   -- correlated: once per webhook
                    ARRAY[ev[1]])
    FROM bench_orgs o,
         LATERAL generate_series(0, o.nwh - 1) AS i,
         LATERAL md5('webhook-' || o.k || '-' || i) AS h
    ORDER BY o.k, i;

    INSERT INTO webhooks (id, organization_id, label, url, description, enabled, events,
                          created_at, updated_at)
    SELECT w.id, w.organization_id, 'Endpoint ' || (w.idx + 1), w.url,
           CASE WHEN w.idx % 3 = 0 THEN 'Production endpoint' END,
           CASE WHEN w.idx % 7 = 6 THEN 0 ELSE 1 END,
           w.events,
           timestamptz '2025-06-01 00:00:00+00' + w.org_k * interval '1 day' + w.idx * interval '1 hour',
           NULL
    FROM bench_webhooks w
    ORDER BY w.org_k, w.idx;

    INSERT INTO bench_params (org_thresholds)
    SELECT array_agg(coalesce(cum, 0) ORDER BY k)
    FROM (SELECT k, sum(weight) OVER (ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                    / sum(weight) OVER () AS cum
          FROM bench_orgs) s;

    ANALYZE bench_orgs;
    ANALYZE bench_webhooks;
    ANALYZE webhooks;
END
$setup$;

-- The deliveries, in batches of 100k rows with a progress line after each.
-- Batch b covers the b-th slice of the time range and is inserted in
-- created_at order, so the table is append-only in time like a real delivery
-- log. Each batch reseeds random(), so every target gets the same rows; with
-- several targets the batches are interleaved (rotating which goes first,
-- with two targets alternating) so that WAL, checkpoints and caches affect
-- them alike.
DO $gen$
DECLARE
    n_rows   bigint  := current_setting('bench.rows')::bigint;
    n_days   integer := current_setting('bench.days')::integer;
    targets  text[]  := string_to_array(current_setting('bench.target'), ',');
    batch    constant integer := 100000;
    n_batch  integer;
    b        integer := 0;
    done_n   bigint := 0;
    this_n   integer;
    t0       timestamptz := clock_timestamp();
    tb       timestamptz;
    secs     double precision;
    spent    double precision[];
    ti       integer;
    k        integer;
    ins      text[];
BEGIN
    n_batch := ceil(n_rows::numeric / batch)::integer;
    spent := array_fill(0::double precision, ARRAY[cardinality(targets)]);
    FOR ti IN 1 .. cardinality(targets) LOOP
    ins[ti] := format($q$
    INSERT INTO %I (webhook_id, organization_id, url, event, resource_id, payload,
                    response_status, response_body, error, retries,
                    created_at, updated_at, first_sent_at, delay_ms, done)
    SELECT w.id, w.organization_id, w.url, ev.event,
           'res_' || s.res,
           -- payload: ~200-600 bytes of jsonb
           jsonb_build_object(
               'id', 'evt_' || md5(s.created_at::text || s.res),
               'type', ev.event,
               'api_version', '2025-06-30',
               'livemode', true,
               'data', jsonb_build_object(
                   'object', split_part(ev.event, '.', 1),
                   'id', 'res_' || s.res,
                   'amount', s.amount,
                   'currency', (ARRAY['usd', 'eur', 'gbp', 'jpy'])[1 + s.res %% 4],
                   'customer', 'cus_' || (s.res::bigint * 7919 %% 100003),
                   'metadata', jsonb_build_object('order', s.res * 31 %% 1000003,
                                                  'source', 'checkout'),
                   'description', substr(repeat(md5(s.res::text), 12), 1, s.desc_len)))
           AS payload,
           st.status,
           CASE WHEN st.status BETWEEN 200 AND 299 THEN
                    CASE WHEN s.r_body < 0.5 THEN '{"received": true}'
                         WHEN s.r_body < 0.8 THEN 'OK' END
                WHEN st.status IS NOT NULL THEN
                    CASE WHEN s.r_body < 0.7 THEN '{"error": "HTTP ' || st.status || '"}'
                         ELSE '<html><body>Error ' || st.status || '</body></html>' END
           END AS response_body,
           st.error,
           st.retries,
           s.created_at,
           CASE WHEN fs.first_sent_at IS NOT NULL THEN
                fs.first_sent_at + (coalesce(s.delay_ms, 0) + st.retries * 60000) * interval '1 ms'
           END AS updated_at,
           fs.first_sent_at,
           CASE WHEN fs.first_sent_at IS NOT NULL THEN s.delay_ms END,
           st.done
    FROM (
        SELECT g,
               random() AS r_org, random() AS r_wh, random() AS r_ev,
               random() AS r_status, random() AS r_sub, random() AS r_retry,
               random() AS r_body, random() AS r_fsnull, random() AS r_pend,
               (random() * 1000000)::integer AS res,
               (random() * 100000)::integer AS amount,
               20 + (random() * 300)::integer AS desc_len,
               -- uniform over this batch's slice of [ref - days, ref)
               timestamptz '2026-01-01 00:00:00+00' - %s * interval '1 day'
                   + floor(%s::numeric * 86400 * 1000000 * ($2 + random() * $1) / $3)::bigint
                     * interval '1 microsecond' AS created_at,
               -- log-normal latency (median ~45 ms, 5-500 ms typical, <= 60 s),
               -- microsecond precision
               least(60000.0, exp(ln(45) + 1.2 * sqrt(-2 * ln(1 - random()))
                                             * cos(2 * pi() * random()))) AS lat_ms,
               -- log-normal delay (median ~140 ms, 20-800 typical, <= 30 s), ~5%% NULL
               CASE WHEN random() >= 0.05 THEN
                   least(30000, round(exp(ln(140) + 0.9 * sqrt(-2 * ln(1 - random()))
                                                  * cos(2 * pi() * random()))))::integer
               END AS delay_ms
        FROM generate_series(1, $1) AS g
        OFFSET 0
    ) s
    JOIN bench_orgs o
      ON o.k = width_bucket(s.r_org, (SELECT org_thresholds FROM bench_params))
    JOIN bench_webhooks w
      ON w.org_k = o.k AND w.idx = floor(s.r_wh * o.nwh)::integer
    CROSS JOIN LATERAL (
        SELECT w.events[1 + floor(cardinality(w.events) * s.r_ev * s.r_ev)::integer] AS event
    ) ev
    CROSS JOIN LATERAL (
        -- status mix: ~85%% 2xx, ~4%% 4xx, ~5%% 5xx, ~3%% NULL + error, ~1%% NULL + JSON null,
        -- ~2%% never attempted yet (NULL status, NULL error, pending)
        SELECT x.status, x.error,
               CASE WHEN x.kind = 'ok' THEN
                        CASE WHEN s.r_retry < 0.035 THEN 1 + (s.r_retry * 100)::integer %% 3 ELSE 0 END
                    WHEN x.kind = 'fail' THEN
                        CASE WHEN s.r_retry < 0.6 THEN 1 + (s.r_retry * 1000)::integer %% 5 ELSE 0 END
                    ELSE 0
               END AS retries,
               CASE WHEN x.kind = 'new' THEN 0
                    WHEN x.kind = 'fail' AND s.r_pend < 0.06 THEN 0
                    ELSE 1
               END::smallint AS done,
               x.kind
        FROM (SELECT CASE
                         WHEN s.r_status < 0.85 THEN
                             (ARRAY[200, 200, 200, 200, 200, 200, 201, 201, 202, 204])
                                 [1 + floor(s.r_sub * 10)::integer]
                         WHEN s.r_status < 0.89 THEN
                             (ARRAY[400, 401, 403, 404, 404, 410, 422, 429])
                                 [1 + floor(s.r_sub * 8)::integer]
                         WHEN s.r_status < 0.94 THEN
                             (ARRAY[500, 500, 502, 503, 503, 504])[1 + floor(s.r_sub * 6)::integer]
                     END AS status,
                     CASE
                         WHEN s.r_status < 0.85 THEN NULL
                         WHEN s.r_status < 0.94 THEN
                             CASE WHEN s.r_sub < 0.5 THEN NULL
                                  ELSE '{"error": "unexpected status code"}'::jsonb END
                         WHEN s.r_status < 0.97 THEN
                             (ARRAY['{"error": "timeout"}', '{"error": "connection refused"}',
                                    '{"error": "tls handshake failed", "code": 35}'])
                                 [1 + floor(s.r_sub * 3)::integer]::jsonb
                         WHEN s.r_status < 0.98 THEN 'null'::jsonb
                     END AS error,
                     CASE WHEN s.r_status < 0.85 THEN 'ok'
                          WHEN s.r_status < 0.98 THEN 'fail'
                          ELSE 'new' END AS kind) x
    ) st
    CROSS JOIN LATERAL (
        -- ~3%% never sent: the never-attempted rows plus a few others
        SELECT CASE WHEN st.kind = 'new' OR s.r_fsnull < 0.01 THEN NULL
                    ELSE s.created_at + s.lat_ms * interval '1 ms'
               END AS first_sent_at
    ) fs
    ORDER BY s.created_at
    $q$, targets[ti], n_days, n_days);
    END LOOP;

    RAISE NOTICE 'generating % rows into % (% days ending 2026-01-01 00:00:00+00)',
        n_rows, array_to_string(targets, ' and '), n_days;
    WHILE done_n < n_rows LOOP
        b := b + 1;
        this_n := least(batch, n_rows - done_n);
        FOR k IN 1 .. cardinality(targets) LOOP
            -- rotate which target goes first (with two: alternate)
            ti := 1 + (k - 1 + b - 1) % cardinality(targets);
            PERFORM setseed(0.42 * b / n_batch);
            tb := clock_timestamp();
            EXECUTE ins[ti] USING this_n, done_n, n_rows;
            COMMIT;
            spent[ti] := spent[ti] + extract(epoch FROM clock_timestamp() - tb);
        END LOOP;
        done_n := done_n + this_n;
        secs := extract(epoch FROM clock_timestamp() - t0);
        RAISE NOTICE '  % / % rows (% %%), % rows/s%',
            lpad(done_n::text, length(n_rows::text)), n_rows,
            lpad(round(100.0 * done_n / n_rows)::text, 3),
            round(done_n / greatest(secs, 1e-6)),
            CASE WHEN cardinality(targets) > 1
                 THEN format(' into each of the %s tables', cardinality(targets)) ELSE '' END;
    END LOOP;
    FOR ti IN 1 .. cardinality(targets) LOOP
        INSERT INTO bench_results (metric, value, note)
        VALUES ('bulk_insert_s:' || targets[ti], spent[ti], n_rows || ' rows')
        ON CONFLICT (metric) DO UPDATE SET value = excluded.value, note = excluded.note;
        RAISE NOTICE 'inserted % rows into % in % s (% rows/s)', n_rows, targets[ti],
            round(spent[ti]::numeric, 1), round(n_rows / greatest(spent[ti], 1e-6));
    END LOOP;
END
$gen$;

SELECT format('ANALYZE %I', t) FROM unnest(string_to_array(:'target', ',')) AS t \gexec
