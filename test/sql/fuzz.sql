-- fuzz: thousands of calls of every function (webhook_metrics_series with
-- hostile bucket widths and group_by, webhook_analytics_request with random
-- queries of every JSON type, too) with random and hostile
-- arguments (huge and odd text, NULLs, every period spelling and near
-- misses, extreme and infinite timestamps, extreme integers, SQL fragments,
-- include arrays of every shape: NULL elements, unknown and near-miss names,
-- huge ones, many repeats, two dimensions, other lower bounds); the
-- states of SPEC section 7 made with such arguments and answered, and
-- hostile bytes of both state types (random, a real state with a byte
-- changed, cut or lengthened), which may only be 22P02 or be answered.
-- Only documented errors may come back, no other organization's rows, and
-- the server must be the same at the end (no crash, no restart).
\i test/setup.sql
SET TimeZone = 'UTC';
SELECT pg_postmaster_start_time() AS started \gset

INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at, first_sent_at)
SELECT 'webhook_fuzz', 'org_fuzz', 'https://fuzz', 'fuzz.event', 200 + i % 300,
       '2025-09-01 00:00+00'::timestamptz + i * interval '17 minutes',
       '2025-09-01 00:00+00'::timestamptz + i * interval '17 minutes' + i * interval '3 ms'
FROM generate_series(1, 500) i;

CREATE TEMP TABLE fuzz_results (fn text, state text, leaked boolean);

DO $fuzz$
DECLARE
    texts text[] := ARRAY[
        NULL, '', ' ', 'org_fuzz', 'ORG_FUZZ', 'org_fuzz ', 'org_%', '%', '_', 'org_fuzz''; DROP TABLE webhook_events; --',
        E'org\\fuzz', '"org_fuzz"', 'org_fuzz' || chr(8203), repeat('x', 100000), repeat('é', 5000),
        'last_day', 'last_7_days', 'last_30_days', 'last_90_days', 'last_365_days',
        'prev_last_day', 'prev_last_7_days', 'prev_last_30_days', 'prev_last_90_days', 'prev_last_365_days',
        'LAST_DAY', 'last_day ', 'last_2_days', 'prev_', 'prev_prev_last_day', 'last_day; SELECT 1',
        '1=1 OR TRUE', E'\\x00', '$$', 'webhook_fuzz', 'null', '{}', '[]', chr(127) || chr(1) || chr(31)];
    stamps timestamptz[] := ARRAY[
        NULL, 'infinity', '-infinity', '4713-11-24 00:00:00+00 BC', '4713-11-25 00:00:00+00 BC',
        '294276-12-31 23:59:59.999999+00', '0001-01-01 00:00+00', '1970-01-01 00:00+00',
        '2000-01-01 00:00+00', '2025-09-01 00:00+00', '2025-09-03 12:34:56.789+00',
        '2025-09-06 00:00+00', '2025-09-10 00:00:00.000001+00', '2100-01-01 00:00+00'];
    ints integer[] := ARRAY[NULL, -2147483648, -1000, -1, 0, 1, 5, 10, 999, 1000, 1001, 2147483647];
    includes text[] := ARRAY[NULL, '{}', '{previous,status_codes,latency_breakdown,retries,webhooks}',
        '{previous}', '{webhooks,webhooks}', '{NULL}', '{nope}', '{"",previous}', '{PREVIOUS}',
        '{retries,NULL}', '{{previous,retries},{webhooks,status_codes}}', '[5:6]={previous,retries}',
        '{"previous; DROP TABLE webhook_events"}'];
    include text[];
    buckets interval[] := ARRAY[NULL, '1 second', '0.5 seconds', '0', '-1 hour', '5 minutes', '90 minutes',
        '1 hour', '7 days', '1 mon', '1 year', '100000 days', '2147483647 days', '1 day -23 hours'];
    groups text[] := ARRAY[NULL, 'webhook', 'event', 'url', 'status', 'status_class', '', 'WEBHOOK',
        'webhook ', 'status_class; DROP TABLE webhook_events', repeat('x', 100000)];
    allowed text[] := ARRAY['22023', '22004'];
    r jsonb;
    n bigint;
    total bigint;
    org text;
    state text;
    i integer;
    good_state bytea;
    good_latency bytea;
    bytes bytea;
BEGIN
    PERFORM setseed(0.25);
    good_state := decode(substr(webhook_analytics_state('org_fuzz', '2025-09-01 03:00+00', '2025-09-02 05:30+00',
                                                        NULL, 3)::text, 3), 'hex');
    good_latency := decode(substr((SELECT webhook_latency_state_agg(g % 7) FROM generate_series(1, 300) g)::text,
                                  3), 'hex');
    FOR i IN 1..4000 LOOP
        org := texts[1 + floor(random() * array_length(texts, 1))::int];
        include := CASE floor(random() * 16)::int
                       WHEN 0 THEN array_fill('retries'::text, ARRAY[10000])
                       WHEN 1 THEN ARRAY[repeat('previous', 20000)]
                       ELSE includes[1 + floor(random() * array_length(includes, 1))::int]::text[] END;
        BEGIN
            state := 'ok';
            CASE i % 8
                WHEN 7 THEN
                    -- hostile bytes: random, or a real state changed, cut or lengthened; answered when read
                    bytes := CASE WHEN i % 16 = 7 THEN good_state ELSE good_latency END;
                    bytes := CASE floor(random() * 4)::int
                                 WHEN 0 THEN decode(md5(random()::text) || md5(random()::text), 'hex')
                                 WHEN 1 THEN set_byte(bytes, floor(random() * length(bytes))::int,
                                                      floor(random() * 256)::int)
                                 WHEN 2 THEN substr(bytes, 1, floor(random() * length(bytes))::int)
                                 ELSE bytes || decode(md5(random()::text), 'hex') END;
                    IF i % 16 = 7 THEN
                        r := webhook_analytics_json(('\x' || encode(bytes, 'hex'))::webhook_analytics_state,
                                                    5, 3, include);
                    ELSE
                        PERFORM webhook_latency_from_state(('\x' || encode(bytes, 'hex'))::webhook_latency_state);
                    END IF;
                    r := NULL;
                WHEN 6 THEN
                    -- a state made with hostile arguments, answered with others
                    r := webhook_analytics_json(webhook_analytics_state(org,
                            stamps[1 + floor(random() * array_length(stamps, 1))::int],
                            stamps[1 + floor(random() * array_length(stamps, 1))::int],
                            texts[1 + floor(random() * array_length(texts, 1))::int],
                            ints[1 + floor(random() * array_length(ints, 1))::int]),
                            ints[1 + floor(random() * array_length(ints, 1))::int],
                            ints[1 + floor(random() * array_length(ints, 1))::int],
                            include);
                WHEN 5 THEN
                    -- the request: a random query of known and unknown keys, values of every JSON type
                    r := webhook_analytics_request(org, (
                        SELECT jsonb_object_agg(k, v) FROM (
                            SELECT (ARRAY['period', 'as_of', 'from', 'to', 'webhook_id', 'top_n', 'last_n',
                                          'include', 'x', ''])[1 + floor(random() * 10)::int] AS k,
                                   (ARRAY['null', '"last_day"', '"last_7_days"', '5', '"5"', '-1', '1e400', 'true',
                                          '"2025-09-02T00:00:00Z"', '"2025-09-05T12:00:00+02:00"', '"previous,retries"',
                                          '["webhooks", "status_codes"]', '[[{}]]', '{"a": [1]}',
                                          to_jsonb(repeat('x', 100000)), '""'])[1 + floor(random() * 16)::int]::jsonb AS v
                            FROM generate_series(1, floor(random() * 5)::int)) kv
                        WHERE k IS NOT NULL));
                    IF r IS NOT NULL AND r ->> 'status' NOT IN ('200', '400') THEN
                        RAISE NOTICE 'request % answered status %', i, r ->> 'status';
                    END IF;
                WHEN 4 THEN
                    -- the any-bucket series: windows of at most 9 days, any bucket and group_by
                    SELECT count(*), coalesce(sum(s.total), 0) INTO n, total
                    FROM webhook_metrics_series(org,
                            stamps[10 + floor(random() * 4)::int], stamps[10 + floor(random() * 4)::int],
                            buckets[1 + floor(random() * array_length(buckets, 1))::int],
                            groups[1 + floor(random() * array_length(groups, 1))::int],
                            texts[1 + floor(random() * array_length(texts, 1))::int]) s;
                    r := CASE WHEN total > 0 THEN jsonb_build_object('data', jsonb_build_object('day_metrics',
                                  jsonb_build_object('total', total))) END;
                WHEN 0 THEN
                    r := webhook_analytics_json(org,
                            texts[1 + floor(random() * array_length(texts, 1))::int],
                            stamps[1 + floor(random() * array_length(stamps, 1))::int],
                            texts[1 + floor(random() * array_length(texts, 1))::int],
                            ints[1 + floor(random() * array_length(ints, 1))::int],
                            ints[1 + floor(random() * array_length(ints, 1))::int],
                            include);
                WHEN 1 THEN
                    r := webhook_analytics_json_between(org,
                            stamps[1 + floor(random() * array_length(stamps, 1))::int],
                            stamps[1 + floor(random() * array_length(stamps, 1))::int],
                            texts[1 + floor(random() * array_length(texts, 1))::int],
                            ints[1 + floor(random() * array_length(ints, 1))::int],
                            ints[1 + floor(random() * array_length(ints, 1))::int],
                            include);
                WHEN 2 THEN
                    -- series: windows of at most 30 days (a longer one is a longer series)
                    SELECT count(*) INTO n FROM webhook_day_metrics(org,
                            stamps[10 + floor(random() * 4)::int], stamps[10 + floor(random() * 4)::int],
                            texts[1 + floor(random() * array_length(texts, 1))::int]);
                    r := NULL;
                ELSE
                    SELECT count(*) INTO n FROM webhook_hourly_metrics(org,
                            stamps[10 + floor(random() * 4)::int], stamps[10 + floor(random() * 4)::int],
                            texts[1 + floor(random() * array_length(texts, 1))::int]);
                    r := NULL;
            END CASE;
        EXCEPTION WHEN OTHERS THEN
            state := SQLSTATE;
            r := NULL;
        END;
        INSERT INTO fuzz_results VALUES (
            (ARRAY['json', 'json_between', 'day_metrics', 'hourly_metrics', 'metrics_series', 'request',
                   'state', 'state_bytes'])[i % 8 + 1],
            state,
            -- a response for anything but org_fuzz must count nothing, in no part
            coalesce(org IS DISTINCT FROM 'org_fuzz'
                     AND ((r #>> '{data,day_metrics,total}')::int > 0
                          OR (r #>> '{data,previous,day_metrics,total}')::int > 0
                          OR jsonb_array_length(coalesce(r #> '{data,status_codes}', '[]')) > 0
                          OR jsonb_array_length(coalesce(r #> '{data,webhooks}', '[]')) > 0), false));
        IF state NOT IN ('ok', '22023', '22004') AND NOT (i % 8 = 7 AND state = '22P02') THEN
            RAISE NOTICE 'undocumented error % for call % (org %)', state, i, left(org, 40);
        END IF;
    END LOOP;
END
$fuzz$;

-- Calls per function and what came back: only documented SQLSTATEs.
SELECT fn, count(*) AS calls, array_agg(DISTINCT state ORDER BY state) AS outcomes,
       bool_and(state IN ('ok', '22023', '22004') OR (fn = 'state_bytes' AND state = '22P02')) AS only_documented,
       count(*) FILTER (WHERE leaked) AS leaked
FROM fuzz_results GROUP BY fn ORDER BY fn;

-- Nothing changed, and the server never restarted.
SELECT count(*) AS fuzz_rows FROM webhook_events WHERE organization_id = 'org_fuzz';
SELECT pg_postmaster_start_time() = :'started' AS same_server;
\i test/teardown.sql
