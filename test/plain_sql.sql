-- plain_sql.sql: an independent plain-SQL implementation of whanalytics.
--
-- It computes the same results as the C functions of SPEC sections 2-3 and 5, using
-- only stock PostgreSQL SQL, and shares no code with the C implementation.
-- It serves as (a) the oracle the pg_regress tests compare the C functions
-- against and (b) the "hand-written SQL" baseline of the benchmark.
--
-- The functions are created in the current schema; the tables webhook_events
-- and webhooks are found through search_path (they must exist when this file
-- is loaded).  Arguments are NOT validated: call them with valid input only.
-- Parameters are referenced as $1..$n because their names collide with
-- column names (in SQL a column name wins over a parameter name).

-- The whole analytics response (SPEC section 3) for the window [from_ts, to_ts).
CREATE OR REPLACE FUNCTION plain_analytics_json_between(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    webhook_id text DEFAULT NULL,
    top_n integer DEFAULT 5,
    last_n integer DEFAULT 10,
    include text[] DEFAULT '{}')
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $fn$
DECLARE
    response jsonb;
BEGIN
    -- One statement, run the way an API layer runs a parameterized query: its
    -- plan is made for these values (EXECUTE ... USING plans once, with them),
    -- so the index scans and the LIMIT of last_events are planned as they
    -- should be (a SQL function would get a generic plan).
    EXECUTE $sql$
WITH w AS MATERIALIZED (
    -- The single scan of the window rows W, narrowed to what the aggregates
    -- need (last_events reads its few full rows separately, below).
    SELECT e.event,
           e.url,
           e.retries,
           e.delay_ms,
           e.done,
           coalesce(e.response_status BETWEEN 200 AND 299, false) AS success,
           (e.response_status IS NOT NULL
              AND e.response_status NOT BETWEEN 200 AND 299)
           OR (e.response_status IS NULL
              AND e.error IS NOT NULL AND e.error::jsonb <> 'null'::jsonb) AS failed,
           date_trunc('hour', e.created_at AT TIME ZONE 'UTC') AS hour,
           -- NULL when first_sent_at is NULL (the CASE matters: greatest()
           -- ignores NULL arguments and would turn a missing send into 0 ms).
           CASE WHEN e.first_sent_at IS NOT NULL THEN
               greatest(0, round(extract(epoch FROM e.first_sent_at - e.created_at) * 1000))
           END AS latency_ms
    FROM webhook_events e
    WHERE e.organization_id = $1
      AND e.created_at >= $2
      AND e.created_at < $3
      AND ($4 IS NULL OR e.webhook_id = $4)
),
agg AS (
    SELECT count(*)                                AS total,
           count(*) FILTER (WHERE success)         AS success,
           count(*) FILTER (WHERE failed)          AS failed,
           count(*) FILTER (WHERE done = 0)        AS pending,
           count(*) FILTER (WHERE retries > 0)     AS retried,
           avg(delay_ms)                           AS avg_delay,
           count(latency_ms)                       AS lat_n,
           min(latency_ms)                         AS lat_min,
           max(latency_ms)                         AS lat_max,
           avg(latency_ms)                         AS lat_avg,
           percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]::float8[])
               WITHIN GROUP (ORDER BY latency_ms::float8) AS lat_p
    FROM w
)
SELECT jsonb_build_object(
    'status', 200,
    'data', jsonb_build_object(
        'day_metrics', jsonb_build_object(
            'total', a.total,
            'success', a.success,
            'failed', a.failed,
            'pending', a.pending,
            'retry_rate_pct', CASE WHEN a.total = 0 THEN 0
                                   ELSE round(100.0 * a.retried / a.total, 2) END,
            'avg_delay_ms', coalesce(round(a.avg_delay, 2), 0)),
        'top_events', (
            SELECT coalesce(jsonb_agg(jsonb_build_object('event', t.event, 'count', t.n)
                                      ORDER BY t.n DESC, t.event COLLATE "C"), '[]'::jsonb)
            FROM (SELECT event, count(*) AS n
                  FROM w
                  GROUP BY event
                  ORDER BY n DESC, event COLLATE "C"
                  LIMIT $5) t),
        'top_failed_urls', (
            SELECT coalesce(jsonb_agg(jsonb_build_object('url', t.url, 'count', t.n)
                                      ORDER BY t.n DESC, t.url COLLATE "C"), '[]'::jsonb)
            FROM (SELECT url, count(*) AS n
                  FROM w
                  WHERE failed
                  GROUP BY url
                  ORDER BY n DESC, url COLLATE "C"
                  LIMIT $5) t),
        'hourly_metrics', (
            SELECT coalesce(jsonb_agg(jsonb_build_object(
                                'hour', to_char(h.hour, 'YYYY-MM-DD HH24:00:00'),
                                'count', h.n) ORDER BY h.hour), '[]'::jsonb)
            FROM (SELECT hour, count(*) AS n FROM w GROUP BY hour) h),
        'total', (
            SELECT jsonb_build_object('webhooks', count(*),
                                      'events_subscribed', coalesce(sum(cardinality(k.events)), 0))
            FROM webhooks k
            WHERE k.organization_id = $1
              AND ($4 IS NULL OR k.id = $4)),
        'last_events', (
            -- Newest last_n rows of W, read backwards through the
            -- (organization_id, created_at, id) index, stopping early.
            SELECT coalesce(jsonb_agg(jsonb_build_object(
                       'id', l.id::text,
                       'webhook_id', l.webhook_id,
                       'organization_id', l.organization_id,
                       'url', l.url,
                       'event', l.event,
                       'resource_id', l.resource_id,
                       'payload', l.payload,
                       'response_status', l.response_status,
                       'response_body', l.response_body,
                       'error', l.error,
                       'retries', l.retries,
                       'created_at', to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                       'updated_at', to_char(l.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                       'first_sent_at', to_char(l.first_sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                       'delay_ms', l.delay_ms,
                       'done', l.done)
                   ORDER BY l.created_at DESC, l.id DESC), '[]'::jsonb)
            FROM (SELECT e.*
                  FROM webhook_events e
                  WHERE e.organization_id = $1
                    AND e.created_at >= $2
                    AND e.created_at < $3
                    AND ($4 IS NULL OR e.webhook_id = $4)
                  ORDER BY e.created_at DESC, e.id DESC
                  LIMIT $6) l),
        'latency', CASE WHEN a.lat_n = 0 THEN
                       jsonb_build_object('min', 0, 'max', 0, 'avg', 0,
                                          'p50', 0, 'p90', 0, 'p95', 0, 'p99', 0)
                   ELSE
                       jsonb_build_object('min', round(a.lat_min, 2),
                                          'max', round(a.lat_max, 2),
                                          'avg', round(a.lat_avg, 2),
                                          'p50', round(a.lat_p[1]::numeric, 2),
                                          'p90', round(a.lat_p[2]::numeric, 2),
                                          'p95', round(a.lat_p[3]::numeric, 2),
                                          'p99', round(a.lat_p[4]::numeric, 2))
                   END),
    'error', NULL,
    'log', NULL,
    'validator', NULL,
    'support_id', NULL,
    'message', 'Webhook analytics retrieved successfully',
    'env', coalesce(nullif(current_setting('whanalytics.env', true), ''), 'production'))
FROM agg a
$sql$
    INTO response
    USING organization_id, from_ts, to_ts, webhook_id, top_n, last_n;
    IF cardinality(include) > 0 THEN
        response := jsonb_set(response, '{data}', (response -> 'data') ||
                              plain_response_parts(organization_id, from_ts, to_ts, webhook_id,
                                                   top_n, include, response -> 'data'));
    END IF;
    RETURN response;
END
$fn$;

-- The parts SPEC 5.1's include adds under data, for the window [from_ts,
-- to_ts) whose own data is current (for the changes of previous).
CREATE OR REPLACE FUNCTION plain_response_parts(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    webhook_id text,
    top_n integer,
    include text[],
    current jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
AS $fn$
DECLARE
    parts jsonb := '{}';
    prev_from timestamptz := from_ts - (to_ts - from_ts);
    prev jsonb;
    d jsonb;
    pd jsonb;
BEGIN
    IF 'previous' = ANY (include) THEN
        prev := plain_analytics_json_between(organization_id, prev_from, from_ts, webhook_id, top_n, 0) -> 'data';
        d := current -> 'day_metrics';
        pd := prev -> 'day_metrics';
        parts := parts || jsonb_build_object(
            'previous', jsonb_build_object(
                'from', to_char(prev_from AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                'to', to_char(from_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                'day_metrics', pd,
                'latency', prev -> 'latency'),
            'change', jsonb_build_object(
                'day_metrics', (SELECT jsonb_object_agg(k,
                                    CASE WHEN k IN ('total', 'success', 'failed', 'pending')
                                         THEN to_jsonb((d ->> k)::bigint - (pd ->> k)::bigint)
                                         ELSE to_jsonb(round((d ->> k)::numeric - (pd ->> k)::numeric, 2)) END)
                                FROM jsonb_object_keys(d) k),
                'latency', (SELECT jsonb_object_agg(k,
                                CASE WHEN k IN ('min', 'max')
                                     THEN to_jsonb(((current -> 'latency' ->> k)::numeric
                                                    - (prev -> 'latency' ->> k)::numeric)::bigint)
                                     ELSE to_jsonb(round((current -> 'latency' ->> k)::numeric
                                                         - (prev -> 'latency' ->> k)::numeric, 2)) END)
                            FROM jsonb_object_keys(current -> 'latency') k),
                'total_pct', CASE WHEN (pd ->> 'total')::bigint = 0 THEN NULL
                                  ELSE round(100.0 * ((d ->> 'total')::bigint - (pd ->> 'total')::bigint)
                                             / (pd ->> 'total')::bigint, 2) END));
    END IF;
    EXECUTE $sql$
WITH w AS MATERIALIZED (
    SELECT e.webhook_id,
           e.response_status,
           e.retries,
           e.delay_ms,
           e.done,
           coalesce(e.response_status BETWEEN 200 AND 299, false) AS success,
           (e.response_status IS NOT NULL
              AND e.response_status NOT BETWEEN 200 AND 299)
           OR (e.response_status IS NULL
              AND e.error IS NOT NULL AND e.error::jsonb <> 'null'::jsonb) AS failed,
           CASE WHEN e.first_sent_at IS NOT NULL THEN
               greatest(0, round(extract(epoch FROM e.first_sent_at - e.created_at) * 1000))
           END AS latency_ms
    FROM webhook_events e
    WHERE e.organization_id = $1
      AND e.created_at >= $2
      AND e.created_at < $3
      AND ($4 IS NULL OR e.webhook_id = $4)
)
SELECT jsonb_build_object(
    'status_codes', (SELECT coalesce(jsonb_agg(jsonb_build_object('status', s.status, 'count', s.n)
                                               ORDER BY s.n DESC, s.status NULLS LAST), '[]')
                     FROM (SELECT response_status AS status, count(*) AS n FROM w GROUP BY 1) s),
    'status_classes', (SELECT jsonb_build_object(
                           '1xx', count(*) FILTER (WHERE response_status BETWEEN 100 AND 199),
                           '2xx', count(*) FILTER (WHERE response_status BETWEEN 200 AND 299),
                           '3xx', count(*) FILTER (WHERE response_status BETWEEN 300 AND 399),
                           '4xx', count(*) FILTER (WHERE response_status BETWEEN 400 AND 499),
                           '5xx', count(*) FILTER (WHERE response_status BETWEEN 500 AND 599),
                           'other', count(*) FILTER (WHERE response_status NOT BETWEEN 100 AND 599),
                           'none', count(*) FILTER (WHERE response_status IS NULL)) FROM w),
    'latency_breakdown', (SELECT jsonb_build_object(
                              'lt_100ms', count(*) FILTER (WHERE latency_ms < 100),
                              'lt_500ms', count(*) FILTER (WHERE latency_ms >= 100 AND latency_ms < 500),
                              'lt_1s', count(*) FILTER (WHERE latency_ms >= 500 AND latency_ms < 1000),
                              'gte_1s', count(*) FILTER (WHERE latency_ms >= 1000)) FROM w),
    'retries', (SELECT jsonb_build_object(
                    'retried', r.retried,
                    'recovered', r.recovered,
                    'recovery_rate_pct', CASE WHEN r.retried = 0 THEN 0
                                              ELSE round(100.0 * r.recovered / r.retried, 2) END,
                    'gave_up', r.gave_up,
                    'avg_retries', coalesce(round(r.avg_retries, 2), 0),
                    'max_retries', coalesce(r.max_retries, 0))
                FROM (SELECT count(*) FILTER (WHERE retries > 0) AS retried,
                             count(*) FILTER (WHERE retries > 0 AND success) AS recovered,
                             count(*) FILTER (WHERE failed AND done <> 0) AS gave_up,
                             avg(retries) AS avg_retries,
                             max(retries) AS max_retries
                      FROM w) r),
    'webhooks', (SELECT coalesce(jsonb_agg(x.j ORDER BY x.failed DESC, x.total DESC,
                                                        x.webhook_id COLLATE "C" NULLS LAST), '[]')
                 FROM (SELECT webhook_id, count(*) AS total, count(*) FILTER (WHERE failed) AS failed,
                              jsonb_build_object(
                                  'webhook_id', webhook_id,
                                  'total', count(*),
                                  'success', count(*) FILTER (WHERE success),
                                  'failed', count(*) FILTER (WHERE failed),
                                  'pending', count(*) FILTER (WHERE done = 0),
                                  'failure_rate_pct', round(100.0 * count(*) FILTER (WHERE failed) / count(*), 2),
                                  'avg_delay_ms', coalesce(round(avg(delay_ms), 2), 0),
                                  'latency_p95', coalesce(round((percentile_cont(0.95)
                                      WITHIN GROUP (ORDER BY latency_ms::float8))::numeric, 2), 0)) AS j
                       FROM w
                       GROUP BY webhook_id
                       ORDER BY failed DESC, total DESC, webhook_id COLLATE "C" NULLS LAST
                       LIMIT $5) x))
$sql$
    INTO d
    USING organization_id, from_ts, to_ts, webhook_id, top_n;
    IF 'status_codes' = ANY (include) THEN
        parts := parts || jsonb_build_object('status_codes', d -> 'status_codes',
                                             'status_classes', d -> 'status_classes');
    END IF;
    IF 'latency_breakdown' = ANY (include) THEN
        parts := parts || jsonb_build_object('latency_breakdown', d -> 'latency_breakdown');
    END IF;
    IF 'retries' = ANY (include) THEN
        parts := parts || jsonb_build_object('retries', d -> 'retries');
    END IF;
    IF 'webhooks' = ANY (include) THEN
        parts := parts || jsonb_build_object('webhooks', d -> 'webhooks');
    END IF;
    RETURN parts;
END
$fn$;

-- The whole analytics response for a rolling period (SPEC "Periods") ending at as_of.
CREATE OR REPLACE FUNCTION plain_analytics_json(
    organization_id text,
    period text DEFAULT 'last_day',
    as_of timestamptz DEFAULT now(),
    webhook_id text DEFAULT NULL,
    top_n integer DEFAULT 5,
    last_n integer DEFAULT 10,
    include text[] DEFAULT '{}')
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
SELECT plain_analytics_json_between(
           $1,
           $3 - interval '1 hour' * 24 * p.n * (p.k + 1),
           $3 - interval '1 hour' * 24 * p.n * p.k,
           $4, $5, $6, $7)
FROM (SELECT CASE regexp_replace($2, '^prev_', '')
                 WHEN 'last_day'      THEN 1
                 WHEN 'last_7_days'   THEN 7
                 WHEN 'last_30_days'  THEN 30
                 WHEN 'last_90_days'  THEN 90
                 WHEN 'last_365_days' THEN 365
             END AS n,                                  -- days in the period
             CASE WHEN $2 LIKE 'prev\_%' THEN 1 ELSE 0 END AS k  -- periods back
     ) p
$fn$;

-- Dense per-UTC-day metrics for the window [from_ts, to_ts), oldest first.
CREATE OR REPLACE FUNCTION plain_day_metrics(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    webhook_id text DEFAULT NULL)
RETURNS TABLE (day date, total bigint, success bigint, failed bigint,
               pending bigint, retry_rate_pct numeric, avg_delay_ms numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
WITH bounds AS (
    SELECT ($2 AT TIME ZONE 'UTC')::date AS d0,
           (($3 - interval '1 microsecond') AT TIME ZONE 'UTC')::date AS d1
),
per_day AS (
    SELECT (e.created_at AT TIME ZONE 'UTC')::date AS day,
           count(*) AS total,
           count(*) FILTER (WHERE e.response_status BETWEEN 200 AND 299) AS success,
           count(*) FILTER (WHERE (e.response_status IS NOT NULL
                                     AND e.response_status NOT BETWEEN 200 AND 299)
                                  OR (e.response_status IS NULL
                                     AND e.error IS NOT NULL AND e.error::jsonb <> 'null'::jsonb)) AS failed,
           count(*) FILTER (WHERE e.done = 0) AS pending,
           count(*) FILTER (WHERE e.retries > 0) AS retried,
           avg(e.delay_ms) AS avg_delay
    FROM webhook_events e
    WHERE e.organization_id = $1
      AND e.created_at >= $2
      AND e.created_at < $3
      AND ($4 IS NULL OR e.webhook_id = $4)
    GROUP BY 1
)
SELECT s.day,
       coalesce(d.total, 0),
       coalesce(d.success, 0),
       coalesce(d.failed, 0),
       coalesce(d.pending, 0),
       CASE WHEN coalesce(d.total, 0) = 0 THEN 0
            ELSE round(100.0 * d.retried / d.total, 2) END,
       coalesce(round(d.avg_delay, 2), 0)
FROM bounds b
CROSS JOIN LATERAL (SELECT b.d0 + g AS day
                    FROM generate_series(0, b.d1 - b.d0) AS g) s
LEFT JOIN per_day d ON d.day = s.day
ORDER BY s.day
$fn$;

-- Dense per-UTC-hour metrics for the window [from_ts, to_ts), oldest first.
CREATE OR REPLACE FUNCTION plain_hourly_metrics(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    webhook_id text DEFAULT NULL)
RETURNS TABLE ("hour" timestamptz, total bigint, success bigint, failed bigint,
               pending bigint, avg_delay_ms numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
WITH per_hour AS (
    SELECT date_trunc('hour', e.created_at AT TIME ZONE 'UTC') AS h,
           count(*) AS total,
           count(*) FILTER (WHERE e.response_status BETWEEN 200 AND 299) AS success,
           count(*) FILTER (WHERE (e.response_status IS NOT NULL
                                     AND e.response_status NOT BETWEEN 200 AND 299)
                                  OR (e.response_status IS NULL
                                     AND e.error IS NOT NULL AND e.error::jsonb <> 'null'::jsonb)) AS failed,
           count(*) FILTER (WHERE e.done = 0) AS pending,
           avg(e.delay_ms) AS avg_delay
    FROM webhook_events e
    WHERE e.organization_id = $1
      AND e.created_at >= $2
      AND e.created_at < $3
      AND ($4 IS NULL OR e.webhook_id = $4)
    GROUP BY 1
)
SELECT s.h AT TIME ZONE 'UTC',
       coalesce(d.total, 0),
       coalesce(d.success, 0),
       coalesce(d.failed, 0),
       coalesce(d.pending, 0),
       coalesce(round(d.avg_delay, 2), 0)
FROM generate_series(date_trunc('hour', $2 AT TIME ZONE 'UTC'),
                     date_trunc('hour', ($3 - interval '1 microsecond') AT TIME ZONE 'UTC'),
                     interval '1 hour') AS s(h)
LEFT JOIN per_hour d ON d.h = s.h
ORDER BY s.h
$fn$;

-- webhook_metrics_series (SPEC 5.2) for the window [from_ts, to_ts): rows
-- in buckets of date_bin(width, created_at, 2000-01-01 UTC), dense over the
-- window without group_by, by bucket and key (byte order, NULL last) with it
-- (width is the function's bucket: plpgsql cannot name an argument like a
-- result column).
CREATE OR REPLACE FUNCTION plain_metrics_series(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    width interval DEFAULT '1 hour',
    group_by text DEFAULT NULL,
    webhook_id text DEFAULT NULL)
RETURNS TABLE (bucket timestamptz, key text, total bigint, success bigint, failed bigint,
               pending bigint, retried bigint, avg_delay_ms numeric,
               latency_p50 numeric, latency_p95 numeric, latency_p99 numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET TimeZone = 'UTC'
AS $fn$
BEGIN
    RETURN QUERY EXECUTE $sql$
WITH w AS (
    SELECT date_bin($4, e.created_at, timestamptz '2000-01-01 00:00:00+00') AS b,
           CASE $5 WHEN 'webhook' THEN e.webhook_id
                   WHEN 'event' THEN e.event
                   WHEN 'url' THEN e.url
                   WHEN 'status' THEN e.response_status::text
                   WHEN 'status_class' THEN
                       CASE WHEN e.response_status IS NULL THEN 'none'
                            WHEN e.response_status BETWEEN 100 AND 599 THEN (e.response_status / 100)::text || 'xx'
                            ELSE 'other' END
           END AS k,
           e.retries,
           e.delay_ms,
           e.done,
           coalesce(e.response_status BETWEEN 200 AND 299, false) AS success,
           (e.response_status IS NOT NULL
              AND e.response_status NOT BETWEEN 200 AND 299)
           OR (e.response_status IS NULL
              AND e.error IS NOT NULL AND e.error::jsonb <> 'null'::jsonb) AS failed,
           CASE WHEN e.first_sent_at IS NOT NULL THEN
               greatest(0, round(extract(epoch FROM e.first_sent_at - e.created_at) * 1000))
           END AS latency_ms
    FROM webhook_events e
    WHERE e.organization_id = $1
      AND e.created_at >= $2
      AND e.created_at < $3
      AND ($6 IS NULL OR e.webhook_id = $6)
),
g AS (
    SELECT b, k,
           count(*) AS total,
           count(*) FILTER (WHERE success) AS success,
           count(*) FILTER (WHERE failed) AS failed,
           count(*) FILTER (WHERE done = 0) AS pending,
           count(*) FILTER (WHERE retries > 0) AS retried,
           round(avg(delay_ms), 2) AS avg_delay_ms,
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms::float8))::numeric, 2) AS p50,
           round((percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms::float8))::numeric, 2) AS p95,
           round((percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms::float8))::numeric, 2) AS p99
    FROM w
    GROUP BY b, k
)
SELECT * FROM (
    SELECT s.b, NULL::text AS k, coalesce(g.total, 0), coalesce(g.success, 0), coalesce(g.failed, 0),
           coalesce(g.pending, 0), coalesce(g.retried, 0), g.avg_delay_ms, g.p50, g.p95, g.p99
    FROM generate_series(date_bin($4, $2, timestamptz '2000-01-01 00:00:00+00'),
                         date_bin($4, $3 - interval '1 microsecond', timestamptz '2000-01-01 00:00:00+00'),
                         $4) s(b)
    LEFT JOIN g ON g.b = s.b
    WHERE $5 IS NULL
    UNION ALL
    SELECT g.b, g.k, g.total, g.success, g.failed, g.pending, g.retried, g.avg_delay_ms, g.p50, g.p95, g.p99
    FROM g
    WHERE $5 IS NOT NULL) u
ORDER BY b, k COLLATE "C" NULLS LAST
$sql$
    USING organization_id, from_ts, to_ts, width, group_by, webhook_id;
END
$fn$;
