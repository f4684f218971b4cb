-- examples/prometheus/oracle.sql - what the exporter should show, by other means.
--
--     psql -X -At -F $'\t' -v as_of=... -v oracle_out=FILE -v series_out=FILE -f oracle.sql
--
-- Writes one line per Prometheus sample (name, labels as JSON, value; NULL
-- stays empty and means NaN) for the windows 1h and 24h ending at :as_of:
-- to :oracle_out every sample, from plain SQL over webhook_events written
-- from README's definitions (not from setup.sql); to :series_out the counts
-- again, summed from the extension's webhook_metrics_series(group_by =>
-- 'webhook') over the same windows. check.py compares both with /metrics.

\set ON_ERROR_STOP 1
\o :oracle_out
WITH win(label, len) AS (VALUES ('1h', interval '1 hour'), ('24h', interval '24 hours')),
r AS (
    SELECT e.organization_id, e.webhook_id, win.label, e.response_status,
           e.error, e.retries, e.delay_ms, e.done,
           CASE WHEN e.first_sent_at IS NOT NULL THEN
               greatest(0, round(extract(epoch FROM e.first_sent_at - e.created_at) * 1000))::float8
           END AS l
    FROM webhook_events AS e
    JOIN win ON e.created_at >= :'as_of'::timestamptz - win.len
            AND e.created_at < :'as_of'::timestamptz
),
g AS (
    SELECT organization_id, webhook_id, label,
           json_build_object('organization', organization_id, 'webhook', webhook_id,
                             'window', label) AS labels,
           count(*) AS total,
           sum(CASE WHEN response_status >= 200 AND response_status <= 299 THEN 1 ELSE 0 END) AS success,
           sum(CASE WHEN response_status >= 200 AND response_status <= 299 THEN 0
                    WHEN response_status IS NOT NULL THEN 1
                    WHEN error IS NOT NULL AND jsonb_typeof(error) <> 'null' THEN 1
                    ELSE 0 END) AS failed,
           sum(CASE WHEN done = 0 THEN 1 ELSE 0 END) AS pending,
           sum(CASE WHEN retries > 0 THEN 1 ELSE 0 END) AS retried,
           sum(delay_ms)::float8 / nullif(count(delay_ms), 0) AS avg_delay,
           sum(l) AS l_sum,
           count(l) AS l_count,
           percentile_cont(0.5)  WITHIN GROUP (ORDER BY l) AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY l) AS p95,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY l) AS p99
    FROM r
    GROUP BY organization_id, webhook_id, label
)
SELECT 'whanalytics_' || m.name, g.labels, m.v
FROM g CROSS JOIN LATERAL (VALUES
    ('deliveries', g.total::float8),
    ('deliveries_success', g.success),
    ('deliveries_failed', g.failed),
    ('deliveries_pending', g.pending),
    ('deliveries_retried', g.retried),
    ('retry_rate_pct', 100 * g.retried::float8 / g.total),
    ('avg_delay_ms', g.avg_delay),
    ('delivery_latency_ms_sum', coalesce(g.l_sum, 0)),
    ('delivery_latency_ms_count', g.l_count),
    ('delivery_latency_p50_ms', g.p50),
    ('delivery_latency_p95_ms', g.p95),
    ('delivery_latency_p99_ms', g.p99)) AS m(name, v)
UNION ALL
-- the cumulative buckets: rows with a latency at most le, for each le
SELECT 'whanalytics_delivery_latency_ms_bucket',
       json_build_object('organization', r.organization_id, 'webhook', r.webhook_id,
                         'window', r.label,
                         'le', CASE WHEN b.le = 'Infinity' THEN '+Inf' ELSE b.le::text END),
       count(*) FILTER (WHERE r.l <= b.le)
FROM r CROSS JOIN unnest('{100,250,500,1000,2500,5000,10000,Infinity}'::float8[]) AS b(le)
GROUP BY r.organization_id, r.webhook_id, r.label, b.le;

\o :series_out
WITH win(label, len) AS (VALUES ('1h', interval '1 hour'), ('24h', interval '24 hours')),
s AS (
    SELECT o.organization_id, ser.key AS webhook_id, win.label,
           sum(ser.total) AS total, sum(ser.success) AS success, sum(ser.failed) AS failed,
           sum(ser.pending) AS pending, sum(ser.retried) AS retried
    FROM (SELECT DISTINCT organization_id FROM webhook_events) AS o
    CROSS JOIN win
    CROSS JOIN LATERAL webhook_metrics_series(o.organization_id,
                                              :'as_of'::timestamptz - win.len,
                                              :'as_of'::timestamptz,
                                              bucket => win.len,
                                              group_by => 'webhook') AS ser
    GROUP BY o.organization_id, ser.key, win.label
)
SELECT 'whanalytics_' || m.name,
       json_build_object('organization', s.organization_id, 'webhook', s.webhook_id,
                         'window', s.label),
       m.v
FROM s CROSS JOIN LATERAL (VALUES
    ('deliveries', s.total), ('deliveries_success', s.success),
    ('deliveries_failed', s.failed), ('deliveries_pending', s.pending),
    ('deliveries_retried', s.retried)) AS m(name, v);
\o
