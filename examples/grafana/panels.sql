-- examples/grafana/panels.sql - the panel queries of dashboard.json, for reading.
--
-- Queries for Grafana's PostgreSQL data source, in Grafana's macros: the
-- dashboard's time range is $__timeFrom() and $__timeTo() (Grafana writes
-- '2026-12-02T10:00:00Z'), the panel's interval $__interval_ms (an integer
-- of milliseconds) and the dashboard variable org '$org'. The bucket is
-- greatest($__interval_ms, 1000) * interval '1 millisecond', not
-- '$__interval'::interval: Grafana writes a year as '1y', which PostgreSQL
-- reads as a month-based interval, and short ranges as '500ms'; the series
-- refuses both (SQLSTATE 22023).
--
-- grafana.py builds dashboard.json from this file (`./grafana.py dashboard`):
-- a "-- @variable NAME | LABEL" or "-- @panel ID | TITLE | TYPE | FORMAT | UNIT"
-- line starts a block, its next "--" lines are the description, the rest up
-- to the ";" is the query. test.sh runs each with the macros substituted.

-- @variable org | Organization
-- The organizations with webhooks (under row-level security: the caller's).
SELECT DISTINCT organization_id FROM webhooks ORDER BY 1;

-- @panel deliveries | Deliveries: success and failed | timeseries | time_series | short
-- Per bucket of the panel's interval, every bucket of the range (empty ones as 0).
SELECT bucket AS "time", success, failed
FROM webhook_metrics_series('$org', $__timeFrom(), $__timeTo(),
                            greatest($__interval_ms, 1000) * interval '1 millisecond')
ORDER BY 1;

-- @panel per_webhook | Deliveries per webhook | timeseries | time_series | short
-- group_by => 'webhook': one series per webhook (its label), buckets that hold deliveries.
SELECT s.bucket AS "time", coalesce(w.label, s.key) AS metric, s.total AS deliveries
FROM webhook_metrics_series('$org', $__timeFrom(), $__timeTo(),
                            greatest($__interval_ms, 1000) * interval '1 millisecond',
                            group_by => 'webhook') AS s
LEFT JOIN webhooks AS w ON w.id = s.key
ORDER BY 1, 2, s.key;

-- @panel status_classes | Status classes | timeseries | time_series | short
-- group_by => 'status_class': 1xx ... 5xx, other, and none (no response: timeouts, refused, unsent).
SELECT bucket AS "time", key AS metric, total AS deliveries
FROM webhook_metrics_series('$org', $__timeFrom(), $__timeTo(),
                            greatest($__interval_ms, 1000) * interval '1 millisecond',
                            group_by => 'status_class')
ORDER BY 1, 2;

-- @panel status_codes | Status codes over the range | barchart | table | short
-- include => '{status_codes}' of the whole range: count descending, then status, none last.
SELECT coalesce(c.code ->> 'status', 'none') AS status, (c.code ->> 'count')::bigint AS deliveries
FROM jsonb_array_elements(
         webhook_analytics_json_between('$org', $__timeFrom(), $__timeTo(), top_n => 0, last_n => 0,
                                        include => '{status_codes}') -> 'data' -> 'status_codes')
     WITH ORDINALITY AS c(code, n)
ORDER BY c.n;

-- @panel latency | Latency p50, p95, p99 | timeseries | time_series | ms
-- Exact percentile_cont of created_at -> first_sent_at per bucket; a gap where nothing was sent.
SELECT bucket AS "time", latency_p50 AS p50, latency_p95 AS p95, latency_p99 AS p99
FROM webhook_metrics_series('$org', $__timeFrom(), $__timeTo(),
                            greatest($__interval_ms, 1000) * interval '1 millisecond')
ORDER BY 1;
