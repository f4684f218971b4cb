-- examples/prometheus/setup.sql - the one function queries.yaml scrapes.
--
--     psql -X -v ON_ERROR_STOP=1 -f setup.sql      (idempotent: run it again to update)
--
-- whanalytics_metrics.webhook_metrics(as_of, windows) returns one row per
-- organization, webhook and window [as_of - window, as_of) that holds
-- deliveries: counts (as README's Reference defines success, failed, pending),
-- the retry rate, the mean delay_ms, a cumulative latency histogram in the
-- shape prometheus-postgres-exporter's HISTOGRAM usage reads (bounds, counts
-- of latency <= each bound, sum, count) and the exact p50/p95/p99 from the
-- extension's webhook_latency_percentiles. Latency is README's L: whole ms
-- from created_at to first_sent_at, at least 0, for the rows that were sent.
--
-- One pass: each organization's rows of the longest window are read once,
-- by an index range scan of (organization_id, created_at), and every window
-- is a FILTER of that scan. The organizations are found by skipping through
-- the same index (one probe each), not by reading the table.
-- SECURITY INVOKER: the exporter's role needs SELECT on webhook_events, and
-- sees what row-level security lets it see.

\set ON_ERROR_STOP 1
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'whanalytics') THEN
        RAISE EXCEPTION 'whanalytics is not installed in database %', current_database()
              USING HINT = 'CREATE EXTENSION whanalytics; first.';
    END IF;
END
$$;
-- The function finds webhook_events and webhook_latency_percentiles in the
-- extension's schema, whatever the exporter's search_path is.
SELECT n.nspname AS whanalytics_schema
FROM pg_extension AS x JOIN pg_namespace AS n ON n.oid = x.extnamespace
WHERE x.extname = 'whanalytics' \gset

BEGIN;
SET LOCAL client_min_messages = warning;     -- no "already exists, skipping"

CREATE SCHEMA IF NOT EXISTS whanalytics_metrics;

DROP FUNCTION IF EXISTS whanalytics_metrics.webhook_metrics(timestamptz, interval[]);

CREATE FUNCTION whanalytics_metrics.webhook_metrics(
    as_of   timestamptz DEFAULT now(),
    windows interval[]  DEFAULT '{1 hour,24 hours}')
RETURNS TABLE (
    organization                  text,
    webhook                       text,
    "window"                      text,     -- '1h', '24h', '15m', '90s'
    deliveries                    bigint,
    deliveries_success            bigint,
    deliveries_failed             bigint,
    deliveries_pending            bigint,
    deliveries_retried            bigint,
    retry_rate_pct                float8,
    avg_delay_ms                  float8,   -- NULL (NaN) when no delay_ms
    delivery_latency_ms           float8[], -- the histogram's le bounds
    delivery_latency_ms_bucket    bigint[], -- rows with latency <= each bound
    delivery_latency_ms_sum       float8,
    delivery_latency_ms_count     bigint,
    delivery_latency_p50_ms       float8,   -- exact; NULL (NaN) when none sent
    delivery_latency_p95_ms       float8,
    delivery_latency_p99_ms       float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, :"whanalytics_schema"
AS $$
WITH RECURSIVE orgs(organization_id) AS (
    (SELECT e.organization_id FROM webhook_events AS e
     ORDER BY e.organization_id LIMIT 1)
    UNION ALL
    SELECT (SELECT e.organization_id FROM webhook_events AS e
            WHERE e.organization_id > orgs.organization_id
            ORDER BY e.organization_id LIMIT 1)
    FROM orgs
    WHERE orgs.organization_id IS NOT NULL
),
win AS (
    SELECT DISTINCT w.len,
           CASE WHEN w.s % 3600 = 0 THEN (w.s / 3600) || 'h'
                WHEN w.s % 60 = 0   THEN (w.s / 60) || 'm'
                ELSE w.s || 's' END AS label
    FROM (SELECT len, extract(epoch FROM len)::bigint AS s
          FROM unnest(windows) AS len) AS w
    WHERE w.s > 0
),
d AS (
    SELECT e.organization_id, e.webhook_id, e.created_at, e.retries, e.delay_ms,
           e.response_status BETWEEN 200 AND 299 AS ok,
           e.response_status IS NOT NULL
               OR (e.error IS NOT NULL AND e.error <> 'null'::jsonb) AS attempted,
           e.done = 0 AS pending,
           CASE WHEN e.first_sent_at IS NOT NULL THEN    -- greatest() would make NULL 0
               greatest(0, round(extract(epoch FROM e.first_sent_at - e.created_at) * 1000))::float8
           END AS latency_ms
    FROM orgs
    CROSS JOIN LATERAL (
        SELECT ev.* FROM webhook_events AS ev
        WHERE ev.organization_id = orgs.organization_id
          AND ev.created_at >= as_of - (SELECT max(len) FROM win)
          AND ev.created_at < as_of
        OFFSET 0) AS e      -- a fence: one index range per organization
)
SELECT d.organization_id, d.webhook_id, win.label,
       count(*),
       count(*) FILTER (WHERE d.ok),
       count(*) FILTER (WHERE d.ok IS NOT TRUE AND d.attempted),
       count(*) FILTER (WHERE d.pending),
       count(*) FILTER (WHERE d.retries > 0),
       100.0 * count(*) FILTER (WHERE d.retries > 0) / count(*),
       avg(d.delay_ms)::float8,
       -- keep these bounds and the FILTERs below in step; the last one is +Inf
       '{100,250,500,1000,2500,5000,10000,Infinity}'::float8[],
       ARRAY[count(*) FILTER (WHERE d.latency_ms <= 100),
             count(*) FILTER (WHERE d.latency_ms <= 250),
             count(*) FILTER (WHERE d.latency_ms <= 500),
             count(*) FILTER (WHERE d.latency_ms <= 1000),
             count(*) FILTER (WHERE d.latency_ms <= 2500),
             count(*) FILTER (WHERE d.latency_ms <= 5000),
             count(*) FILTER (WHERE d.latency_ms <= 10000),
             count(d.latency_ms)],
       coalesce(sum(d.latency_ms), 0),
       count(d.latency_ms),
       (webhook_latency_percentiles(d.latency_ms)).p50,
       (webhook_latency_percentiles(d.latency_ms)).p95,
       (webhook_latency_percentiles(d.latency_ms)).p99
FROM d
JOIN win ON d.created_at >= as_of - win.len
GROUP BY d.organization_id, d.webhook_id, win.label
ORDER BY d.organization_id, d.webhook_id, win.label
$$;

COMMENT ON FUNCTION whanalytics_metrics.webhook_metrics(timestamptz, interval[]) IS
'Per organization, webhook and window [as_of - window, as_of): delivery counts, retry rate, mean delay_ms, a cumulative latency histogram (le bounds, counts, sum, count) and exact p50/p95/p99, for prometheus-postgres-exporter (examples/prometheus)';

COMMIT;
