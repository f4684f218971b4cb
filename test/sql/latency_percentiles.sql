-- latency_percentiles: the aggregate equals min, max, avg and percentile_cont
-- exactly on many inputs (NULLs, duplicates, negatives, extremes, NaN and
-- infinities), per group, and in a forced parallel plan.
\i test/setup.sql

-- Checks the aggregate against the built-ins over the values of a query.
CREATE FUNCTION latency_matches(query text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    ok boolean;
BEGIN
    EXECUTE format($q$
        WITH s(v) AS (%s)
        SELECT (SELECT webhook_latency_percentiles(v) FROM s) IS NOT DISTINCT FROM
               (SELECT ROW(min(v), max(v), avg(v), p[1], p[2], p[3], p[4])::webhook_latency
                FROM s, (SELECT percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY v) AS p
                         FROM s) pc
                GROUP BY pc.p)$q$, query) INTO ok;
    RETURN ok;
END $$;

-- Small cases shown in full.
SELECT webhook_latency_percentiles(v) FROM (VALUES (1.0::float8), (2), (3), (4), (100)) s(v);
SELECT percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY v)
FROM (VALUES (1.0::float8), (2), (3), (4), (100)) s(v);
SELECT (webhook_latency_percentiles(v)).* FROM (VALUES (42.5::float8)) s(v);

-- No rows, and only NULLs: every field NULL.
SELECT (webhook_latency_percentiles(v)).* FROM (SELECT 1.0::float8 WHERE false) s(v);
SELECT (webhook_latency_percentiles(v)).* FROM (VALUES (NULL::float8), (NULL)) s(v);

-- Against the built-ins on many shapes of input.
SELECT q, latency_matches(q) AS matches
FROM unnest(ARRAY[
    'VALUES (1.0::float8), (NULL), (3), (NULL)',
    'SELECT 7.0::float8 FROM generate_series(1, 1000)',
    'SELECT (i % 17)::float8 FROM generate_series(1, 100000) i',
    'SELECT (i * 7919 % 100003)::float8 - 50000 FROM generate_series(1, 100001) i',
    'SELECT (1.0 / i)::float8 FROM generate_series(1, 5000) i',
    'SELECT x FROM unnest(ARRAY[-1e150, 1e150, 0, -0.0, 5e-324, -5e-324]::float8[]) x',
    'SELECT x FROM unnest(ARRAY[''-infinity'', 1, 2, ''infinity'']::float8[]) x',
    'SELECT x FROM unnest(ARRAY[''NaN'', 1, 2, 3]::float8[]) x',
    'SELECT x FROM unnest(ARRAY[''NaN'', ''NaN'']::float8[]) x',
    'SELECT (i % 2)::float8 FROM generate_series(1, 3) i'
]) q;

-- Per group, over the dispatch latency of deliveries, against percentile_cont.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at, first_sent_at)
SELECT 'webhook_lat', 'org_lat_' || (i % 3), 'u', 'x', '2025-02-01 00:00+00',
       '2025-02-01 00:00+00'::timestamptz + (i * i % 9973) * interval '0.7 ms'
FROM generate_series(1, 3000) i;
WITH d AS (
    SELECT organization_id,
           greatest(0, round(extract(epoch FROM first_sent_at - created_at) * 1000))::float8 AS ms
    FROM webhook_events WHERE organization_id LIKE 'org\_lat\_%'
), pc AS (
    SELECT organization_id,
           percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY ms) AS p
    FROM d GROUP BY organization_id
)
SELECT d.organization_id, count(*) AS n,
       webhook_latency_percentiles(d.ms)
         = ROW(min(d.ms), max(d.ms), avg(d.ms), pc.p[1], pc.p[2], pc.p[3], pc.p[4])::webhook_latency AS matches
FROM d JOIN pc USING (organization_id)
GROUP BY d.organization_id, pc.p
ORDER BY 1;

-- A forced parallel plan: partial aggregates in the workers, combined in the
-- leader through serialize/deserialize, with the same answer as a serial plan.
CREATE TABLE latency_values AS
SELECT (i * 7919 % 100003)::float8 AS v FROM generate_series(1, 200000) i;
ANALYZE latency_values;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT webhook_latency_percentiles(v) FROM latency_values;
CREATE TEMP TABLE parallel_result AS SELECT webhook_latency_percentiles(v) AS r FROM latency_values;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT webhook_latency_percentiles(v) FROM latency_values;
SELECT (SELECT r FROM parallel_result) = webhook_latency_percentiles(v) AS parallel_equals_serial,
       (SELECT r FROM parallel_result) = (SELECT ROW(min(v), max(v), avg(v), p[1], p[2], p[3], p[4])::webhook_latency
                                          FROM latency_values,
                                               (SELECT percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY v) p
                                                FROM latency_values) pc
                                          GROUP BY p) AS parallel_equals_builtins
FROM latency_values;
RESET ALL;

-- As a window aggregate the state is reused across rows and stays correct.
SELECT i, (webhook_latency_percentiles(i::float8) OVER (ORDER BY i)).p50 AS running_p50
FROM generate_series(1, 5) i;
DROP TABLE latency_values;
DROP FUNCTION latency_matches(text);
\i test/teardown.sql
