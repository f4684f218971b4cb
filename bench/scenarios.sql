-- scenarios.sql: read benchmark of whanalytics against plain SQL, in one backend.
-- (bench_rls_scenarios repeats the JSON scenarios as a tenant under row-level security.)
--
-- Loaded by bench.sh after generate.sql, bench/rollup.sql and test/plain_sql.sql
-- (which defines plain_analytics_json, the project's independent plain-SQL
-- implementation of SPEC section 3). The JSON scenarios also time the
-- hand-written hourly rollup of rollup.sql (bench_rollup_json), checked equal
-- to plain SQL first like the extension. Defines the helpers and procedures
-- below; bench.sh then calls
--   CALL bench_json_scenarios(runs, as_of);
--   CALL bench_latency_scenarios(runs);
-- in one psql session, so every timing of both sides happens in the same
-- backend. Results go to the table bench_scenario_results; a mismatch between
-- the extension and plain SQL raises an ERROR (bench.sh then exits non-zero).
-- Peak memory is then measured per scenario and side in a fresh backend each
-- (SELECT bench_mem_probe(seq, side)): see bench_mem_probe for why.

CREATE TABLE IF NOT EXISTS bench_scenario_results (
    seq            serial PRIMARY KEY,
    scenario       text NOT NULL,
    rows_in_window bigint,
    plain_ms       double precision,     -- median
    ext_ms         double precision,     -- median
    ratio          double precision,     -- plain_ms / ext_ms
    rollup_ms      double precision,     -- median; JSON scenarios as the owner only
    rollup_ratio   double precision,     -- rollup_ms / ext_ms
    peak_plain_mb  double precision,
    peak_ext_mb    double precision,
    peak_rollup_mb double precision,
    note           text,
    org            text,                 -- JSON scenarios
    period         text,
    workers        integer               -- latency scenarios: max_parallel_workers_per_gather
);

-- Median of an array of timings.
CREATE OR REPLACE FUNCTION bench_median(double precision[])
RETURNS double precision LANGUAGE sql IMMUTABLE AS
$$ SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest($1) AS x $$;

-- Reset this backend's peak RSS (VmHWM) to its current RSS. Needs the right to
-- write server files (superuser or pg_write_server_files); false if denied.
-- /proc/self is the backend process itself: COPY TO opens the file in the backend.
CREATE OR REPLACE FUNCTION bench_reset_peak()
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    COPY (SELECT 5) TO '/proc/self/clear_refs';
    RETURN true;
EXCEPTION WHEN OTHERS THEN
    RETURN false;
END $$;

-- The backend's peak private memory in MB since the last bench_reset_peak():
-- VmHWM (peak resident set) minus RssShmem and RssFile (current). The
-- shared-buffer pages a backend touches are mapped into it and count in its
-- RSS (RssShmem), and so would the mapped files (RssFile, the binary and
-- libraries); subtracting them leaves (approximately) the backend's own
-- anonymous memory: palloc'd contexts, sort space, the built jsonb.
-- RssShmem only grows while the backend lives, so using its current value is
-- an upper bound of what the peak included. NULL if /proc cannot be read.
CREATE OR REPLACE FUNCTION bench_peak_private_mb()
RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    st text;
    hwm bigint; shm bigint; fil bigint;
BEGIN
    BEGIN
        st := pg_read_file('/proc/self/status');
    EXCEPTION WHEN OTHERS THEN
        RETURN NULL;
    END;
    hwm := substring(st FROM 'VmHWM:\s+(\d+) kB')::bigint;
    shm := substring(st FROM 'RssShmem:\s+(\d+) kB')::bigint;
    fil := substring(st FROM 'RssFile:\s+(\d+) kB')::bigint;
    IF hwm IS NULL OR shm IS NULL OR fil IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN round((hwm - shm - fil) / 1024.0, 1);
END $$;

-- The days of a period name (SPEC "Periods"; only the non-prev ones are used here).
CREATE OR REPLACE FUNCTION bench_period_days(period text)
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
SELECT CASE period WHEN 'last_day' THEN 1 WHEN 'last_7_days' THEN 7
                   WHEN 'last_30_days' THEN 30 WHEN 'last_90_days' THEN 90
                   WHEN 'last_365_days' THEN 365 END
$$;

-- Which keys of two responses differ (top level and inside "data"), as text.
CREATE OR REPLACE FUNCTION bench_json_diff(a jsonb, b jsonb)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT coalesce(string_agg(k, ', ' ORDER BY k), '(none)')
FROM (SELECT k FROM (SELECT jsonb_object_keys(a) UNION SELECT jsonb_object_keys(b)) AS t(k)
      WHERE k <> 'data' AND a -> k IS DISTINCT FROM b -> k
      UNION ALL
      SELECT 'data.' || k
      FROM (SELECT jsonb_object_keys(coalesce(a -> 'data', '{}'))
            UNION SELECT jsonb_object_keys(coalesce(b -> 'data', '{}'))) AS t(k)
      WHERE a -> 'data' -> k IS DISTINCT FROM b -> 'data' -> k) d
$$;

-- Raise the MISMATCH error of a scenario: which function (side) gave got
-- where plain SQL gave want, the differing keys, and their values.
CREATE OR REPLACE FUNCTION bench_mismatch(side text, fn text, got jsonb, want jsonb, org text,
                                          period text, as_of timestamptz, label text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    k text; details text := '';
BEGIN
    FOR k IN SELECT unnest(string_to_array(bench_json_diff(got, want), ', ')) LOOP
        details := details || format(E'\n  %s:\n    %s %s\n    plain SQL:   %s',
            k, rpad(side || ':', 12),
            left(CASE WHEN k LIKE 'data.%' THEN got -> 'data' -> substr(k, 6) ELSE got -> k END::text, 600),
            left(CASE WHEN k LIKE 'data.%' THEN want -> 'data' -> substr(k, 6) ELSE want -> k END::text, 600));
    END LOOP;
    RAISE EXCEPTION 'MISMATCH in scenario "%": %(%, %, %) <> plain_analytics_json(...); differing keys: %',
        label, fn, quote_literal(org), quote_literal(period), quote_literal(as_of::text),
        bench_json_diff(got, want)
        USING DETAIL = details;
END $$;

-- Compare the extension with plain SQL for one (org, period, as_of); ERROR if they differ.
CREATE OR REPLACE FUNCTION bench_check_equal(org text, period text, as_of timestamptz, label text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    e jsonb := webhook_analytics_json(org, period, as_of);
    p jsonb := plain_analytics_json(org, period, as_of);
BEGIN
    IF e IS DISTINCT FROM p THEN
        PERFORM bench_mismatch('whanalytics', 'webhook_analytics_json', e, p, org, period, as_of, label);
    END IF;
END $$;

-- Compare the hand-written rollup with plain SQL for one (org, period, as_of):
-- the same jsonb and the same text (md5); ERROR if they differ.
CREATE OR REPLACE FUNCTION bench_check_rollup(org text, period text, as_of timestamptz, label text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r jsonb := bench_rollup_json(org, period, as_of);
    p jsonb := plain_analytics_json(org, period, as_of);
BEGIN
    IF r IS DISTINCT FROM p OR md5(r::text) IS DISTINCT FROM md5(p::text) THEN
        PERFORM bench_mismatch('rollup', 'bench_rollup_json', r, p, org, period, as_of, label);
    END IF;
END $$;

-- The rollup against plain SQL computed over the rollup's own rows
-- (bench_rollup_events, through the views of schema bench_rollup_raw, which
-- search_path puts first): after the writers, whose rows differ per table.
CREATE OR REPLACE FUNCTION bench_check_rollup_own_rows(org text, period text, as_of timestamptz, label text)
RETURNS void LANGUAGE plpgsql SET search_path = bench_rollup_raw, public AS $$
BEGIN
    PERFORM bench_check_rollup(org, period, as_of, label || ' (rollup rows)');
END $$;

-- The scenarios' organizations: the largest (most rows) and the median one by
-- row count (ties broken by id), as (label, organization_id).
CREATE OR REPLACE FUNCTION bench_scenario_orgs()
RETURNS TABLE (which text, organization_id text) LANGUAGE sql STABLE AS $$
WITH c AS (SELECT e.organization_id AS org, count(*) AS n FROM public.webhook_events e GROUP BY 1),
     r AS (SELECT org, row_number() OVER (ORDER BY n DESC, org) AS rn, count(*) OVER () AS cnt FROM c)
SELECT 'largest', org FROM r WHERE rn = 1
UNION ALL
SELECT 'median', org FROM r WHERE rn = (cnt + 1) / 2
$$;

-- bench_time_pair times webhook_analytics_json and plain_analytics_json
-- (and, with p_rollup, bench_rollup_json) for one (organization, period)
-- alternately: one warm-up each, then p_runs each; returns the medians in ms
-- (plain_ms NULL when p_plain is false: the extension alone; rollup_ms NULL
-- without p_rollup).
CREATE OR REPLACE FUNCTION bench_time_pair(p_org text, p_period text, p_as_of timestamptz,
                                           p_runs integer, p_plain boolean DEFAULT true,
                                           p_rollup boolean DEFAULT false,
                                           OUT ext_ms double precision,
                                           OUT plain_ms double precision,
                                           OUT rollup_ms double precision)
LANGUAGE plpgsql AS $$
DECLARE
    j jsonb;
    t0 timestamptz;
    te double precision[] := '{}';
    tp double precision[] := '{}';
    tr double precision[] := '{}';
    ext_sql    constant text := 'SELECT webhook_analytics_json($1, $2, $3)';
    plain_sql  constant text := 'SELECT plain_analytics_json($1, $2, $3)';
    rollup_sql constant text := 'SELECT bench_rollup_json($1, $2, $3)';
BEGIN
    EXECUTE ext_sql INTO j USING p_org, p_period, p_as_of;
    IF p_rollup THEN
        EXECUTE rollup_sql INTO j USING p_org, p_period, p_as_of;
    END IF;
    IF p_plain THEN
        EXECUTE plain_sql INTO j USING p_org, p_period, p_as_of;
    END IF;
    FOR i IN 1 .. p_runs LOOP
        t0 := clock_timestamp();
        EXECUTE ext_sql INTO j USING p_org, p_period, p_as_of;
        te := te || extract(epoch FROM clock_timestamp() - t0) * 1000;
        IF p_rollup THEN
            t0 := clock_timestamp();
            EXECUTE rollup_sql INTO j USING p_org, p_period, p_as_of;
            tr := tr || extract(epoch FROM clock_timestamp() - t0) * 1000;
        END IF;
        CONTINUE WHEN NOT p_plain;
        t0 := clock_timestamp();
        EXECUTE plain_sql INTO j USING p_org, p_period, p_as_of;
        tp := tp || extract(epoch FROM clock_timestamp() - t0) * 1000;
    END LOOP;
    ext_ms := bench_median(te);
    plain_ms := bench_median(tp);
    rollup_ms := bench_median(tr);
END $$;

-- bench_record_pair times one scenario (bench_time_pair), as p_role when
-- given (both sides; the rollup only without a role: it has no row-level
-- security; and p_rollup false leaves it out), and records it.
CREATE OR REPLACE PROCEDURE bench_record_pair(p_label text, p_org text, p_period text,
                                              p_as_of timestamptz, p_runs integer,
                                              p_role text DEFAULT NULL,
                                              p_rollup boolean DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    t record;
    n_rows bigint;
BEGIN
    SELECT count(*) INTO n_rows FROM webhook_events e
    WHERE e.organization_id = p_org
      AND e.created_at >= p_as_of - bench_period_days(p_period) * interval '24 hours'
      AND e.created_at < p_as_of;
    IF p_role IS NOT NULL THEN
        EXECUTE format('SET ROLE %I', p_role);
        PERFORM bench_check_equal(p_org, p_period, p_as_of, p_label);
    END IF;
    SELECT * INTO t FROM bench_time_pair(p_org, p_period, p_as_of, p_runs, true,
                                         coalesce(p_rollup, p_role IS NULL));
    RESET ROLE;
    INSERT INTO bench_scenario_results (scenario, rows_in_window, plain_ms, ext_ms, ratio,
                                        rollup_ms, rollup_ratio, org, period)
    VALUES (p_label, n_rows, t.plain_ms, t.ext_ms, t.plain_ms / nullif(t.ext_ms, 0),
            t.rollup_ms, t.rollup_ms / nullif(t.ext_ms, 0), p_org, p_period);
    RAISE NOTICE '% : % rows, plain % ms, whanalytics % ms% (medians of %)',
        rpad(p_label, 28), n_rows, round(t.plain_ms::numeric, 2),
        round(t.ext_ms::numeric, 2),
        coalesce(', rollup ' || round(t.rollup_ms::numeric, 2) || ' ms', ''),
        p_runs || coalesce(', as ' || p_role, '');
END $$;

-- The five analytics-JSON scenarios: check equality, then time the extension
-- and plain SQL alternately (1 warm-up each, then p_runs each).
CREATE OR REPLACE PROCEDURE bench_json_scenarios(p_runs integer, p_as_of timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    sc record;
BEGIN
    -- Correctness first, for every scenario, before any timing: the
    -- extension and the rollup each against plain SQL.
    FOR sc IN SELECT * FROM bench_scenario_list() LOOP
        PERFORM bench_check_equal(sc.org, sc.period, p_as_of, sc.label);
        PERFORM bench_check_rollup(sc.org, sc.period, p_as_of, sc.label);
        RAISE NOTICE 'same jsonb from all three: % (%)', sc.label, sc.org;
    END LOOP;
    FOR sc IN SELECT * FROM bench_scenario_list() LOOP
        CALL bench_record_pair(sc.label, sc.org, sc.period, p_as_of, p_runs);
    END LOOP;
END $$;

-- The same scenarios for a tenant role under row-level security, the setup
-- the README recommends: a policy on organization_id = current_setting(...).
-- Both sides run as that role, in this backend, the plain SQL filtered by
-- the policy; the policy and role are dropped again at the end.
CREATE OR REPLACE PROCEDURE bench_rls_scenarios(p_runs integer, p_as_of timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    sc record;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_tenant') THEN
        CREATE ROLE bench_tenant NOLOGIN;
    END IF;
    GRANT SELECT ON webhook_events, webhooks TO bench_tenant;
    ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
    CREATE POLICY bench_tenant_rows ON webhook_events FOR SELECT TO bench_tenant
        USING (organization_id = current_setting('app.org_id'));
    FOR sc IN SELECT * FROM bench_scenario_list() WHERE label <> 'median org last_7_days' LOOP
        PERFORM set_config('app.org_id', sc.org, false);
        CALL bench_record_pair('RLS tenant ' || sc.label, sc.org, sc.period, p_as_of, p_runs,
                               'bench_tenant');
    END LOOP;
    DROP POLICY bench_tenant_rows ON webhook_events;
    ALTER TABLE webhook_events DISABLE ROW LEVEL SECURITY;
    REVOKE ALL ON webhook_events, webhooks FROM bench_tenant;
END $$;

-- The scenario list: (label, org, period), largest org first.
CREATE OR REPLACE FUNCTION bench_scenario_list()
RETURNS TABLE (label text, org text, period text) LANGUAGE sql STABLE AS $$
SELECT o.which || ' org ' || p.period, o.organization_id, p.period
FROM bench_scenario_orgs() o
JOIN (VALUES ('largest', 'last_30_days', 1), ('largest', 'last_7_days', 2),
             ('largest', 'last_day', 3), ('median', 'last_30_days', 4),
             ('median', 'last_7_days', 5), ('median', 'last_day', 6)) AS p(which, period, ord)
  ON p.which = o.which
ORDER BY p.ord
$$;

-- 'Workers Launched' of a query's EXPLAIN ANALYZE (0 when no Gather).
CREATE OR REPLACE FUNCTION bench_workers_launched(q text)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    line text; n integer := 0;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ' || q LOOP
        IF line ~ 'Workers Launched: \d+' THEN
            n := n + substring(line FROM 'Workers Launched: (\d+)')::integer;
        END IF;
    END LOOP;
    RETURN n;
END $$;

-- webhook_latency_percentiles vs min/max/avg + percentile_cont over bench_latency,
-- serial (max_parallel_workers_per_gather = 0) and parallel (= p_workers: the
-- cores less one, so the leader and its workers each have a core).
CREATE OR REPLACE PROCEDURE bench_latency_scenarios(p_runs integer, p_workers integer DEFAULT 1)
LANGUAGE plpgsql AS $$
DECLARE
    ext_sql   constant text := 'SELECT webhook_latency_percentiles(ms) AS l FROM bench_latency';
    -- the machine's own parallel gain on the same scan, for reference
    sum_sql   constant text := 'SELECT sum(ms) FROM bench_latency';
    ts double precision[];
    sum_serial double precision;
    dummy double precision;
    plain_sql constant text := 'SELECT min(ms), max(ms), avg(ms), '
        'percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY ms) FROM bench_latency';
    mode record;
    r webhook_latency;
    rr record;           -- EXECUTE ... INTO a composite variable would spread its columns
    pmin double precision; pmax double precision; pavg double precision; pp double precision[];
    t0 timestamptz;
    te double precision[]; tp double precision[];
    we integer; wp integer;
    extra_note text;
    n_rows bigint;
    saved text := current_setting('max_parallel_workers_per_gather');
    ext_serial double precision;
    i integer;
BEGIN
    SELECT count(*) INTO n_rows FROM bench_latency;
    FOR mode IN SELECT * FROM (VALUES ('serial', 0, 1), ('parallel', p_workers, 2)) AS m(name, workers, ord)
                ORDER BY ord LOOP
        PERFORM set_config('max_parallel_workers_per_gather', mode.workers::text, false);

        EXECUTE ext_sql INTO rr; r := rr.l;
        EXECUTE plain_sql INTO pmin, pmax, pavg, pp;
        IF ROW(r.min, r.max, r.avg, r.p50, r.p90, r.p95, r.p99)
           IS DISTINCT FROM ROW(pmin, pmax, pavg, pp[1], pp[2], pp[3], pp[4]) THEN
            RAISE EXCEPTION 'MISMATCH in scenario "latency (%)": webhook_latency_percentiles = % but min/max/avg/percentile_cont = %',
                mode.name, ROW(r.min, r.max, r.avg, r.p50, r.p90, r.p95, r.p99),
                ROW(pmin, pmax, pavg, pp[1], pp[2], pp[3], pp[4]);
        END IF;
        RAISE NOTICE 'same result from both: latency percentiles (%) = %', mode.name, r;

        we := bench_workers_launched(ext_sql);
        wp := bench_workers_launched(plain_sql);
        extra_note := '';
        IF mode.workers > 0 AND we = 0 THEN
            -- the table is too small for the planner to go parallel: let it
            PERFORM set_config('min_parallel_table_scan_size', '0', false);
            we := bench_workers_launched(ext_sql);
            wp := bench_workers_launched(plain_sql);
            extra_note := ' (with min_parallel_table_scan_size = 0)';
        END IF;

        te := '{}'; tp := '{}'; ts := '{}';
        FOR i IN 1 .. p_runs LOOP
            t0 := clock_timestamp();
            EXECUTE sum_sql INTO dummy;
            ts := ts || extract(epoch FROM clock_timestamp() - t0) * 1000;
            t0 := clock_timestamp();
            EXECUTE ext_sql INTO rr; r := rr.l;
            te := te || extract(epoch FROM clock_timestamp() - t0) * 1000;
            t0 := clock_timestamp();
            EXECUTE plain_sql INTO pmin, pmax, pavg, pp;
            tp := tp || extract(epoch FROM clock_timestamp() - t0) * 1000;
        END LOOP;

        IF mode.name = 'serial' THEN
            ext_serial := bench_median(te);
            sum_serial := bench_median(ts);
        END IF;
        INSERT INTO bench_scenario_results (scenario, rows_in_window, plain_ms, ext_ms, ratio,
                                            workers, note)
        VALUES ('latency percentiles ' || mode.name, n_rows, bench_median(tp), bench_median(te),
                bench_median(tp) / nullif(bench_median(te), 0), mode.workers,
                format('workers launched: whanalytics %s, percentile_cont %s', we, wp)
                || extra_note
                || CASE WHEN mode.name = 'parallel' THEN
                        format('; whanalytics serial/parallel = %s (built-in sum(ms) on the same rows:'
                               ' serial %s ms, parallel %s ms, serial/parallel = %s)',
                               round((ext_serial / nullif(bench_median(te), 0))::numeric, 2),
                               round(sum_serial::numeric, 1), round(bench_median(ts)::numeric, 1),
                               round((sum_serial / nullif(bench_median(ts), 0))::numeric, 2))
                   ELSE '' END);
        RAISE NOTICE '% : % rows, percentile_cont % ms, whanalytics % ms (medians of %), workers % / %',
            rpad('latency percentiles ' || mode.name, 28), n_rows,
            round(bench_median(tp)::numeric, 2), round(bench_median(te)::numeric, 2), p_runs, wp, we;
    END LOOP;
    PERFORM set_config('max_parallel_workers_per_gather', saved, false);
    RESET min_parallel_table_scan_size;
END $$;

-- Peak private memory (MB) of one call of one side ('plain' or 'ext') of the
-- scenario bench_scenario_results.seq = p_seq, stored in the row and returned.
-- Call it in a fresh backend (a new connection) each time: a backend keeps
-- much of the memory it freed (glibc malloc does not give freed heap back to
-- the kernel), so its RSS after one call stays near that call's peak and a
-- later, smaller call in the same backend would show the earlier peak. The
-- backend is first warmed up (catalog caches, plans, the library) by the same
-- call for an organization without rows, or on no rows; then the peak is reset
-- and the real call made. With p_side = 'baseline', only the warm-up call:
-- what any backend holds anyway.
CREATE OR REPLACE FUNCTION bench_mem_probe(p_seq integer, p_side text,
                                           p_as_of timestamptz DEFAULT '2026-01-01 00:00:00+00')
RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    sc bench_scenario_results;
    q text;
    j jsonb;
    rr record;
    mb double precision;
BEGIN
    SELECT * INTO STRICT sc FROM bench_scenario_results WHERE seq = p_seq;
    IF sc.org IS NOT NULL THEN
        q := CASE WHEN p_side = 'plain' THEN 'SELECT plain_analytics_json($1, $2, $3)'
                  WHEN p_side = 'rollup' THEN 'SELECT bench_rollup_json($1, $2, $3)'
                  ELSE 'SELECT webhook_analytics_json($1, $2, $3)' END;
        EXECUTE q INTO j USING 'org_bench_no_such_org', sc.period, p_as_of;
        IF NOT bench_reset_peak() THEN RETURN NULL; END IF;
        IF p_side <> 'baseline' THEN
            EXECUTE q INTO j USING sc.org, sc.period, p_as_of;
        END IF;
    ELSE
        PERFORM set_config('max_parallel_workers_per_gather', sc.workers::text, false);
        IF sc.note LIKE '%min_parallel_table_scan_size = 0%' THEN
            PERFORM set_config('min_parallel_table_scan_size', '0', false);
        END IF;
        q := CASE WHEN p_side = 'plain' THEN
                      'SELECT min(ms), max(ms), avg(ms), percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]) '
                      'WITHIN GROUP (ORDER BY ms) FROM bench_latency'
                  ELSE 'SELECT webhook_latency_percentiles(ms) AS l FROM bench_latency' END;
        EXECUTE q || ' WHERE ms < 0' INTO rr;
        IF NOT bench_reset_peak() THEN RETURN NULL; END IF;
        IF p_side <> 'baseline' THEN
            EXECUTE q INTO rr;
        END IF;
    END IF;
    mb := bench_peak_private_mb();
    IF p_side = 'plain' THEN
        UPDATE bench_scenario_results SET peak_plain_mb = mb WHERE seq = p_seq;
    ELSIF p_side = 'ext' THEN
        UPDATE bench_scenario_results SET peak_ext_mb = mb WHERE seq = p_seq;
    ELSIF p_side = 'rollup' THEN
        UPDATE bench_scenario_results SET peak_rollup_mb = mb WHERE seq = p_seq;
    END IF;
    RETURN mb;
END $$;

-- The parts of include (SPEC 5.1): for the largest and the median
-- organization's last_30_days and last_day, the response with every part
-- is checked equal to the oracle's, then timed alternately against the same
-- call without include (the target: at most 2x) and the oracle with every
-- part.
CREATE TABLE IF NOT EXISTS bench_include_results (
    seq              serial PRIMARY KEY,
    scenario         text NOT NULL,
    ext_ms           double precision,     -- median, without include
    ext_include_ms   double precision,     -- median, every part
    plain_include_ms double precision      -- median, the oracle with every part
);

CREATE OR REPLACE PROCEDURE bench_include_scenarios(p_runs integer, p_as_of timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    sc record;
    j jsonb;
    want jsonb;
    t0 timestamptz;
    te double precision[];
    ti double precision[];
    tp double precision[];
    parts constant text[] := '{previous,status_codes,latency_breakdown,retries,webhooks}';
BEGIN
    FOR sc IN SELECT * FROM bench_scenario_list() WHERE period IN ('last_30_days', 'last_day') LOOP
        j := webhook_analytics_json(sc.org, sc.period, p_as_of, NULL, 5, 10, parts);
        want := plain_analytics_json(sc.org, sc.period, p_as_of, NULL, 5, 10, parts);
        IF j IS DISTINCT FROM want THEN
            RAISE EXCEPTION 'MISMATCH in scenario "include: %": differing keys: %', sc.label, bench_json_diff(j, want);
        END IF;
        te := '{}';
        ti := '{}';
        tp := '{}';
        j := webhook_analytics_json(sc.org, sc.period, p_as_of);
        FOR i IN 1 .. p_runs LOOP
            t0 := clock_timestamp();
            j := webhook_analytics_json(sc.org, sc.period, p_as_of);
            te := te || extract(epoch FROM clock_timestamp() - t0) * 1000;
            t0 := clock_timestamp();
            j := webhook_analytics_json(sc.org, sc.period, p_as_of, NULL, 5, 10, parts);
            ti := ti || extract(epoch FROM clock_timestamp() - t0) * 1000;
            t0 := clock_timestamp();
            j := plain_analytics_json(sc.org, sc.period, p_as_of, NULL, 5, 10, parts);
            tp := tp || extract(epoch FROM clock_timestamp() - t0) * 1000;
        END LOOP;
        INSERT INTO bench_include_results (scenario, ext_ms, ext_include_ms, plain_include_ms)
        VALUES ('include every part: ' || sc.label, bench_median(te), bench_median(ti), bench_median(tp));
        RAISE NOTICE 'include every part: % : without % ms, with % ms, plain with % ms (medians of %)',
            rpad(sc.label, 22), round(bench_median(te)::numeric, 2), round(bench_median(ti)::numeric, 2),
            round(bench_median(tp)::numeric, 2), p_runs;
    END LOOP;
END $$;

-- webhook_metrics_series (SPEC 5.2) against the plain SQL a good engineer
-- would write (plain_metrics_series: date_bin, percentile_cont, GROUP BY),
-- for the largest and the median organization: 1-hour buckets over the
-- last 30 days without and with group_by webhook (targets: 30x), 5-minute
-- buckets over the last day (5x). Checked equal first, then timed
-- alternately.
CREATE TABLE IF NOT EXISTS bench_series_results (
    seq       serial PRIMARY KEY,
    scenario  text NOT NULL,
    rows_out  bigint,
    ext_ms    double precision,
    plain_ms  double precision
);

CREATE OR REPLACE PROCEDURE bench_series_scenarios(p_runs integer, p_as_of timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    o record;
    sc record;
    got text;
    want text;
    t0 timestamptz;
    te double precision[];
    tp double precision[];
    n bigint;
BEGIN
    FOR o IN SELECT * FROM bench_scenario_orgs() LOOP
        FOR sc IN SELECT * FROM (VALUES ('1 hour buckets, 30 days', interval '30 days', interval '1 hour', NULL::text),
                                        ('1 hour buckets by webhook, 30 days', interval '30 days', interval '1 hour', 'webhook'),
                                        ('5 minute buckets, 1 day', interval '1 day', interval '5 minutes', NULL)) v(label, span, width, grp) LOOP
            got := (SELECT string_agg(s::text, ';') FROM webhook_metrics_series(o.organization_id, p_as_of - sc.span, p_as_of, sc.width, sc.grp) s);
            want := (SELECT string_agg(s::text, ';') FROM plain_metrics_series(o.organization_id, p_as_of - sc.span, p_as_of, sc.width, sc.grp) s);
            IF got IS DISTINCT FROM want THEN
                RAISE EXCEPTION 'MISMATCH in scenario "series: % org %"', o.which, sc.label;
            END IF;
            te := '{}';
            tp := '{}';
            FOR i IN 1 .. p_runs LOOP
                t0 := clock_timestamp();
                SELECT count(*) INTO n FROM webhook_metrics_series(o.organization_id, p_as_of - sc.span, p_as_of, sc.width, sc.grp);
                te := te || extract(epoch FROM clock_timestamp() - t0) * 1000;
                t0 := clock_timestamp();
                SELECT count(*) INTO n FROM plain_metrics_series(o.organization_id, p_as_of - sc.span, p_as_of, sc.width, sc.grp);
                tp := tp || extract(epoch FROM clock_timestamp() - t0) * 1000;
            END LOOP;
            INSERT INTO bench_series_results (scenario, rows_out, ext_ms, plain_ms)
            VALUES ('series ' || o.which || ' org ' || sc.label, n, bench_median(te), bench_median(tp));
            RAISE NOTICE 'series % org % : % rows, plain % ms, whanalytics % ms (medians of %)',
                o.which, rpad(sc.label, 34), n, round(bench_median(tp)::numeric, 2),
                round(bench_median(te)::numeric, 2), p_runs;
        END LOOP;
    END LOOP;
END $$;
