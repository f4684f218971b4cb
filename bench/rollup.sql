-- rollup.sql: the best hand-written precomputed alternative to the extension,
-- in plain SQL and PL/pgSQL, for bench.sh.
--
-- What a good engineer would build without whanalytics: a third copy of the
-- deliveries, bench_rollup_events (LIKE webhook_events INCLUDING ALL), and an
-- hourly rollup bench_rollup_hourly per (organization_id, UTC hour,
-- webhook_id) kept exact by AFTER ... FOR EACH STATEMENT triggers with
-- transition tables: each statement's rows are aggregated once (inserted
-- rows +1, deleted rows -1, an UPDATE's old rows -1 and new rows +1) and
-- upserted (INSERT ... ON CONFLICT DO UPDATE adding counters and merging the
-- maps); TRUNCATE empties the rollup. A row that reaches total = 0 is
-- deleted.
--
-- Per rollup row: counters (total, success, failed, pending, retried,
-- delay_count, delay_sum) and three exact maps, each as two parallel arrays
-- of keys and counts: events (ev_keys text[], ev_n integer[]), failed urls
-- (fu_keys, fu_n) and dispatch latencies in whole milliseconds (lat_ms
-- bigint[], lat_n). Measured on the benchmark's data, unnest() of arrays in
-- the select list reads several times faster than jsonb_each() of a
-- {key: count} jsonb object (one function scan per rollup row, a jsonb value
-- and a cast per key), and is as exact.
--
-- bench_rollup_json_between(org, from, to, webhook_id, top_n, last_n)
-- returns the same jsonb as plain_analytics_json_between (test/plain_sql.sql,
-- SPEC section 3): whole hours from the rollup, the rows of the partial hours
-- at the two edges from bench_rollup_events, last_events from its rows
-- (newest first through the (organization_id, created_at, id) index), and
-- the latency percentiles computed from the window's histogram exactly as
-- percentile_cont does. bench.sh checks it equal to plain SQL on every
-- scenario before timing it.
--
-- Loaded by bench.sh after CREATE EXTENSION and before the data is generated.

CREATE TABLE bench_rollup_events (LIKE webhook_events INCLUDING ALL);

CREATE TABLE bench_rollup_hourly (
    organization_id text        NOT NULL,
    hour            timestamptz NOT NULL,   -- start of the UTC hour
    webhook_id      text        NOT NULL,
    total           bigint      NOT NULL,
    success         bigint      NOT NULL,
    failed          bigint      NOT NULL,
    pending         bigint      NOT NULL,
    retried         bigint      NOT NULL,
    delay_count     bigint      NOT NULL,   -- rows with delay_ms not NULL
    delay_sum       bigint      NOT NULL,   -- their sum of delay_ms
    ev_keys         text[]      NOT NULL,   -- events ...
    ev_n            integer[]   NOT NULL,   -- ... and their counts
    fu_keys         text[]      NOT NULL,   -- urls of the failed rows ...
    fu_n            integer[]   NOT NULL,   -- ... and their counts
    lat_ms          bigint[]    NOT NULL,   -- distinct dispatch latencies (ms) ...
    lat_n           integer[]   NOT NULL,   -- ... and their counts
    PRIMARY KEY (organization_id, hour, webhook_id)
) WITH (fillfactor = 70);   -- room on each page for HOT updates of the upserts

-- bench_counts_add returns the map (a_k, a_n) (keys, counts) with the counts
-- of (b_k, b_n) added, keys whose count reaches 0 removed (the two arrays
-- aligned, keys in no particular order); empty when p_empty (the rollup row's
-- total reaches 0: every count of its maps does too). A loop over b, the
-- delta of one statement for one rollup row: usually a few keys.
CREATE OR REPLACE FUNCTION bench_counts_add(a_k anyarray, a_n integer[], b_k anyarray, b_n integer[],
                                            p_empty boolean, OUT k anyarray, OUT n integer[])
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    i integer;
    zero boolean := false;
BEGIN
    IF p_empty THEN
        k := a_k[1:0];
        n := '{}';
        RETURN;
    END IF;
    k := a_k;
    n := a_n;
    IF cardinality(b_k) = 0 THEN
        RETURN;
    END IF;
    IF cardinality(a_k) = 0 THEN
        k := b_k;
        n := b_n;
        RETURN;
    END IF;
    FOR j IN 1 .. cardinality(b_k) LOOP
        i := array_position(k, b_k[j]);
        IF i IS NULL THEN
            k := k || b_k[j];
            n := n || b_n[j];
        ELSE
            n[i] := n[i] + b_n[j];
            zero := zero OR n[i] = 0;
        END IF;
    END LOOP;
    IF zero THEN
        SELECT coalesce(array_agg(u.key), a_k[1:0]), coalesce(array_agg(u.cnt), '{}')
        INTO k, n
        FROM unnest(k, n) AS u(key, cnt)
        WHERE u.cnt <> 0;
    END IF;
END $$;

-- The three row-level trigger functions share one body, generated here: it
-- aggregates the signed rows of the statement (%s below: inserted rows +1,
-- deleted rows -1, both for an UPDATE) by (organization, hour, webhook),
-- upserts the deltas in key order (so concurrent statements lock rollup rows
-- in the same order) and deletes the rows left empty. work_mem is raised for
-- the trigger alone so a bulk statement's hash aggregation does not spill.
DO $gen$
DECLARE
    body constant text := $body$
DECLARE
    z_org  text[];
    z_hour timestamptz[];
    z_wh   text[];
BEGIN
    WITH d AS (
        -- (the keys in the C collation: grouping and sorting on them compare bytes)
        SELECT r.organization_id COLLATE "C" AS org,
               date_bin('1 hour', r.created_at, timestamptz '2000-01-01 00:00:00+00') AS hour,
               r.webhook_id COLLATE "C" AS wh, r.event COLLATE "C" AS event, r.s, r.retries, r.done, r.delay_ms,
               coalesce(r.response_status BETWEEN 200 AND 299, false) AS success,
               f.failed,
               CASE WHEN f.failed THEN r.url COLLATE "C" END AS furl,   -- the url of a failed row
               CASE WHEN r.first_sent_at IS NOT NULL THEN
                   greatest(0, round(extract(epoch FROM r.first_sent_at - r.created_at) * 1000))::bigint
               END AS ms
        FROM (%s) r
        CROSS JOIN LATERAL (
            SELECT (r.response_status IS NOT NULL AND r.response_status NOT BETWEEN 200 AND 299)
                   OR (r.response_status IS NULL AND r.error IS NOT NULL
                       AND r.error <> 'null'::jsonb) AS failed) f
    ),
    g AS (
        -- one pass over the rows: counts per event (with the counters),
        -- per failed url and per latency value, of each rollup row
        SELECT org, hour, wh, event, furl, ms, GROUPING(event, furl, ms) AS gs,
               sum(s)::integer AS n,
               (sum(s) FILTER (WHERE success))::integer AS success,
               (sum(s) FILTER (WHERE failed))::integer AS failed_n,
               (sum(s) FILTER (WHERE done = 0))::integer AS pending,
               (sum(s) FILTER (WHERE retries > 0))::integer AS retried,
               (sum(s) FILTER (WHERE delay_ms IS NOT NULL))::integer AS delay_count,
               sum(s::bigint * delay_ms)::bigint AS delay_sum
        FROM d
        GROUP BY GROUPING SETS ((org, hour, wh, event), (org, hour, wh, furl),
                                (org, hour, wh, ms))
    ),
    b AS (
        -- gs: 3 = per event (furl, ms not grouped), 5 = per failed url, 6 = per latency
        SELECT org, hour, wh,
               coalesce(sum(n) FILTER (WHERE gs = 3), 0) AS total,
               coalesce(sum(success) FILTER (WHERE gs = 3), 0) AS success,
               coalesce(sum(failed_n) FILTER (WHERE gs = 3), 0) AS failed,
               coalesce(sum(pending) FILTER (WHERE gs = 3), 0) AS pending,
               coalesce(sum(retried) FILTER (WHERE gs = 3), 0) AS retried,
               coalesce(sum(delay_count) FILTER (WHERE gs = 3), 0) AS delay_count,
               coalesce(sum(delay_sum) FILTER (WHERE gs = 3), 0)::bigint AS delay_sum,
               -- each pair of arrays is filled from the same rows in the same order
               array_agg(event) FILTER (WHERE gs = 3 AND n <> 0) AS evk,
               array_agg(n) FILTER (WHERE gs = 3 AND n <> 0) AS evn,
               array_agg(furl) FILTER (WHERE gs = 5 AND furl IS NOT NULL AND n <> 0) AS fuk,
               array_agg(n) FILTER (WHERE gs = 5 AND furl IS NOT NULL AND n <> 0) AS fun,
               array_agg(ms) FILTER (WHERE gs = 6 AND ms IS NOT NULL AND n <> 0) AS lms,
               array_agg(n) FILTER (WHERE gs = 6 AND ms IS NOT NULL AND n <> 0) AS ln
        FROM g
        GROUP BY org, hour, wh
    ),
    up AS (
        INSERT INTO bench_rollup_hourly AS h
            (organization_id, hour, webhook_id, total, success, failed, pending, retried,
             delay_count, delay_sum, ev_keys, ev_n, fu_keys, fu_n, lat_ms, lat_n)
        SELECT b.org, b.hour, b.wh, b.total, b.success, b.failed, b.pending, b.retried,
               b.delay_count, b.delay_sum, coalesce(b.evk, '{}'), coalesce(b.evn, '{}'),
               coalesce(b.fuk, '{}'), coalesce(b.fun, '{}'), coalesce(b.lms, '{}'), coalesce(b.ln, '{}')
        FROM b
        WHERE b.total <> 0 OR b.success <> 0 OR b.failed <> 0 OR b.pending <> 0 OR b.retried <> 0
           OR b.delay_count <> 0 OR b.delay_sum <> 0
           OR b.evk IS NOT NULL OR b.fuk IS NOT NULL OR b.lms IS NOT NULL
        ORDER BY b.org, b.hour, b.wh
        ON CONFLICT (organization_id, hour, webhook_id) DO UPDATE SET
            total       = h.total + excluded.total,
            success     = h.success + excluded.success,
            failed      = h.failed + excluded.failed,
            pending     = h.pending + excluded.pending,
            retried     = h.retried + excluded.retried,
            delay_count = h.delay_count + excluded.delay_count,
            delay_sum   = h.delay_sum + excluded.delay_sum,
            (ev_keys, ev_n) = (SELECT x.k, x.n
                               FROM bench_counts_add(h.ev_keys, h.ev_n, excluded.ev_keys, excluded.ev_n,
                                                    h.total + excluded.total = 0) x),
            (fu_keys, fu_n) = (SELECT x.k, x.n
                               FROM bench_counts_add(h.fu_keys, h.fu_n, excluded.fu_keys, excluded.fu_n,
                                                    h.total + excluded.total = 0) x),
            (lat_ms, lat_n) = (SELECT x.k, x.n
                               FROM bench_counts_add(h.lat_ms, h.lat_n, excluded.lat_ms, excluded.lat_n,
                                                    h.total + excluded.total = 0) x)
        RETURNING h.organization_id, h.hour, h.webhook_id, h.total
    )
    SELECT array_agg(up.organization_id), array_agg(up.hour), array_agg(up.webhook_id)
    INTO z_org, z_hour, z_wh
    FROM up WHERE up.total = 0;
    IF z_org IS NOT NULL THEN
        DELETE FROM bench_rollup_hourly h
        USING unnest(z_org, z_hour, z_wh) AS z(org, hour, wh)
        WHERE h.organization_id = z.org AND h.hour = z.hour AND h.webhook_id = z.wh
          AND h.total = 0;
    END IF;
    RETURN NULL;
END
$body$;
    cols constant text := 'organization_id, webhook_id, created_at, event, url, response_status, '
                          'error, retries, done, delay_ms, first_sent_at';
BEGIN
    EXECUTE format('CREATE OR REPLACE FUNCTION bench_rollup_on_insert() RETURNS trigger '
                   'LANGUAGE plpgsql SET work_mem = ''64MB'' AS %L',
                   format(body, format('SELECT %s, 1 AS s FROM new_rows', cols)));
    EXECUTE format('CREATE OR REPLACE FUNCTION bench_rollup_on_delete() RETURNS trigger '
                   'LANGUAGE plpgsql SET work_mem = ''64MB'' AS %L',
                   format(body, format('SELECT %s, -1 AS s FROM old_rows', cols)));
    EXECUTE format('CREATE OR REPLACE FUNCTION bench_rollup_on_update() RETURNS trigger '
                   'LANGUAGE plpgsql SET work_mem = ''64MB'' AS %L',
                   format(body, format('SELECT %s, -1 AS s FROM old_rows UNION ALL '
                                       'SELECT %s, 1 AS s FROM new_rows', cols, cols)));
END
$gen$;

-- TRUNCATE of the deliveries empties the rollup.
CREATE OR REPLACE FUNCTION bench_rollup_on_truncate()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE bench_rollup_hourly;
    RETURN NULL;
END $$;

CREATE TRIGGER bench_rollup_insert AFTER INSERT ON bench_rollup_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bench_rollup_on_insert();
CREATE TRIGGER bench_rollup_update AFTER UPDATE ON bench_rollup_events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bench_rollup_on_update();
CREATE TRIGGER bench_rollup_delete AFTER DELETE ON bench_rollup_events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bench_rollup_on_delete();
CREATE TRIGGER bench_rollup_truncate AFTER TRUNCATE ON bench_rollup_events
    FOR EACH STATEMENT EXECUTE FUNCTION bench_rollup_on_truncate();

-- The whole analytics response (SPEC section 3) for [from_ts, to_ts), from
-- the rollup and the edge rows; the same jsonb as plain_analytics_json_between.
CREATE OR REPLACE FUNCTION bench_rollup_json_between(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    webhook_id text DEFAULT NULL,
    top_n integer DEFAULT 5,
    last_n integer DEFAULT 10)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $fn$
#variable_conflict use_column
DECLARE
    response jsonb;
    v_hs timestamptz;   -- first whole hour (the window's start rounded up)
    v_he timestamptz;   -- end of the whole hours (the window's end rounded down)
    v_last jsonb;       -- last_events
BEGIN
    v_hs := date_bin('1 hour', from_ts, timestamptz '2000-01-01 00:00:00+00');
    IF v_hs < from_ts THEN
        v_hs := v_hs + interval '1 hour';
    END IF;
    v_he := date_bin('1 hour', to_ts, timestamptz '2000-01-01 00:00:00+00');
    IF v_hs > v_he THEN
        -- inside one hour: no whole hour, all of it from the rows [from, to)
        v_hs := to_ts;
        v_he := to_ts;
    END IF;
    -- last_events: the newest rows of the window, planned for these values
    -- (EXECUTE ... USING), so the planner sees the LIMIT against the window
    -- and reads the (organization_id, created_at, id) index backwards; a
    -- generic plan reads the whole window and sorts it.
    EXECUTE $sql$
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
      FROM bench_rollup_events e
      WHERE e.organization_id = $1
        AND e.created_at >= $2
        AND e.created_at < $3
        AND ($4 IS NULL OR e.webhook_id = $4)
      ORDER BY e.created_at DESC, e.id DESC
      LIMIT $6) l
$sql$
    INTO v_last
    USING $1, $2, $3, $4, $5, $6;
    -- The rest in one static statement (PL/pgSQL keeps its plan across
    -- calls; a STABLE function's statements share one snapshot): rollup rows
    -- for [v_hs, v_he), raw rows for [from, v_hs) and [v_he, to). $1 .. $6
    -- are the arguments.
WITH r AS MATERIALIZED (
    SELECT h.hour, h.total, h.success, h.failed, h.pending, h.retried, h.delay_count,
           h.delay_sum, h.ev_keys, h.ev_n, h.fu_keys, h.fu_n, h.lat_ms, h.lat_n
    FROM bench_rollup_hourly h
    WHERE h.organization_id = $1
      AND h.hour >= v_hs
      AND h.hour < v_he
      AND ($4 IS NULL OR h.webhook_id = $4)
),
e AS MATERIALIZED (
    SELECT x.event, x.url, x.retries, x.delay_ms, x.done,
           coalesce(x.response_status BETWEEN 200 AND 299, false) AS success,
           (x.response_status IS NOT NULL AND x.response_status NOT BETWEEN 200 AND 299)
           OR (x.response_status IS NULL AND x.error IS NOT NULL
               AND x.error <> 'null'::jsonb) AS failed,
           date_trunc('hour', x.created_at AT TIME ZONE 'UTC') AS hour,
           CASE WHEN x.first_sent_at IS NOT NULL THEN
               greatest(0, round(extract(epoch FROM x.first_sent_at - x.created_at) * 1000))::bigint
           END AS latency_ms
    FROM (SELECT * FROM bench_rollup_events e
          WHERE e.organization_id = $1 AND e.created_at >= $2 AND e.created_at < v_hs
            AND ($4 IS NULL OR e.webhook_id = $4)
          UNION ALL
          SELECT * FROM bench_rollup_events e
          WHERE e.organization_id = $1 AND e.created_at >= v_he AND e.created_at < $3
            AND ($4 IS NULL OR e.webhook_id = $4)) x
),
agg AS (
    SELECT sum(c.total) AS total, sum(c.success) AS success, sum(c.failed) AS failed,
           sum(c.pending) AS pending, sum(c.retried) AS retried,
           sum(c.delay_count) AS delay_count, sum(c.delay_sum) AS delay_sum
    FROM (SELECT total, success, failed, pending, retried, delay_count, delay_sum FROM r
          UNION ALL
          SELECT count(*), count(*) FILTER (WHERE success), count(*) FILTER (WHERE failed),
                 count(*) FILTER (WHERE done = 0), count(*) FILTER (WHERE retries > 0),
                 count(delay_ms), sum(delay_ms)
          FROM e) c
),
hist AS (
    -- the window's latency histogram: value, count
    SELECT u.m AS ms, sum(u.c) AS n
    FROM (SELECT unnest(r.lat_ms) AS m, unnest(r.lat_n) AS c FROM r
          UNION ALL
          SELECT e.latency_ms, 1 FROM e WHERE e.latency_ms IS NOT NULL) u
    GROUP BY u.m
    HAVING sum(u.c) > 0
),
cum AS (
    -- upto = how many latencies are <= ms
    SELECT ms, (sum(n) OVER (ORDER BY ms))::bigint AS upto FROM hist
),
lstat AS (
    SELECT sum(n)::bigint AS cnt, min(ms) AS lmin, max(ms) AS lmax, sum(ms * n) AS lsum FROM hist
),
lp AS (
    -- percentile_cont as PostgreSQL computes it: rows floor(f * (n - 1)) and
    -- ceil(f * (n - 1)) (0-based) of the sorted values, interpolated in float8
    SELECT array_agg(CASE WHEN q.hi_row = q.lo_row THEN q.lo_v
                          ELSE q.lo_v + (q.hi_v - q.lo_v) * (q.pos - q.lo_row::float8) END
                     ORDER BY q.i) AS p
    FROM (SELECT f.i, p.pos, p.lo_row, p.hi_row,
                 (SELECT c.ms FROM cum c WHERE c.upto > p.lo_row ORDER BY c.ms LIMIT 1)::float8 AS lo_v,
                 (SELECT c.ms FROM cum c WHERE c.upto > p.hi_row ORDER BY c.ms LIMIT 1)::float8 AS hi_v
          FROM lstat s
          CROSS JOIN unnest(ARRAY[0.5, 0.9, 0.95, 0.99]::float8[]) WITH ORDINALITY AS f(frac, i)
          CROSS JOIN LATERAL (SELECT f.frac * (s.cnt - 1)::float8 AS pos) p0
          CROSS JOIN LATERAL (SELECT p0.pos, floor(p0.pos)::bigint AS lo_row,
                                     ceil(p0.pos)::bigint AS hi_row) p
          WHERE s.cnt > 0) q
)
SELECT jsonb_build_object(
    'status', 200,
    'data', jsonb_build_object(
        'day_metrics', jsonb_build_object(
            'total', coalesce(a.total, 0),
            'success', coalesce(a.success, 0),
            'failed', coalesce(a.failed, 0),
            'pending', coalesce(a.pending, 0),
            'retry_rate_pct', CASE WHEN coalesce(a.total, 0) = 0 THEN 0
                                   ELSE round(100.0 * a.retried / a.total, 2) END,
            'avg_delay_ms', coalesce(round(a.delay_sum / nullif(a.delay_count, 0), 2), 0)),
        'top_events', (
            SELECT coalesce(jsonb_agg(jsonb_build_object('event', t.event, 'count', t.n)
                                      ORDER BY t.n DESC, t.event COLLATE "C"), '[]'::jsonb)
            FROM (SELECT z.event, sum(z.n) AS n
                  FROM (SELECT unnest(r.ev_keys) AS event, unnest(r.ev_n) AS n FROM r
                        UNION ALL
                        SELECT e.event, 1 FROM e) z
                  GROUP BY z.event
                  HAVING sum(z.n) > 0
                  ORDER BY n DESC, z.event COLLATE "C"
                  LIMIT $5) t),
        'top_failed_urls', (
            SELECT coalesce(jsonb_agg(jsonb_build_object('url', t.url, 'count', t.n)
                                      ORDER BY t.n DESC, t.url COLLATE "C"), '[]'::jsonb)
            FROM (SELECT z.url, sum(z.n) AS n
                  FROM (SELECT unnest(r.fu_keys) AS url, unnest(r.fu_n) AS n FROM r
                        UNION ALL
                        SELECT e.url, 1 FROM e WHERE e.failed) z
                  GROUP BY z.url
                  HAVING sum(z.n) > 0
                  ORDER BY n DESC, z.url COLLATE "C"
                  LIMIT $5) t),
        'hourly_metrics', (
            SELECT coalesce(jsonb_agg(jsonb_build_object(
                                'hour', to_char(h.hour, 'YYYY-MM-DD HH24:00:00'),
                                'count', h.n) ORDER BY h.hour), '[]'::jsonb)
            FROM (SELECT z.hour, sum(z.n) AS n
                  FROM (SELECT r.hour AT TIME ZONE 'UTC' AS hour, r.total AS n FROM r
                        UNION ALL
                        SELECT e.hour, 1 FROM e) z
                  GROUP BY z.hour
                  HAVING sum(z.n) > 0) h),
        'total', (
            SELECT jsonb_build_object('webhooks', count(*),
                                      'events_subscribed', coalesce(sum(cardinality(k.events)), 0))
            FROM webhooks k
            WHERE k.organization_id = $1
              AND ($4 IS NULL OR k.id = $4)),
        'last_events', v_last,
        'latency', CASE WHEN coalesce(s.cnt, 0) = 0 THEN
                       jsonb_build_object('min', 0, 'max', 0, 'avg', 0,
                                          'p50', 0, 'p90', 0, 'p95', 0, 'p99', 0)
                   ELSE
                       jsonb_build_object('min', round(s.lmin::numeric, 2),
                                          'max', round(s.lmax::numeric, 2),
                                          'avg', round(s.lsum / s.cnt::numeric, 2),
                                          'p50', round(lp.p[1]::numeric, 2),
                                          'p90', round(lp.p[2]::numeric, 2),
                                          'p95', round(lp.p[3]::numeric, 2),
                                          'p99', round(lp.p[4]::numeric, 2))
                   END),
    'error', NULL,
    'log', NULL,
    'validator', NULL,
    'support_id', NULL,
    'message', 'Webhook analytics retrieved successfully',
    'env', coalesce(nullif(current_setting('whanalytics.env', true), ''), 'production'))
FROM agg a, lstat s, lp
    INTO response;
    RETURN response;
END
$fn$;

-- The same for a rolling period ending at as_of (as plain_analytics_json).
CREATE OR REPLACE FUNCTION bench_rollup_json(organization_id text, period text DEFAULT 'last_day',
                                             as_of timestamptz DEFAULT now(),
                                             webhook_id text DEFAULT NULL, top_n integer DEFAULT 5,
                                             last_n integer DEFAULT 10)
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
SELECT bench_rollup_json_between(
           $1,
           $3 - interval '1 hour' * 24 * p.n * (p.k + 1),
           $3 - interval '1 hour' * 24 * p.n * p.k,
           $4, $5, $6)
FROM (SELECT CASE regexp_replace($2, '^prev_', '')
                 WHEN 'last_day'      THEN 1
                 WHEN 'last_7_days'   THEN 7
                 WHEN 'last_30_days'  THEN 30
                 WHEN 'last_90_days'  THEN 90
                 WHEN 'last_365_days' THEN 365
             END AS n,
             CASE WHEN $2 LIKE 'prev\_%' THEN 1 ELSE 0 END AS k) p
$fn$;

-- plain SQL over the rollup's own rows: test/plain_sql.sql's functions find
-- webhook_events and webhooks through search_path, so with this schema first
-- (bench_check_rollup_own_rows in scenarios.sql) they read bench_rollup_events.
CREATE SCHEMA bench_rollup_raw;
CREATE VIEW bench_rollup_raw.webhook_events AS SELECT * FROM public.bench_rollup_events;
CREATE VIEW bench_rollup_raw.webhooks AS SELECT * FROM public.webhooks;
