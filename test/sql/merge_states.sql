-- merge_states: the states of SPEC section 7 and their law. The rows of
-- webhook_events and webhooks are split by id over three "databases"
-- (schemas shard_1..3, read through whanalytics.events_table and
-- webhooks_table; two of them summarized, one read as rows); the merge of
-- the three states must equal webhook_analytics_json_between over all rows
-- and the plain-SQL oracle, for every top_n and last_n, with every part of
-- include, for one webhook, an empty organization, after writes of every
-- kind and a compaction, for a tenant under RLS, and platform-wide (the
-- oracle then reads a view mapping every organization to one). Then the
-- laws of merging (any order, any grouping, NULLs), text and binary round
-- trips, the latency state against webhook_latency_percentiles (also in a
-- parallel plan), and malformed input (22P02) and misuse (22023).
\i test/setup.sql
SET TimeZone = 'UTC';

CREATE FUNCTION all_parts() RETURNS text[] LANGUAGE sql IMMUTABLE AS
$$ SELECT '{previous,status_codes,latency_breakdown,retries,webhooks}'::text[] $$;

-- 1. The deliveries: two organizations, three webhooks and a NULL-free
-- mix of statuses, latencies on the breakdown's bounds, done values other
-- than 0 and 1, rows sharing created_at (ties in last_events), payloads
-- whose JSON numbers keep their formatting, text beyond ASCII.
INSERT INTO webhook_events (id, organization_id, webhook_id, url, event, resource_id, payload,
                            response_status, response_body, error, retries,
                            created_at, first_sent_at, delay_ms, done)
SELECT i, CASE WHEN i % 5 = 0 THEN 'org_ms_b' ELSE 'org_ms' END, 'wh_' || (i % 3),
       'https://ms.example/' || (i % 4), 'ms.' || (i % 7), CASE WHEN i % 2 = 0 THEN 'res_' || i END,
       CASE WHEN i % 3 = 0 THEN jsonb_build_object('amount', 3941.00 + i, 'note', 'caf' || chr(233))
            WHEN i % 3 = 1 THEN '[1.50, "x", null, {"a": {}}]'::jsonb END,
       (ARRAY[200, 201, 299, 404, 500, 599, NULL, 99, 300, 0])[i % 10 + 1],
       CASE WHEN i % 4 = 0 THEN 'ok ' || chr(8364) END,
       CASE WHEN i % 11 = 0 THEN '{"e": 1}'::jsonb WHEN i % 13 = 0 THEN 'null'::jsonb END,
       i % 4,
       timestamptz '2025-09-01 00:00+00' + (i / 2) * interval '3 minutes 7 seconds',
       timestamptz '2025-09-01 00:00+00' + (i / 2) * interval '3 minutes 7 seconds'
           + (ARRAY[99, 100, 499, 500, 999, 1000, 99.5, 0.5, -20, 1499.5, 7])[i % 11 + 1] * interval '1 ms',
       CASE WHEN i % 9 = 0 THEN NULL ELSE i % 50 END,
       (ARRAY[0, 1, 2, -1])[i % 4 + 1]
FROM generate_series(1, 1800) i;
INSERT INTO webhooks (id, organization_id, url, events)
SELECT CASE org WHEN 'org_ms' THEN 'wh_' ELSE 'whb_' END || i, org, 'https://ms.example/' || i,
       (ARRAY['ms.1', 'ms.2'])[1:i % 3]
FROM generate_series(0, 3) i, (VALUES ('org_ms'), ('org_ms_b')) o(org);

-- The shards: rows by id % 3, webhooks by their position.
DO $$
BEGIN
    FOR k IN 1..3 LOOP
        EXECUTE format('CREATE SCHEMA shard_%s', k);
        EXECUTE format('CREATE TABLE shard_%s.webhook_events (LIKE public.webhook_events INCLUDING DEFAULTS INCLUDING INDEXES)', k);
        EXECUTE format('CREATE TABLE shard_%s.webhooks (LIKE public.webhooks INCLUDING ALL)', k);
        EXECUTE format('INSERT INTO shard_%s.webhook_events SELECT * FROM public.webhook_events WHERE id %% 3 = %s', k, k - 1);
        EXECUTE format('INSERT INTO shard_%s.webhooks SELECT id, organization_id, label, url, description, enabled, events, created_at, updated_at FROM (SELECT w.*, row_number() OVER (ORDER BY id, organization_id) AS n FROM public.webhooks w) w WHERE n %% 3 = %s', k, k - 1);
    END LOOP;
END $$;
SELECT webhook_summaries_attach('shard_1.webhook_events') AS shard_1_summarized,
       webhook_summaries_attach('shard_2.webhook_events') AS shard_2_summarized;
SELECT k, (SELECT count(*) FROM public.webhook_events WHERE id % 3 = k - 1) AS deliveries
FROM generate_series(1, 3) k;

-- shard_state(k, ...): the state of shard k, as that database would make it.
CREATE FUNCTION shard_state(k integer, org text, f timestamptz, t timestamptz, w text DEFAULT NULL,
                            l integer DEFAULT 10) RETURNS webhook_analytics_state
LANGUAGE plpgsql AS $$
DECLARE
    events text := current_setting('whanalytics.events_table');
    hooks text := current_setting('whanalytics.webhooks_table');
    s webhook_analytics_state;
BEGIN
    PERFORM set_config('whanalytics.events_table', format('shard_%s.webhook_events', k), true);
    PERFORM set_config('whanalytics.webhooks_table', format('shard_%s.webhooks', k), true);
    s := webhook_analytics_state(org, f, t, w, l);
    PERFORM set_config('whanalytics.events_table', events, true);
    PERFORM set_config('whanalytics.webhooks_table', hooks, true);
    RETURN s;
END $$;

-- law_holds: the merge of the three shards' states, and one state of all
-- rows, against json_between over all rows for top_n 0, 1, 2, 5, 50 and
-- last_n 0, 1, 10 (without and with every part), and against the oracle.
CREATE FUNCTION law_holds(org text, f timestamptz, t timestamptz, w text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    merged webhook_analytics_state;
    whole webhook_analytics_state;
    tn integer;
    ln integer;
    part integer;
    inc text[];
    want jsonb;
BEGIN
    SELECT webhook_analytics_merge(shard_state(k, org, f, t, w)) INTO merged FROM generate_series(1, 3) k;
    whole := webhook_analytics_state(org, f, t, w);
    FOREACH tn IN ARRAY ARRAY[0, 1, 2, 5, 50] LOOP
        FOREACH ln IN ARRAY ARRAY[0, 1, 10] LOOP
            FOREACH part IN ARRAY ARRAY[0, 1] LOOP
                inc := CASE part WHEN 0 THEN '{}' ELSE all_parts() END;
                want := webhook_analytics_json_between(org, f, t, w, tn, ln, inc);
                IF webhook_analytics_json(merged, tn, ln, inc) IS DISTINCT FROM want THEN
                    RETURN format('merged differs (top_n %s, last_n %s, include %s) in [%s]', tn, ln, inc,
                                  json_diff(webhook_analytics_json(merged, tn, ln, inc), want));
                END IF;
                IF webhook_analytics_json(whole, tn, ln, inc) IS DISTINCT FROM want THEN
                    RETURN format('one state differs (top_n %s, last_n %s, include %s)', tn, ln, inc);
                END IF;
            END LOOP;
        END LOOP;
    END LOOP;
    want := plain_analytics_json_between(org, f, t, w, 50, 10);
    IF webhook_analytics_json(merged, 50, 10) IS DISTINCT FROM want THEN
        RETURN format('oracle differs in [%s]', json_diff(webhook_analytics_json(merged, 50, 10), want));
    END IF;
    RETURN 'agree';
END $$;

-- 2. The law, per organization: whole days, partial hours at both edges,
-- on an hour boundary and one microsecond either side, one webhook, a
-- webhook without rows, an empty window, the empty organization.
SELECT org, f, t, w, law_holds(org, f, t, w) AS law
FROM (VALUES ('org_ms', '2025-09-01 00:00+00'::timestamptz, '2025-09-03 00:00+00'::timestamptz, NULL::text),
             ('org_ms', '2025-09-01 05:10:03+00', '2025-09-02 17:59:59.999999+00', NULL),
             ('org_ms', '2025-09-01 06:00:00+00', '2025-09-01 07:00:00.000001+00', NULL),
             ('org_ms', '2025-09-01 05:59:59.999999+00', '2025-09-01 06:00:00.000001+00', NULL),
             ('org_ms', '2025-08-25 00:00+00', '2025-09-25 00:00+00', 'wh_1'),
             ('org_ms', '2025-09-01 03:00+00', '2025-09-02 21:30+00', 'wh_none'),
             ('org_ms', '2025-10-01 00:00+00', '2025-10-02 00:00+00', NULL),
             ('org_ms_b', '2025-09-01 00:00+00', '2025-09-02 12:34:56+00', NULL),
             ('org_ms_none', '2025-09-01 00:00+00', '2025-09-03 00:00+00', NULL)) v(org, f, t, w);

-- What a merged response looks like (the parts beyond the seed's).
SELECT jsonb_pretty(webhook_analytics_json(webhook_analytics_merge(shard_state(k, 'org_ms', '2025-09-01 10:00+00', '2025-09-01 14:00+00')),
                                           2, 2, '{previous,status_codes}') -> 'data' -> 'previous')
FROM generate_series(1, 3) k;

-- 2b. After writes of every kind, made alike on all the rows and on the
-- shards (two of which keep summaries, now with deltas): an hour's rows
-- deleted, rows retried (status, done, first_sent_at) and moved to another
-- webhook, event and hour, new rows (ties in created_at among them), and
-- a compaction; the law holds again.
CREATE FUNCTION write_everywhere(statement text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(statement, 'public.webhook_events');
    FOR k IN 1..3 LOOP
        EXECUTE format(statement, format('shard_%s.webhook_events', k));
    END LOOP;
END $$;
SELECT write_everywhere($$DELETE FROM %s WHERE organization_id = 'org_ms'
                          AND created_at >= '2025-09-01 08:00+00' AND created_at < '2025-09-01 09:00+00'$$);
SELECT write_everywhere($$UPDATE %s SET response_status = 200, done = 1, retries = retries + 1,
                              first_sent_at = coalesce(first_sent_at, created_at + interval '250 ms')
                          WHERE id %% 17 = 3$$);
SELECT write_everywhere($$UPDATE %s SET webhook_id = 'wh_moved', event = 'ms.moved',
                              created_at = created_at + interval '1 hour'
                          WHERE id %% 29 = 5$$);
INSERT INTO webhook_events (id, organization_id, webhook_id, url, event, response_status, retries,
                            created_at, first_sent_at, delay_ms, done)
SELECT i, 'org_ms', 'wh_' || (i % 4), 'https://ms.example/new', 'ms.new', (ARRAY[200, 503])[i % 2 + 1], i % 2,
       timestamptz '2025-09-02 10:00:00+00' + (i / 3) * interval '1 second',
       timestamptz '2025-09-02 10:00:00.5+00' + (i / 3) * interval '1 second', i % 10, i % 2
FROM generate_series(5001, 5030) i;
DO $$
BEGIN
    FOR k IN 1..3 LOOP
        EXECUTE format('INSERT INTO shard_%s.webhook_events SELECT * FROM public.webhook_events WHERE id > 5000 AND id %% 3 = %s', k, k - 1);
    END LOOP;
END $$;
SELECT count(*) FILTER (WHERE webhook_id = 'wh_moved') AS moved, count(*) FILTER (WHERE id > 5000) AS added,
       count(*) FILTER (WHERE organization_id = 'org_ms' AND created_at >= '2025-09-01 08:00+00'
                        AND created_at < '2025-09-01 09:00+00') AS left_in_deleted_hour
FROM webhook_events;
SELECT (SELECT count(*) FROM webhook_event_summaries WHERE events = 'shard_1.webhook_events'::regclass) >
       (SELECT count(DISTINCT (organization_id, day)) FROM webhook_event_summaries
        WHERE events = 'shard_1.webhook_events'::regclass) AS shard_1_has_deltas;
SELECT org, f, t, w, law_holds(org, f, t, w) AS law_after_writes
FROM (VALUES ('org_ms', '2025-09-01 00:00+00'::timestamptz, '2025-09-03 00:00+00'::timestamptz, NULL::text),
             ('org_ms', '2025-09-01 07:30:00+00', '2025-09-02 10:00:05.000001+00', NULL),
             ('org_ms', '2025-09-01 00:00+00', '2025-09-03 00:00+00', 'wh_moved'),
             ('org_ms_b', '2025-09-01 00:00+00', '2025-09-03 00:00+00', NULL)) v(org, f, t, w);
SELECT webhook_summaries_compact() >= 0 AS compacted;
SELECT law_holds('org_ms', '2025-09-01 07:30:00+00', '2025-09-02 10:00:05.000001+00') AS law_after_compaction;

-- 3. Platform-wide: every organization's state on every shard merged
-- against the oracle over a view that maps each organization to one.
CREATE SCHEMA platform;
CREATE VIEW platform.webhook_events AS
    SELECT id, webhook_id, 'org_all'::text AS organization_id, url, event, resource_id, payload,
           response_status, response_body, error, retries, created_at, updated_at, first_sent_at,
           delay_ms, done
    FROM public.webhook_events;
CREATE VIEW platform.webhooks AS
    SELECT id || '/' || organization_id AS id, 'org_all'::text AS organization_id, label, url, description,
           enabled, events, created_at, updated_at
    FROM public.webhooks;
CREATE FUNCTION platform_state(f timestamptz, t timestamptz, l integer) RETURNS webhook_analytics_state
LANGUAGE sql AS $$
    SELECT webhook_analytics_merge(shard_state(k, o, f, t, NULL, l))
    FROM generate_series(1, 3) k, (VALUES ('org_ms'), ('org_ms_b'), ('org_ms_none')) v(o)
$$;
SET search_path = platform, public;
CREATE FUNCTION as_one_organization(response jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_set(response, '{data,last_events}',
                     COALESCE((SELECT jsonb_agg(e || '{"organization_id": "org_all"}' ORDER BY n)
                               FROM jsonb_array_elements(response -> 'data' -> 'last_events') WITH ORDINALITY l(e, n)),
                              '[]'))
$$;
SELECT f, t,
       json_diff(as_one_organization(webhook_analytics_json(platform_state(f, t, 20), 50, 20)),
                 plain_analytics_json_between('org_all', f, t, NULL, 50, 20)) AS platform_differs_in,
       (SELECT count(DISTINCT e ->> 'organization_id')
        FROM jsonb_array_elements(webhook_analytics_json(platform_state(f, t, 20), 50, 20) -> 'data' -> 'last_events') e)
         AS organizations_in_last_events
FROM (VALUES ('2025-09-01 00:00+00'::timestamptz, '2025-09-03 00:00+00'::timestamptz),
             ('2025-09-01 07:07:07+00', '2025-09-01 19:00:00.000001+00')) v(f, t);
RESET search_path;

-- 4. The laws of merging: any order and grouping, NULLs skipped, nothing
-- merged is NULL; a state's text and binary forms read back to itself.
CREATE TABLE states AS
SELECT k, shard_state(k, 'org_ms', '2025-09-01 03:00+00', '2025-09-02 03:00+00', NULL, 5) AS s
FROM generate_series(1, 3) k;
SELECT (SELECT webhook_analytics_merge(s ORDER BY k) FROM states)::text
         = (SELECT webhook_analytics_merge(s ORDER BY k DESC) FROM states)::text AS commutative,
       (SELECT webhook_analytics_merge(m)
        FROM (SELECT webhook_analytics_merge(s) AS m FROM states WHERE k < 3
              UNION ALL SELECT s FROM states WHERE k = 3) g)::text
         = (SELECT webhook_analytics_merge(m)
            FROM (SELECT s AS m FROM states WHERE k = 1
                  UNION ALL SELECT webhook_analytics_merge(s) FROM states WHERE k > 1) g)::text AS associative,
       (SELECT webhook_analytics_merge(x) FROM (SELECT s AS x FROM states UNION ALL SELECT NULL) n)::text
         = (SELECT webhook_analytics_merge(s) FROM states)::text AS nulls_skipped,
       (SELECT webhook_analytics_merge(s) FROM states WHERE false) IS NULL AS nothing_is_null,
       (SELECT webhook_analytics_merge(NULL::webhook_analytics_state) FROM states) IS NULL AS only_nulls_are_null,
       (SELECT bool_and(s::text::webhook_analytics_state::text = s::text) FROM states) AS text_round_trip;
\copy (SELECT s FROM states ORDER BY k) TO 'results/merge_states.bin' WITH (FORMAT binary)
CREATE TABLE states_back (s webhook_analytics_state);
\copy states_back FROM 'results/merge_states.bin' WITH (FORMAT binary)
SELECT array_agg(s::text ORDER BY s::text) = (SELECT array_agg(s::text ORDER BY s::text) FROM states)
         AS binary_round_trip
FROM states_back;
-- a state keeps the smaller last_n of what it merged
\x on
SELECT error_of($$SELECT webhook_analytics_json(webhook_analytics_merge(s), 5, 6) FROM states$$) AS last_n_beyond,
       error_of($$SELECT webhook_analytics_json(webhook_analytics_merge(x), 5, 6)
                  FROM (SELECT s AS x FROM states UNION ALL
                        SELECT webhook_analytics_state('org_ms', '2025-09-01 03:00+00', '2025-09-02 03:00+00', NULL, 20)) u$$)
         AS smallest_kept;
SELECT error_of($$SELECT webhook_analytics_merge(x) FROM (SELECT s AS x FROM states UNION ALL
                  SELECT webhook_analytics_state('org_ms', '2025-09-01 03:00+00', '2025-09-02 03:00:01+00')) u$$)
         AS other_window,
       error_of($$SELECT webhook_analytics_merge(x) FROM (SELECT s AS x FROM states UNION ALL
                  SELECT webhook_analytics_state('org_ms', '2025-09-01 03:00+00', '2025-09-02 03:00+00', 'wh_1', 5)) u$$)
         AS other_webhook,
       error_of($$SELECT webhook_analytics_json(webhook_analytics_state('org_ms', '4714-11-24 00:00:00+00 BC', '4714-11-25 00:00:00+00 BC'), 5, 0, '{previous}')$$)
         AS no_window_before,
       webhook_analytics_json(webhook_analytics_state('org_ms', '4714-11-24 00:00:00+00 BC', '4714-11-25 00:00:00+00 BC'), 5, 0)
         = webhook_analytics_json_between('org_ms', '4714-11-24 00:00:00+00 BC', '4714-11-25 00:00:00+00 BC', NULL, 5, 0)
         AS earliest_window,
       webhook_analytics_state(NULL, '2025-09-01', '2025-09-02') IS NULL AS null_organization,
       webhook_analytics_json(NULL::webhook_analytics_state) IS NULL AS null_state,
       error_of($$SELECT webhook_analytics_state('org_ms', '2025-09-02', '2025-09-01')$$) AS reversed_window,
       error_of($$SELECT webhook_analytics_state('org_ms', '2025-09-01', '2025-09-02', NULL, 1001)$$) AS last_n_1001;
\x off

-- 5. The latency state: split three ways and merged (and merged in a
-- parallel plan) equals webhook_latency_percentiles over all values,
-- with NULLs, duplicates, negatives, extremes and NaN; no values merge to
-- the empty state, whose statistics are NULL.
CREATE TABLE latencies AS
SELECT i, CASE WHEN i % 97 = 0 THEN NULL
               WHEN i % 89 = 0 THEN 'NaN'::float8
               WHEN i % 83 = 0 THEN 1e308
               WHEN i % 79 = 0 THEN -0.0
               ELSE (i * 7919 % 2003) / 4.0 - 20 END AS v
FROM generate_series(1, 30000) i;
SELECT (SELECT webhook_latency_from_state(webhook_latency_merge(s))
        FROM (SELECT webhook_latency_state_agg(v) AS s FROM latencies GROUP BY i % 3) g)
         IS NOT DISTINCT FROM (SELECT webhook_latency_percentiles(v) FROM latencies) AS split_three_ways,
       (SELECT webhook_latency_from_state(webhook_latency_state_agg(v)) FROM latencies WHERE i < 40)
         IS NOT DISTINCT FROM (SELECT webhook_latency_percentiles(v) FROM latencies WHERE i < 40) AS few_values,
       (SELECT webhook_latency_from_state(webhook_latency_state_agg(v)) FROM latencies WHERE false)
         IS NOT DISTINCT FROM (SELECT webhook_latency_percentiles(v) FROM latencies WHERE false) AS no_values,
       (SELECT webhook_latency_from_state(webhook_latency_merge(s)) FROM (SELECT NULL::webhook_latency_state s) n)
         IS NOT DISTINCT FROM (SELECT webhook_latency_percentiles(v) FROM latencies WHERE false) AS only_null,
       (SELECT webhook_latency_state_agg(v)::text::webhook_latency_state::text = webhook_latency_state_agg(v)::text
        FROM latencies) AS text_round_trip;
SELECT webhook_latency_from_state(webhook_latency_state_agg(v)) FROM latencies WHERE i <= 10;
-- the binary form: per-group states out and back with COPY BINARY, merged to the same answer
CREATE TABLE latency_states AS SELECT i % 3 AS g, webhook_latency_state_agg(v) AS s FROM latencies GROUP BY i % 3;
\copy latency_states TO 'results/merge_states_latency.bin' WITH (FORMAT binary)
CREATE TABLE latency_states_back (g integer, s webhook_latency_state);
\copy latency_states_back FROM 'results/merge_states_latency.bin' WITH (FORMAT binary)
SELECT (SELECT array_agg(s::text ORDER BY g) FROM latency_states_back)
         = (SELECT array_agg(s::text ORDER BY g) FROM latency_states) AS binary_round_trip,
       (SELECT webhook_latency_from_state(webhook_latency_merge(s)) FROM latency_states_back)
         IS NOT DISTINCT FROM (SELECT webhook_latency_percentiles(v) FROM latencies) AS merged_after_copy;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT webhook_latency_state_agg(v) FROM latencies;
SELECT webhook_latency_from_state(webhook_latency_state_agg(v))
         IS NOT DISTINCT FROM (SELECT webhook_latency_percentiles(v) FROM latencies) AS parallel_agrees
FROM latencies;
EXPLAIN (COSTS OFF) SELECT webhook_analytics_merge(s) FROM states;
SELECT webhook_analytics_merge(s)::text = (SELECT webhook_analytics_merge(s ORDER BY k) FROM states)::text
         AS parallel_merge_agrees
FROM states;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- 5b. A state holds the rows the caller sees: a tenant under a policy on
-- organization_id gets its own organization's state and an empty one of
-- another, each equal to json_between as the same role.
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_ms_tenant;
RESET client_min_messages;
CREATE ROLE regress_ms_tenant;
GRANT SELECT ON webhook_events, webhooks TO regress_ms_tenant;
ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;
CREATE POLICY ms_own ON webhook_events TO regress_ms_tenant
    USING (organization_id = current_setting('app.org_id'));
CREATE POLICY ms_own ON webhooks TO regress_ms_tenant
    USING (organization_id = current_setting('app.org_id'));
SET app.org_id = 'org_ms_b';
SET ROLE regress_ms_tenant;
SELECT o, webhook_analytics_json(webhook_analytics_state(o, '2025-09-01 00:00+00', '2025-09-03 00:00+00'), 50, 10, all_parts())
          = webhook_analytics_json_between(o, '2025-09-01 00:00+00', '2025-09-03 00:00+00', NULL, 50, 10, all_parts())
         AS same_as_json_between,
       webhook_analytics_json(webhook_analytics_state(o, '2025-09-01 00:00+00', '2025-09-03 00:00+00'), 50, 10)
          = plain_analytics_json_between(o, '2025-09-01 00:00+00', '2025-09-03 00:00+00', NULL, 50, 10)
         AS same_as_plain_sql,
       webhook_analytics_json(webhook_analytics_state(o, '2025-09-01 00:00+00', '2025-09-03 00:00+00'))
         #>> '{data,day_metrics,total}' AS total
FROM unnest(ARRAY['org_ms_b', 'org_ms']) o;
RESET ROLE;
SELECT count(*) AS org_ms_b_rows FROM webhook_events WHERE organization_id = 'org_ms_b'
  AND created_at >= '2025-09-01 00:00+00' AND created_at < '2025-09-03 00:00+00';
DROP POLICY ms_own ON webhook_events;
DROP POLICY ms_own ON webhooks;
ALTER TABLE webhook_events DISABLE ROW LEVEL SECURITY;
ALTER TABLE webhooks DISABLE ROW LEVEL SECURITY;
REVOKE SELECT ON webhook_events, webhooks FROM regress_ms_tenant;
DROP ROLE regress_ms_tenant;
RESET app.org_id;

-- 6. Malformed input is 22P02 and never more: bad syntax, a cut or
-- lengthened state, and every single-byte change of a real state of each
-- type; the errors, counted by SQLSTATE.
SELECT error_of($$SELECT 'x'::webhook_analytics_state$$) AS no_hex,
       error_of($$SELECT '\x0'::webhook_analytics_state$$) AS odd_digits,
       error_of($$SELECT '\xzz'::webhook_latency_state$$) AS not_hex,
       error_of($$SELECT '\x'::webhook_analytics_state$$) AS empty,
       error_of($$SELECT '\x'::webhook_latency_state$$) AS empty_latency;
-- found by the fuzz target: counters whose parts add up past bigint, and an
-- event name that is not UTF-8 (with a NUL)
SELECT error_of($$SELECT '\x57484153010302008080d1a8b08d820380808c86b492820300000000000000000000028080808080808080c0018080808080808080c0010000000000000000'::webhook_analytics_state$$)
         AS parts_past_bigint,
       error_of($$SELECT '\x5748415301030000808096cbac8882038080d1a8b08d820300020201e0e41c0202000000000000000107626164ff00c30200000000010477fe000202000000000000000000'::webhook_analytics_state$$)
         AS event_not_utf8;
CREATE FUNCTION damage(kind regtype, good text) RETURNS TABLE(sqlstate text, n bigint)
LANGUAGE plpgsql AS $$
DECLARE
    bytes bytea := decode(substr(good, 3), 'hex');
    variant bytea;
    got text;
    outcomes text[] := '{}';
BEGIN
    FOR pos IN 0 .. length(bytes) - 1 LOOP
        FOREACH variant IN ARRAY ARRAY[set_byte(bytes, pos, (get_byte(bytes, pos) + 1) % 256),
                                       set_byte(bytes, pos, 255), substr(bytes, 1, pos)] LOOP
            BEGIN
                EXECUTE format('SELECT %L::%s::text', '\x' || encode(variant, 'hex'), kind) INTO got;
                outcomes := outcomes || 'accepted'::text;
            EXCEPTION WHEN OTHERS THEN
                outcomes := outcomes || SQLSTATE::text;
            END;
        END LOOP;
    END LOOP;
    BEGIN
        EXECUTE format('SELECT %L::%s::text', good || '00', kind) INTO got;
        outcomes := outcomes || 'accepted'::text;
    EXCEPTION WHEN OTHERS THEN
        outcomes := outcomes || ('lengthened ' || SQLSTATE)::text;
    END;
    RETURN QUERY SELECT o, count(*) FROM unnest(outcomes) o GROUP BY o ORDER BY o;
END $$;
SELECT 'analytics' AS type, d.*
FROM damage('webhook_analytics_state',
            webhook_analytics_state('org_ms_b', '2025-09-01 10:00+00', '2025-09-01 11:30+00', NULL, 2)::text) d
WHERE d.sqlstate <> 'accepted'
UNION ALL
SELECT 'latency', d.*
FROM damage('webhook_latency_state', (SELECT webhook_latency_state_agg(v)::text FROM latencies WHERE i < 6)) d
WHERE d.sqlstate <> 'accepted';

SET client_min_messages = warning;
DROP SCHEMA shard_1, shard_2, shard_3, platform CASCADE;
RESET client_min_messages;
DROP TABLE states, states_back, latencies, latency_states, latency_states_back;
DROP FUNCTION all_parts, shard_state, law_holds, platform_state, damage, write_everywhere;
\i test/teardown.sql
