-- corrupt_summaries: the summary decoder reads bytes from a table, so it must
-- survive any bytes there. A valid stored summary, its day (state), its
-- hours and its slices, is truncated at every length, has bytes flipped and
-- is replaced by random bytes (each inside a rolled-back subtransaction);
-- every call, over whole days, over a window that ends inside days (which
-- reads the hours), and a 5-minute series (which reads the slices), and a
-- write that merges the day, must answer or fail with a clean error, never
-- crash the server.
\i test/setup.sql
SET TimeZone = 'UTC';
SELECT pg_postmaster_start_time() AS started \gset

INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_cs_' || (i % 3), 'org_cs', 'https://cs.example/' || (i % 4), 'cs.' || (i % 5),
       (ARRAY[200, 500, NULL])[i % 3 + 1], CASE WHEN i % 3 = 2 THEN '{"e": 1}'::jsonb END,
       i % 2, '2025-10-01 00:00+00'::timestamptz + i * interval '7 minutes',
       '2025-10-01 00:00+00'::timestamptz + i * interval '7 minutes' + i * interval '1 ms',
       i, i % 2
FROM generate_series(0, 180) i;
SELECT webhook_summaries_compact() >= 0 AS compacted;
SELECT count(*) AS summary_rows, min(length(state)) > 100 AS sizeable,
       min(length(hours)) > 100 AS sizeable_hours, min(length(slices)) > 100 AS sizeable_slices
FROM webhook_event_summaries WHERE organization_id = 'org_cs';

CREATE TEMP TABLE corrupt_results (kind text, state text);

-- outcome_of stores bad as one value of an organization's summary and makes
-- every call on it (whole days, a window ending inside days, hours, a
-- 5-minute series, a write merging the day), all rolled back: 'ok' or the
-- SQLSTATE of the first error.
CREATE FUNCTION pg_temp.outcome_of(org text, col text, bad bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE webhook_event_summaries SET %I = $1 WHERE organization_id = $2', col)
      USING bad, org;
    PERFORM webhook_analytics_json_between(org, '2025-10-01 00:00+00', '2025-10-03 00:00+00', NULL, 50, 5);
    PERFORM webhook_analytics_json_between(org, '2025-10-01 05:17+00', '2025-10-02 19:40+00', NULL, 50, 5);
    PERFORM count(*) FROM webhook_hourly_metrics(org, '2025-10-01 00:00+00', '2025-10-03 00:00+00');
    PERFORM count(*) FROM webhook_metrics_series(org, '2025-10-01 05:17+00', '2025-10-02 19:40+00', '5 minutes');
    INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at)
    VALUES ('webhook_cs_0', org, 'https://cs.example/0', 'cs.0', '2025-10-01 12:00+00');
    PERFORM webhook_summaries_compact();
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'roll back';
EXCEPTION WHEN OTHERS THEN
    RETURN CASE WHEN SQLSTATE = 'P0001' THEN 'ok' ELSE SQLSTATE END;
END
$$;

DO $corrupt$
DECLARE
    col text;
    good bytea;
    bad bytea;
    kind text;
    outcome text;
    pos integer;
BEGIN
    PERFORM setseed(0.5);
    FOREACH col IN ARRAY ARRAY['state', 'hours', 'slices'] LOOP
    EXECUTE format('SELECT %I FROM webhook_event_summaries WHERE organization_id = ''org_cs'' LIMIT 1', col)
      INTO STRICT good;
    FOR i IN 0 .. length(good) + 400 LOOP
        IF i < length(good) THEN
            kind := 'truncated';
            bad := substring(good FROM 1 FOR i);
        ELSIF i < length(good) + 300 THEN
            kind := 'flipped';
            bad := good;
            FOR k IN 1 .. 1 + floor(random() * 3)::int LOOP
                pos := floor(random() * length(good))::int;
                bad := set_byte(bad, pos, floor(random() * 256)::int);
            END LOOP;
        ELSE
            kind := 'random';
            SELECT string_agg(lpad(to_hex(floor(random() * 256)::int), 2, '0'), '')
              INTO STRICT outcome FROM generate_series(1, 1 + floor(random() * 200)::int);
            bad := decode(outcome, 'hex');
        END IF;
        INSERT INTO corrupt_results VALUES (col || ' ' || kind, pg_temp.outcome_of('org_cs', col, bad));
    END LOOP;
    END LOOP;
END
$corrupt$;

-- Summaries that decode cleanly but whose counts no set of rows could give
-- (an hour below zero, more successes than deliveries, an event or latency
-- counted below zero) are corrupt too: XX001 with the rebuild hint.
-- crafted_outcome stores bad as one value of an organization's summary and
-- reads whole days, their hours and a 5-minute series: 'ok' or the error.
CREATE FUNCTION pg_temp.crafted_outcome(org text, col text, bad bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE webhook_event_summaries SET %I = $1 WHERE organization_id = $2', col)
      USING bad, org;
    PERFORM webhook_analytics_json_between(org, '2025-10-01 00:00+00', '2025-10-03 00:00+00', NULL, 50, 5);
    PERFORM count(*) FROM webhook_hourly_metrics(org, '2025-10-01 00:00+00', '2025-10-03 00:00+00');
    PERFORM count(*) FROM webhook_metrics_series(org, '2025-10-01 00:00+00', '2025-10-03 00:00+00', '5 minutes');
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN CASE WHEN SQLSTATE = 'P0001' THEN 'ok' ELSE SQLSTATE || ': ' || SQLERRM END;
END
$$;
SELECT crafted, pg_temp.crafted_outcome('org_cs', 'state', state) AS outcome
FROM (VALUES
    -- one webhook "w": no hours, no counts, latency 1 ms counted -5, 2 ms +3
    ('latency count below zero', '\x02010177080000000202090206'::bytea),
    -- hour 5 with total -1
    ('hour total below zero',    '\x020101770c010501000000000000000000'),
    -- hour 5 with total 1 and success 2
    ('more successes than rows', '\x020101770c010502040000000000000000'),
    -- event "e" counted -2
    ('event count below zero',   '\x020101770700010265030000')
) AS c(crafted, state);

-- The same for slices: slice 5 with total -1, and with total 1 and 2 pending.
SELECT crafted, pg_temp.crafted_outcome('org_cs', 'slices', slices) AS outcome
FROM (VALUES
    ('slice total below zero',   '\x030001050a01000000000000000000'::bytea),
    ('more pending than rows',   '\x030001050a02000004000000000000'),
    ('slices out of order',      '\x0300020a0a02000000000000000000050a02000000000000000000'),
    ('slice beyond the day',     '\x030001a0020a02000000000000000000'),
    ('a valid slice',            '\x030001050a02020000000000000000')
) AS c(crafted, slices);

-- A small delta's day value holds no day's detail (flag 2): its state too
-- truncated at every length and with bytes flipped, read over whole days
-- (which then read its hours) and merged by a write; and crafted: flag 2
-- with a day's detail after the hours (trailing bytes), flag 2 on an hours
-- value (which never has it).
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at,
                            first_sent_at, done)
VALUES ('webhook_cs_small', 'org_cs_small', 'https://cs.example/s', 'cs.s', 503,
        '2025-10-01 03:10+00', '2025-10-01 03:10:00.070+00', 1),
       ('webhook_cs_small', 'org_cs_small', 'https://cs.example/s', 'cs.t', 200,
        '2025-10-01 17:50+00', '2025-10-01 17:50:00.130+00', 1);
SELECT count(*) AS small_rows, min(get_byte(state, 1)) AS small_flags
FROM webhook_event_summaries WHERE organization_id = 'org_cs_small';
DO $small$
DECLARE
    good bytea := (SELECT state FROM webhook_event_summaries WHERE organization_id = 'org_cs_small');
    bad bytea;
BEGIN
    PERFORM setseed(0.25);
    FOR i IN 0 .. length(good) + 200 LOOP
        bad := CASE WHEN i < length(good) THEN substring(good FROM 1 FOR i)
                    ELSE set_byte(good, floor(random() * length(good))::int, floor(random() * 256)::int) END;
        INSERT INTO corrupt_results
        VALUES (CASE WHEN i < length(good) THEN 'small delta state truncated' ELSE 'small delta state flipped' END,
                pg_temp.outcome_of('org_cs_small', 'state', bad));
    END LOOP;
END
$small$;
SELECT crafted, pg_temp.crafted_outcome('org_cs_small', col, value) AS outcome
FROM (VALUES
    -- one webhook "w", no hours, then an empty day's detail it may not have
    ('flag 2 with a day detail', 'state', '\x030201027706000000000000'::bytea),
    ('flag 2 without it',        'state', '\x03020102770100'::bytea),
    ('flag 2 on the hours',      'hours', '\x030201027700'::bytea)
) AS c(crafted, col, value);

-- What came back: answers, or "corrupt whanalytics summary" (XX001).
SELECT kind, count(*) AS calls, array_agg(DISTINCT state ORDER BY state) AS outcomes
FROM corrupt_results GROUP BY kind ORDER BY kind;
SELECT webhook_analytics_json_between('org_cs', '2025-10-01 00:00+00', '2025-10-03 00:00+00')
         = plain_analytics_json_between('org_cs', '2025-10-01 00:00+00', '2025-10-03 00:00+00') AS intact_again;
SELECT pg_postmaster_start_time() = :'started' AS same_server;
\i test/teardown.sql
