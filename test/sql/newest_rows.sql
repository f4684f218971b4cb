-- newest_rows: when the summaries answer, last_events is read straight from
-- the table's (organization_id, created_at) index; it must equal the
-- oracle's ORDER BY created_at DESC, id DESC LIMIT last_n. Ties in
-- created_at cut by last_n at every place, on the extension's table (its
-- index orders ties by id), on attached tables whose index leaves ties in
-- heap order (bigint ids inserted out of order, text ids under a
-- collation, NULL ids), and on one whose column types need the query's
-- casts (read by the query instead). webhook_summaries_status() shows the
-- summaries answer each time. The webhook totals beside them come from the
-- webhooks table's index where the caller may read all of it. Payloads of
-- every JSON shape are copied into the response as they are stored.
\i test/setup.sql
SET TimeZone = 'UTC';

-- newest_agree(org): the response equals the oracle's for windows that
-- cover whole hours, for several last_n, with summaries on and off.
CREATE FUNCTION newest_agree(org text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    w record;
    bad text[] := '{}';
BEGIN
    FOR w IN SELECT * FROM (VALUES ('2025-07-01 00:00+00'::timestamptz, '2025-07-03 00:00+00'::timestamptz),
                                   ('2025-07-01 09:30+00', '2025-07-02 12:00:00.000001+00'),
                                   ('2025-07-01 09:30+00', '2025-07-02 12:00+00'),
                                   ('2025-07-01 08:00+00', '2025-07-01 10:00:00.5+00')) v(f, t) LOOP
        FOREACH n IN ARRAY ARRAY[0, 1, 3, 4, 5, 7, 10, 25, 1000] LOOP
            PERFORM set_config('whanalytics.use_summaries', 'on', true);
            IF webhook_analytics_json_between(org, w.f, w.t, NULL, 10, n)
               IS DISTINCT FROM plain_analytics_json_between(org, w.f, w.t, NULL, 10, n) THEN
                bad := bad || format('summaries %s..%s last_n %s', w.f, w.t, n);
            END IF;
            PERFORM set_config('whanalytics.use_summaries', 'off', true);
            IF webhook_analytics_json_between(org, w.f, w.t, NULL, 10, n)
               IS DISTINCT FROM plain_analytics_json_between(org, w.f, w.t, NULL, 10, n) THEN
                bad := bad || format('rows %s..%s last_n %s', w.f, w.t, n);
            END IF;
            PERFORM set_config('whanalytics.use_summaries', 'on', true);
        END LOOP;
    END LOOP;
    RETURN CASE WHEN cardinality(bad) = 0 THEN 'agree' ELSE array_to_string(bad, '; ') END;
END $$;

-- newest_ids(org, n): the ids last_events lists for the two days, and the oracle's.
CREATE FUNCTION newest_ids(org text, n integer) RETURNS TABLE (got text, want text) LANGUAGE sql AS $$
SELECT (SELECT string_agg(coalesce(e ->> 'id', 'NULL'), ',' ORDER BY o)
        FROM jsonb_array_elements(webhook_analytics_json_between(org, '2025-07-01', '2025-07-03', NULL, 10, n)
                                  #> '{data,last_events}') WITH ORDINALITY a(e, o)),
       (SELECT string_agg(coalesce(e ->> 'id', 'NULL'), ',' ORDER BY o)
        FROM jsonb_array_elements(plain_analytics_json_between(org, '2025-07-01', '2025-07-03', NULL, 10, n)
                                  #> '{data,last_events}') WITH ORDINALITY a(e, o))
$$;

-- tie_rows(target, ids, id_type): one delivery per id, in the order given; the
-- newest four share 2025-07-02 11:59:59.999999, the next three 11:00, the
-- rest are spread over both days.
CREATE FUNCTION tie_rows(target text, ids text[], id_type text DEFAULT 'bigint') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($f$
        INSERT INTO %s (id, webhook_id, organization_id, url, event, payload, response_status,
                        retries, created_at, delay_ms, done)
        SELECT i::%s, 'webhook_tie_' || (o %% 2), 'org_tie', 'https://tie.example/' || (o %% 3), 'tie.' || (o %% 4),
               jsonb_build_object('o', o), (ARRAY[200, 500, NULL])[o %% 3 + 1], o %% 2,
               CASE WHEN o <= 4 THEN timestamptz '2025-07-02 11:59:59.999999+00'
                    WHEN o <= 7 THEN timestamptz '2025-07-02 11:00+00'
                    ELSE timestamptz '2025-07-01 08:00+00' + o * interval '37 minutes' END,
               o * 3, 1
        FROM unnest($1) WITH ORDINALITY u(i, o)$f$, target, id_type) USING ids;
END $$;

-- 1. The extension's table: its index (organization_id, created_at, id)
-- gives ties in id order; ids inserted out of order.
SELECT tie_rows('webhook_events', ARRAY['905', '903', '910', '901', '950', '940', '960',
                                        '100', '300', '200', '400', '600', '500', '700', '800', '999']);
SELECT usable FROM webhook_summaries_status('org_tie') WHERE events = 'webhook_events'::regclass;
SELECT n, got, got = want AS equal FROM generate_series(1, 8) n, newest_ids('org_tie', n);
-- Times before 2000 with a fraction (dropped, not rounded) and a BC year.
UPDATE webhook_events SET updated_at = '1999-12-31 23:59:59.75+00',
                          first_sent_at = '0010-06-30 23:59:59.999999+00 BC'
WHERE organization_id = 'org_tie' AND id IN (910, 905);
SELECT e ->> 'updated_at' AS updated_at, e ->> 'first_sent_at' AS first_sent_at
FROM jsonb_array_elements(webhook_analytics_json_between('org_tie', '2025-07-01', '2025-07-03', NULL, 10, 1)
                          #> '{data,last_events}') e;
SELECT newest_agree('org_tie') AS own_table;

-- 2. An attached table whose index orders created_at only (descending):
-- ties come in heap order, here ascending ids; updates move rows in the heap.
CREATE SCHEMA tie_plain;
CREATE TABLE tie_plain.webhook_events (LIKE public.webhook_events INCLUDING DEFAULTS);
ALTER TABLE tie_plain.webhook_events ALTER COLUMN id DROP IDENTITY IF EXISTS;
CREATE INDEX ON tie_plain.webhook_events (organization_id, created_at DESC);
SELECT webhook_summaries_attach('tie_plain.webhook_events') AS rows_summarized;
SELECT tie_rows('tie_plain.webhook_events', ARRAY['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
UPDATE tie_plain.webhook_events SET retries = retries + 1 WHERE id IN (2, 5);
SET whanalytics.events_table = 'tie_plain.webhook_events';
SET search_path = tie_plain, public;
SELECT usable FROM webhook_summaries_status('org_tie') WHERE events = 'tie_plain.webhook_events'::regclass;
SELECT n, got, got = want AS equal FROM generate_series(1, 8) n, newest_ids('org_tie', n);
SELECT newest_agree('org_tie') AS heap_order_ties;

-- A NULL id comes first among ties (id DESC puts NULLs first; two NULL
-- ids would tie for good, in no defined order).
ALTER TABLE tie_plain.webhook_events ALTER COLUMN id DROP NOT NULL;
SELECT tie_rows('tie_plain.webhook_events', ARRAY['0', NULL]);
SELECT n, got, got = want AS equal FROM generate_series(1, 6) n, newest_ids('org_tie', n);
SELECT newest_agree('org_tie') AS null_ids;
RESET search_path;
RESET whanalytics.events_table;

-- 3. Text ids: ties in the column's collation, as ORDER BY id DESC has them.
CREATE SCHEMA tie_text;
CREATE TABLE tie_text.webhook_events (LIKE public.webhook_events INCLUDING DEFAULTS);
ALTER TABLE tie_text.webhook_events ALTER COLUMN id DROP IDENTITY IF EXISTS;
ALTER TABLE tie_text.webhook_events ALTER COLUMN id TYPE text COLLATE "C";
CREATE INDEX ON tie_text.webhook_events (organization_id, created_at);
SELECT webhook_summaries_attach('tie_text.webhook_events') AS rows_summarized;
SELECT tie_rows('tie_text.webhook_events', ARRAY['b', 'B', 'a', 'ab', 'Z', 'z', 'é', '10', '9', 'x', 'y'], 'text');
SET whanalytics.events_table = 'tie_text.webhook_events';
SET search_path = tie_text, public;
SELECT usable FROM webhook_summaries_status('org_tie') WHERE events = 'tie_text.webhook_events'::regclass;
SELECT n, got, got = want AS equal FROM generate_series(1, 8) n, newest_ids('org_tie', n);
SELECT newest_agree('org_tie') AS text_ids;

-- 4. A column type only the query's cast reads (a json payload, made
-- jsonb): last_events comes from the query, with the same answer.
ALTER TABLE tie_text.webhook_events ALTER COLUMN payload TYPE json;
SELECT webhook_summaries_rebuild('tie_text.webhook_events') > 0 AS rebuilt;
UPDATE tie_text.webhook_events SET payload = '{"b": [1, 2.50], "a": null}' WHERE id = 'b';
SELECT usable FROM webhook_summaries_status('org_tie') WHERE events = 'tie_text.webhook_events'::regclass;
SELECT newest_agree('org_tie') AS cast_columns;
SELECT e ->> 'id' AS id, e -> 'payload' AS payload
FROM jsonb_array_elements(webhook_analytics_json_between('org_tie', '2025-07-01', '2025-07-03', NULL, 10, 3)
                          #> '{data,last_events}') e;
RESET search_path;
RESET whanalytics.events_table;

SELECT webhook_summaries_detach('tie_plain.webhook_events'), webhook_summaries_detach('tie_text.webhook_events');

-- 5. The webhook totals: counted from the webhooks table's organization
-- index when the caller may read all of it; by the query when a table
-- inherits from it or a policy applies to the caller. Arrays of every
-- shape count their elements, as cardinality() does.
INSERT INTO webhooks (id, organization_id, url, events) VALUES
    ('webhook_tie_0', 'org_tie', 'https://tie.example/0', '{tie.0,tie.1}'),
    ('webhook_tie_1', 'org_tie', 'https://tie.example/1', '{}'),
    ('webhook_tie_2', 'org_tie', 'https://tie.example/2', '{{tie.0,tie.1},{tie.2,tie.3}}'),
    ('webhook_tie_3', 'org_tie_other', 'https://tie.example/3', '{tie.0}');
CREATE FUNCTION totals(org text) RETURNS TABLE (got jsonb, equal boolean) LANGUAGE sql AS $$
SELECT webhook_analytics_json_between(org, '2025-07-01', '2025-07-03') #> '{data,total}',
       newest_agree(org) = 'agree'
$$;
SELECT * FROM totals('org_tie');
CREATE TABLE webhooks_child () INHERITS (webhooks);
INSERT INTO webhooks_child (id, organization_id, url, events) VALUES ('webhook_tie_4', 'org_tie', 'u', '{tie.4}');
SELECT * FROM totals('org_tie') AS with_child;
DROP TABLE webhooks_child;
SELECT * FROM totals('org_tie') AS child_gone;
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_newest_tenant;
RESET client_min_messages;
CREATE ROLE regress_newest_tenant NOLOGIN;
GRANT SELECT ON webhook_events, webhooks TO regress_newest_tenant;
ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;
CREATE POLICY newest_hidden ON webhooks FOR SELECT TO regress_newest_tenant USING (id <> 'webhook_tie_1');
SET ROLE regress_newest_tenant;
SELECT * FROM totals('org_tie') AS under_policy;
RESET ROLE;
DROP POLICY newest_hidden ON webhooks;
ALTER TABLE webhooks DISABLE ROW LEVEL SECURITY;
REVOKE SELECT ON webhook_events, webhooks FROM regress_newest_tenant;
DROP ROLE regress_newest_tenant;
-- 6. Payloads and errors of every JSON shape are copied into last_events
-- as they are stored: scalars of each type at the root, empty containers,
-- numbers that need their digits, an object of more keys and an array of
-- more elements than jsonb's offset stride (32), deep nesting, a toasted
-- string. The response must be what jsonb's own parser makes of its text:
-- equal, of the same size in bytes, each containing the other (which looks
-- keys up by binary search, so unsorted keys would show), and with equal
-- hashes.
INSERT INTO webhook_events (organization_id, webhook_id, url, event, payload, error, response_status,
                            retries, created_at, delay_ms, done)
SELECT 'org_shapes', 'webhook_shapes', 'https://shapes.example/' || o, 'shape.' || o, p, e, 200, 0,
       timestamptz '2025-07-01 10:00+00' + o * interval '1 minute', o, 1
FROM unnest(ARRAY['"a string"', '-12345678901234567890.50', '0.000000000000000000001', 'true', 'false',
                  'null', '{}', '[]', '[[[[[[[[[[{"deep": [1.5]}]]]]]]]]]]', '{"é": "ü", "": ""}'
                 ]::jsonb[] || ARRAY[(SELECT jsonb_object_agg('k' || i, i * 1.25) FROM generate_series(1, 40) i),
                                     (SELECT jsonb_agg(CASE i % 3 WHEN 0 THEN to_jsonb(i) WHEN 1 THEN to_jsonb('s' || i)
                                                       ELSE jsonb_build_object('i', i) END) FROM generate_series(1, 70) i),
                                     to_jsonb(repeat('toast', 40000)), NULL],
            ARRAY['1', NULL, '{"error": "timeout"}', '"e"', 'null', '[1, {"a": []}]', 'false', '2', NULL, '{}',
                  '0.5', NULL, '"e2"', 'true']::jsonb[]) WITH ORDINALITY u(p, e, o);
CREATE FUNCTION same_layout(r jsonb) RETURNS boolean LANGUAGE sql AS $$
SELECT r = t AND pg_column_size(r) = pg_column_size(t) AND r @> t AND t @> r
       AND jsonb_hash(r) = jsonb_hash(t) AND jsonb_hash_extended(r, 7) = jsonb_hash_extended(t, 7)
FROM (SELECT r::text::jsonb) p(t)
$$;
SELECT n, webhook_analytics_json_between('org_shapes', '2025-07-01', '2025-07-02', NULL, 20, n)
          = plain_analytics_json_between('org_shapes', '2025-07-01', '2025-07-02', NULL, 20, n) AS equal,
       same_layout(webhook_analytics_json_between('org_shapes', '2025-07-01', '2025-07-02', NULL, 20, n)) AS same_layout
FROM unnest(ARRAY[0, 1, 14]) n;
SELECT e ->> 'event' AS event, jsonb_typeof(e -> 'payload') AS payload, left(e ->> 'payload', 40) AS payload_text,
       e -> 'error' AS error, e -> 'payload' -> 'k33' AS k33, e -> 'payload' -> 69 AS elem_69
FROM jsonb_array_elements(webhook_analytics_json_between('org_shapes', '2025-07-01', '2025-07-02', NULL, 20, 14)
                          #> '{data,last_events}') e;
SELECT same_layout(webhook_analytics_json(org, p, '2025-07-02 12:00:00.5+00')) AS same_layout, count(*)
FROM unnest(ARRAY['org_shapes', 'org_tie', 'org_none']) org, unnest(ARRAY['last_day', 'last_7_days']) p
GROUP BY 1;
DELETE FROM webhook_events WHERE organization_id = 'org_shapes';
DROP FUNCTION same_layout;
DELETE FROM webhooks WHERE id LIKE 'webhook_tie_%';
DROP SCHEMA tie_plain, tie_text CASCADE;
DELETE FROM webhook_events WHERE organization_id = 'org_tie';
DROP FUNCTION newest_agree, newest_ids, tie_rows, totals;
\i test/teardown.sql
