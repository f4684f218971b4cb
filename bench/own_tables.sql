-- own_tables.sql: the read scenarios on the user's own tables, attached with
-- webhook_summaries_attach: a plain copy of the bench rows (bench_own) and a
-- copy partitioned by day (bench_parts). Each copy is a table named
-- webhook_events in its own schema, so with search_path set to that schema
-- the plain-SQL side (test/plain_sql.sql) reads the same rows as the
-- extension, which reads it through whanalytics.events_table. Loaded by
-- bench.sh after scenarios.sql; bench.sh then calls
--   CALL bench_own_tables_load();
--   CALL bench_own_table_scenarios(runs, as_of);

-- Copies the bench rows into both tables (with the index the queries use),
-- analyzes them and attaches them (which builds their summaries).
CREATE OR REPLACE PROCEDURE bench_own_tables_load()
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := (SELECT min(created_at AT TIME ZONE 'UTC')::date FROM public.webhook_events);
    last_day date := (SELECT max(created_at AT TIME ZONE 'UTC')::date FROM public.webhook_events);
    t0 timestamptz;
BEGIN
    DROP SCHEMA IF EXISTS bench_own, bench_parts CASCADE;
    CREATE SCHEMA bench_own;
    CREATE SCHEMA bench_parts;
    CREATE TABLE bench_own.webhook_events (LIKE public.webhook_events INCLUDING DEFAULTS);
    CREATE TABLE bench_parts.webhook_events (LIKE public.webhook_events INCLUDING DEFAULTS)
        PARTITION BY RANGE (created_at);
    FOR d IN 0 .. last_day - first_day LOOP
        EXECUTE format('CREATE TABLE bench_parts.%I PARTITION OF bench_parts.webhook_events'
                       ' FOR VALUES FROM (%L) TO (%L)', 'd' || to_char(first_day + d, 'YYYYMMDD'),
                       (first_day + d)::timestamp AT TIME ZONE 'UTC',
                       (first_day + d + 1)::timestamp AT TIME ZONE 'UTC');
    END LOOP;
    INSERT INTO bench_own.webhook_events SELECT * FROM public.webhook_events;
    INSERT INTO bench_parts.webhook_events SELECT * FROM public.webhook_events;
    CREATE INDEX ON bench_own.webhook_events (organization_id, created_at, id);
    CREATE INDEX ON bench_parts.webhook_events (organization_id, created_at, id);
    ANALYZE bench_own.webhook_events;
    ANALYZE bench_parts.webhook_events;
    t0 := clock_timestamp();
    PERFORM webhook_summaries_attach('bench_own.webhook_events');
    RAISE NOTICE 'attached bench_own.webhook_events (plain) in % s',
        round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);
    t0 := clock_timestamp();
    PERFORM webhook_summaries_attach('bench_parts.webhook_events');
    RAISE NOTICE 'attached bench_parts.webhook_events (% daily partitions) in % s',
        last_day - first_day + 1, round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);
END $$;

-- The JSON scenarios on each attached table: both sides read the same
-- table (search_path for plain SQL, whanalytics.events_table for the
-- extension), checked equal first; the summaries must answer.
CREATE OR REPLACE PROCEDURE bench_own_table_scenarios(p_runs integer, p_as_of timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    sc record;
    t record;
    saved_path text := current_setting('search_path');
BEGIN
    FOR t IN SELECT * FROM (VALUES ('bench_own', 'own table', 1), ('bench_parts', 'partitioned', 2)) AS v(schema, label, ord)
             ORDER BY ord LOOP
        PERFORM set_config('search_path', t.schema || ', public', false);
        PERFORM set_config('whanalytics.events_table', t.schema || '.webhook_events', false);
        IF NOT (SELECT usable FROM webhook_summaries_status() WHERE events = (t.schema || '.webhook_events')::regclass) THEN
            RAISE EXCEPTION 'the summaries of %.webhook_events do not answer', t.schema;
        END IF;
        FOR sc IN SELECT * FROM bench_scenario_list() WHERE label <> 'median org last_7_days' LOOP
            PERFORM bench_check_equal(sc.org, sc.period, p_as_of, t.label || ' ' || sc.label);
            CALL bench_record_pair(t.label || ' ' || sc.label, sc.org, sc.period, p_as_of, p_runs,
                                   NULL, false);
        END LOOP;
    END LOOP;
    PERFORM set_config('search_path', saved_path, false);
    PERFORM set_config('whanalytics.events_table', '', false);
END $$;
