-- coordinator.sql: the timing helper of bench.sh's coordinator part, loaded
-- in the single database and in the coordinator (a table partitioned by
-- hash of organization_id into postgres_fdw foreign tables on 3 shard
-- databases). Each call runs in this backend: one warm-up, then runs timed
-- calls, the median in milliseconds.
CREATE OR REPLACE FUNCTION bench_call_ms(org text, period text, as_of timestamptz, runs integer)
RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz;
    times double precision[] := '{}';
    r jsonb;
BEGIN
    r := webhook_analytics_json(org, period, as_of);
    FOR i IN 1..runs LOOP
        started := clock_timestamp();
        r := webhook_analytics_json(org, period, as_of);
        times := times || extract(epoch FROM clock_timestamp() - started)::double precision * 1000;
    END LOOP;
    RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM unnest(times) t);
END $$;
