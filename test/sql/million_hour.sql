-- million_hour: one organization with 2,000,000 deliveries in a single
-- hour, inserted by one statement (the summary trigger sees them all at
-- once), against the plain-SQL oracle: through the summaries (whole days)
-- and through the rows (the hour inside a partial day), the series, the
-- latency aggregate, and after updating and deleting a share of them.
\i test/setup.sql
SET TimeZone = 'UTC';
SET max_parallel_workers_per_gather = 0;  -- avg sums in one order on both sides

INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, retries,
                            created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_mh_' || (i % 13), 'org_mh', 'https://mh.example/' || (i % 101), 'mh.' || (i % 17),
       (ARRAY[200, 204, 404, 500, 503, NULL])[i % 6 + 1], i % 4,
       '2025-10-07 14:00+00'::timestamptz + (i % 3600000) * interval '1 ms',
       CASE WHEN i % 9 <> 0
            THEN '2025-10-07 14:00+00'::timestamptz + (i % 3600000) * interval '1 ms'
                 + (i % 2503) * interval '1 ms' END,
       CASE WHEN i % 5 <> 0 THEN i % 1000 END, (i % 7 <> 0)::int
FROM generate_series(1, 2000000) i;
-- A neighbour organization in the same hour, which must never be counted.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at)
SELECT 'webhook_mh_other', 'org_mh_other', 'https://other.example', 'other', 500,
       '2025-10-07 14:30+00'::timestamptz + i * interval '1 ms'
FROM generate_series(1, 1000) i;

-- checks compares the extension with the oracle on every path over the hour.
CREATE FUNCTION million_hour_checks() RETURNS TABLE (check_name text, result text)
LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
BEGIN
    -- whole days: the hour comes from the summaries
    r := webhook_analytics_json_between('org_mh', '2025-10-06 00:00+00', '2025-10-09 00:00+00', NULL, 50, 20);
    check_name := 'days via summaries';
    result := CASE WHEN r = plain_analytics_json_between('org_mh', '2025-10-06 00:00+00', '2025-10-09 00:00+00', NULL, 50, 20)
                   THEN 'equal, total ' || (r #>> '{data,day_metrics,total}') ELSE 'DIFFERENT' END;
    RETURN NEXT;
    -- last_day ending inside the next day: the hour is in a partial day, read from rows
    r := webhook_analytics_json('org_mh', 'last_day', '2025-10-08 09:15:00.5+00');
    check_name := 'partial day via rows';
    result := CASE WHEN r = plain_analytics_json('org_mh', 'last_day', '2025-10-08 09:15:00.5+00')
                   THEN 'equal, total ' || (r #>> '{data,day_metrics,total}') ELSE 'DIFFERENT' END;
    RETURN NEXT;
    -- a window cutting the hour in two
    check_name := 'half hour';
    result := CASE WHEN webhook_analytics_json_between('org_mh', '2025-10-07 14:29:59.9995+00', '2025-10-07 15:00+00', 'webhook_mh_3')
                        = plain_analytics_json_between('org_mh', '2025-10-07 14:29:59.9995+00', '2025-10-07 15:00+00', 'webhook_mh_3')
                   THEN 'equal' ELSE 'DIFFERENT' END;
    RETURN NEXT;
    check_name := 'hourly series';
    result := CASE WHEN (SELECT array_agg(h ORDER BY h.hour) FROM webhook_hourly_metrics('org_mh', '2025-10-07 00:00+00', '2025-10-08 00:00+00') h)
                        IS NOT DISTINCT FROM
                        (SELECT array_agg(h ORDER BY h.hour) FROM plain_hourly_metrics('org_mh', '2025-10-07 00:00+00', '2025-10-08 00:00+00') h)
                   THEN 'equal' ELSE 'DIFFERENT' END;
    RETURN NEXT;
    check_name := 'daily series';
    result := CASE WHEN (SELECT array_agg(d ORDER BY d.day) FROM webhook_day_metrics('org_mh', '2025-10-06 00:00+00', '2025-10-09 00:00+00') d)
                        IS NOT DISTINCT FROM
                        (SELECT array_agg(d ORDER BY d.day) FROM plain_day_metrics('org_mh', '2025-10-06 00:00+00', '2025-10-09 00:00+00') d)
                   THEN 'equal' ELSE 'DIFFERENT' END;
    RETURN NEXT;
    check_name := 'latency aggregate';
    result := (SELECT CASE WHEN ((a.l).min, (a.l).max, (a.l).avg, (a.l).p50, (a.l).p90, (a.l).p95, (a.l).p99)
                                IS NOT DISTINCT FROM (p.mn, p.mx, p.av, p.pc[1], p.pc[2], p.pc[3], p.pc[4])
                           THEN 'equal, p99 ' || (a.l).p99 ELSE 'DIFFERENT' END
               FROM (SELECT webhook_latency_percentiles((extract(epoch FROM first_sent_at - created_at) * 1000)::float8) AS l
                     FROM webhook_events WHERE organization_id = 'org_mh') a,
                    (SELECT min(v) mn, max(v) mx, avg(v) av,
                            percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY v) pc
                     FROM (SELECT (extract(epoch FROM first_sent_at - created_at) * 1000)::float8 AS v
                           FROM webhook_events WHERE organization_id = 'org_mh') x) p);
    RETURN NEXT;
END $$;

SELECT * FROM million_hour_checks();

-- Retries and deletes over a large share of the hour, in one statement each.
-- Rows are picked by their place in the insert (id - first id = i - 1), not
-- by id, so the result does not depend on which tests ran before.
SELECT min(id) AS mh_first FROM webhook_events WHERE organization_id = 'org_mh' \gset
UPDATE webhook_events SET response_status = 200, done = 1, retries = retries + 1,
       first_sent_at = coalesce(first_sent_at, created_at + interval '3 ms')
WHERE organization_id = 'org_mh' AND (id - :mh_first) % 3 = 0;
DELETE FROM webhook_events WHERE organization_id = 'org_mh' AND (id - :mh_first) % 10 = 1;
SELECT * FROM million_hour_checks();

DROP FUNCTION million_hour_checks();
DELETE FROM webhook_events WHERE organization_id IN ('org_mh', 'org_mh_other');
\i test/teardown.sql
