-- attached_tables: webhook_summaries_attach(table) keeps summaries for a
-- table of the user's, plain or partitioned by day, read when
-- whanalytics.events_table names it. Every answer is compared with the
-- rows (use_summaries off) and with the plain-SQL oracle over the same
-- table (each user table is called webhook_events in its own schema, and
-- search_path makes the oracle read it): after every kind of write, after
-- partition ATTACH, DETACH, DROP and TRUNCATE, after retention deletes in
-- batches and retention by dropping partitions, under row-level security,
-- and after detaching. webhook_summaries_status() shows which path answered.
\i test/setup.sql
SET TimeZone = 'UTC';
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_att_tenant;
DROP ROLE IF EXISTS regress_att_other;
RESET client_min_messages;
CREATE ROLE regress_att_tenant NOLOGIN;
CREATE ROLE regress_att_other NOLOGIN;

-- agree(org): the summaries, the rows and the oracle agree for windows of
-- whole and partial days and hours over the fixture's days.
CREATE FUNCTION agree(org text) RETURNS text LANGUAGE sql AS $$
SELECT string_agg(DISTINCT paths_agree(org, f, t, w), ', ')
FROM (VALUES ('2025-06-01 00:00+00'::timestamptz, '2025-06-05 00:00+00'::timestamptz),
             ('2025-06-01 07:13:02+00', '2025-06-04 19:44:10.5+00'),
             ('2025-06-02 05:00+00', '2025-06-03 05:00+00'),
             ('2025-06-02 04:59:59.999999+00', '2025-06-02 23:00:00.000001+00'),
             ('2025-05-20 00:00+00', '2025-06-20 00:00+00')) v(f, t),
     unnest(ARRAY[NULL, 'webhook_att_1']) w
$$;

-- fill(schema, n, offset): n deliveries of two organizations over 2025-06-01 .. 06-04.
CREATE FUNCTION fill(target text, n integer, start integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($f$
        INSERT INTO %s (webhook_id, organization_id, url, event, response_status, error,
                        retries, created_at, first_sent_at, delay_ms, done)
        SELECT 'webhook_att_' || (i %% 2), 'org_att_' || (i %% 3 %% 2), 'https://att.example/' || (i %% 4),
               'att.' || (i %% 5), (ARRAY[200, 500, NULL, 404, 201])[i %% 5 + 1],
               CASE WHEN i %% 5 = 2 THEN '{"e": 1}'::jsonb END, i %% 3,
               '2025-06-01 00:00+00'::timestamptz + (i %% 4) * interval '1 day'
                 + (i * 37 %% 86400) * interval '1 second' + (i %% 3 - 1) * interval '1 microsecond',
               '2025-06-01 00:00+00'::timestamptz + (i %% 4) * interval '1 day'
                 + (i * 37 %% 86400) * interval '1 second' + (i %% 700) * interval '1 ms',
               i %% 400, (i %% 4 <> 0)::int
        FROM generate_series(%s, %s) i$f$, target, start, start + n - 1);
END $$;

-- 1. A plain table of the user's: its own column order, an extra column.
CREATE SCHEMA att_plain;
CREATE TABLE att_plain.webhook_events (
    note            text,
    organization_id text NOT NULL,
    webhook_id      text NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at      timestamptz NOT NULL,
    url             text NOT NULL,
    event           text NOT NULL,
    resource_id     text,
    payload         jsonb,
    response_status integer,
    response_body   text,
    error           jsonb,
    retries         integer NOT NULL DEFAULT 0,
    updated_at      timestamptz,
    first_sent_at   timestamptz,
    delay_ms        integer,
    done            smallint NOT NULL DEFAULT 0);
CREATE INDEX ON att_plain.webhook_events (organization_id, created_at DESC);
SELECT fill('att_plain.webhook_events', 1500, 0);
SET whanalytics.events_table = 'att_plain.webhook_events';
SET search_path = att_plain, public;
SELECT usable, reason FROM webhook_summaries_status('org_att_0') WHERE events = 'att_plain.webhook_events'::regclass;
SELECT webhook_summaries_attach('att_plain.webhook_events') AS summarized;
SELECT webhook_summaries_attach('att_plain.webhook_events') AS attached_again;
SELECT usable, reason FROM webhook_summaries_status('org_att_0') WHERE events = 'att_plain.webhook_events'::regclass;
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'att_plain.webhook_events'::regclass ORDER BY 1;
SELECT agree('org_att_0') AS attached, agree('org_att_1') AS attached_other_org;

-- Writes of every kind, inside the transaction and after it.
BEGIN;
SELECT fill('att_plain.webhook_events', 300, 5000);
UPDATE webhook_events SET response_status = 200, done = 1, retries = retries + 1 WHERE id % 7 = 0;
UPDATE webhook_events SET created_at = created_at + interval '1 day', organization_id = 'org_att_1' WHERE id % 11 = 0;
DELETE FROM webhook_events WHERE id % 13 = 0;
SELECT agree('org_att_0') AS in_transaction;
SAVEPOINT s;
DELETE FROM webhook_events WHERE organization_id = 'org_att_0';
ROLLBACK TO s;
COMMIT;
COPY webhook_events (organization_id, webhook_id, created_at, url, event, response_status, retries, done) FROM stdin;
org_att_0	webhook_att_0	2025-06-02 10:00:00+00	https://att.example/copy	att.copy	500	2	1
org_att_0	webhook_att_1	2025-06-02 10:59:59.999999+00	https://att.example/copy	att.copy	\N	0	0
\.
SELECT agree('org_att_0') AS after_writes, agree('org_att_1') AS other_org_after_writes;
SELECT usable FROM webhook_summaries_status('org_att_0') WHERE events = 'att_plain.webhook_events'::regclass;
-- The summaries really answer: taking some away changes the summary path only.
BEGIN;
DELETE FROM webhook_event_summaries WHERE events = 'att_plain.webhook_events'::regclass AND day % 2 = 0;
SELECT agree('org_att_0') <> 'agree' AS tampering_shows;
ROLLBACK;

-- Retention in batches (what a pg_cron job runs): delete rows older than a
-- cutoff a few thousand at a time, each batch its own statement.
DO $$
DECLARE
    deleted bigint;
BEGIN
    LOOP
        DELETE FROM att_plain.webhook_events
        WHERE id IN (SELECT id FROM att_plain.webhook_events
                     WHERE created_at < '2025-06-02 12:00+00' LIMIT 250);
        GET DIAGNOSTICS deleted = ROW_COUNT;
        EXIT WHEN deleted = 0;
    END LOOP;
END $$;
SELECT count(*) AS kept FROM webhook_events;
SELECT agree('org_att_0') AS after_retention, agree('org_att_1') AS other_org_after_retention;
TRUNCATE webhook_events;
SELECT count(*) AS summary_rows_after_truncate
FROM webhook_event_summaries WHERE events = 'att_plain.webhook_events'::regclass;
SELECT fill('att_plain.webhook_events', 400, 0);
SELECT agree('org_att_0') AS after_truncate_and_refill;

-- Row-level security on the user's table: a tenant by a session setting,
-- answered from the summaries, equal to plain SQL as the tenant.
GRANT USAGE ON SCHEMA att_plain TO regress_att_tenant;
GRANT SELECT ON att_plain.webhook_events, public.webhooks TO regress_att_tenant;
ALTER TABLE att_plain.webhook_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY att_tenant ON att_plain.webhook_events FOR SELECT TO regress_att_tenant
    USING (organization_id = current_setting('app.org_id'));
SET ROLE regress_att_tenant;
SET app.org_id = 'org_att_1';
SELECT o, agree(o) AS as_tenant,
       (SELECT usable FROM webhook_summaries_status(o) WHERE events = 'att_plain.webhook_events'::regclass) AS from_summaries,
       (webhook_analytics_json_between(o, '2025-06-01', '2025-06-05') -> 'data' -> 'day_metrics' ->> 'total')::int AS total
FROM unnest(ARRAY['org_att_0', 'org_att_1']) o ORDER BY o;
RESET ROLE;
SELECT error_of($$SET ROLE regress_att_tenant; SELECT webhook_summaries_attach('att_plain.webhook_events')$$);
RESET ROLE;

-- Bad input: not a table of the user's, not a table, not the owner, a
-- table the summaries cannot follow, a table missing a column.
SELECT error_of($$SELECT webhook_summaries_attach('public.webhook_events')$$);
CREATE VIEW att_plain.a_view AS SELECT * FROM att_plain.webhook_events;
SELECT error_of($$SELECT webhook_summaries_attach('att_plain.a_view')$$);
CREATE TEMP TABLE att_temp (LIKE att_plain.webhook_events);
SELECT error_of($$SELECT webhook_summaries_attach('att_temp')$$);
CREATE TABLE att_plain.no_event (LIKE att_plain.webhook_events);
ALTER TABLE att_plain.no_event DROP COLUMN event;
SELECT error_of($$SELECT webhook_summaries_attach('att_plain.no_event')$$);
SELECT error_of($$SELECT webhook_summaries_detach('att_plain.a_view')$$);
SELECT webhook_summaries_detach('att_plain.no_event');
SELECT error_of($$SELECT webhook_summaries_rebuild('att_plain.no_event')$$);
DROP VIEW att_plain.a_view;
DROP TABLE att_plain.no_event;

-- Detach: triggers, summaries and status go; answers read the rows.
SELECT webhook_summaries_detach('att_plain.webhook_events');
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'att_plain.webhook_events'::regclass
  AND tgfoid = 'webhook_events_summarize'::regproc;
SELECT count(*) AS summary_rows_left FROM webhook_event_summaries WHERE events = 'att_plain.webhook_events'::regclass;
SELECT usable, reason FROM webhook_summaries_status('org_att_0') WHERE events = 'att_plain.webhook_events'::regclass;
SELECT agree('org_att_0') AS detached;
ALTER TABLE att_plain.webhook_events DISABLE ROW LEVEL SECURITY;

-- 2. A table partitioned by day, attached with rows in it.
CREATE SCHEMA att_parts;
CREATE TABLE att_parts.webhook_events (LIKE att_plain.webhook_events INCLUDING DEFAULTS)
    PARTITION BY RANGE (created_at);
ALTER TABLE att_parts.webhook_events DROP COLUMN id;
ALTER TABLE att_parts.webhook_events ADD COLUMN id bigint GENERATED BY DEFAULT AS IDENTITY;
CREATE TABLE att_parts.d0531 PARTITION OF att_parts.webhook_events FOR VALUES FROM ('2025-05-31') TO ('2025-06-01');
CREATE TABLE att_parts.d0601 PARTITION OF att_parts.webhook_events FOR VALUES FROM ('2025-06-01') TO ('2025-06-02');
CREATE TABLE att_parts.d0602 PARTITION OF att_parts.webhook_events FOR VALUES FROM ('2025-06-02') TO ('2025-06-03');
CREATE TABLE att_parts.d0603 PARTITION OF att_parts.webhook_events FOR VALUES FROM ('2025-06-03') TO ('2025-06-04');
CREATE INDEX ON att_parts.webhook_events (organization_id, created_at DESC);
INSERT INTO att_parts.webhook_events (organization_id, webhook_id, created_at, url, event, response_status, retries, done)
SELECT organization_id, webhook_id, created_at, url, event, response_status, retries, done
FROM att_plain.webhook_events WHERE created_at < '2025-06-04';
SET whanalytics.events_table = 'att_parts.webhook_events';
SET search_path = att_parts, public;
SELECT webhook_summaries_attach('att_parts.webhook_events') AS summarized;
SELECT tgrelid::regclass AS partition, tgname, tgenabled
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE tgfoid = 'webhook_events_summarize'::regproc AND c.relnamespace = 'att_parts'::regnamespace
ORDER BY 1, 2;
SELECT events, part_of, stale_since IS NULL AS complete FROM webhook_summary_status
WHERE part_of = 'att_parts.webhook_events'::regclass OR events = 'att_parts.webhook_events'::regclass ORDER BY 1;
SELECT usable, reason FROM webhook_summaries_status('org_att_0') WHERE events = 'att_parts.webhook_events'::regclass;
SELECT agree('org_att_0') AS partitioned, agree('org_att_1') AS partitioned_other_org;
BEGIN;
DELETE FROM webhook_event_summaries WHERE events = 'att_parts.d0602'::regclass;
SELECT agree('org_att_0') <> 'agree' AS partition_summaries_answer;
ROLLBACK;

-- Writes through the parent and straight into a partition, and a row moving
-- between partitions.
BEGIN;
INSERT INTO att_parts.d0602 (id, organization_id, webhook_id, created_at, url, event, response_status, retries, done)
VALUES (900001, 'org_att_0', 'webhook_att_0', '2025-06-02 23:59:59.999999+00', 'https://att.example/direct', 'att.direct', 500, 1, 1);
UPDATE webhook_events SET created_at = created_at - interval '1 day' WHERE id % 9 = 0 AND created_at >= '2025-06-01';
UPDATE att_parts.d0603 SET response_status = 200, done = 1 WHERE id % 5 = 0;
DELETE FROM webhook_events WHERE id % 17 = 0;
SELECT agree('org_att_0') AS partitioned_in_transaction;
COMMIT;
SELECT agree('org_att_0') AS partitioned_after_writes;

-- A new partition (CREATE TABLE ... PARTITION OF) and a filled table
-- attached as one: both get their triggers and summaries.
CREATE TABLE att_parts.d0604 PARTITION OF att_parts.webhook_events FOR VALUES FROM ('2025-06-04') TO ('2025-06-05');
INSERT INTO webhook_events (organization_id, webhook_id, created_at, url, event, response_status, retries, done)
SELECT organization_id, webhook_id, created_at + interval '1 day', url, event, response_status, retries, done
FROM att_parts.d0603;
CREATE TABLE att_parts.d0530 (LIKE att_parts.webhook_events INCLUDING DEFAULTS);
INSERT INTO att_parts.d0530 (organization_id, webhook_id, created_at, url, event, response_status, retries, done, id)
SELECT 'org_att_0', 'webhook_att_' || (i % 2), '2025-05-30 00:00+00'::timestamptz + i * interval '7 minutes',
       'https://att.example/old', 'att.old', 500, 1, 1, 100000 + i
FROM generate_series(0, 200) i;
ALTER TABLE att_parts.webhook_events ATTACH PARTITION att_parts.d0530 FOR VALUES FROM ('2025-05-30') TO ('2025-05-31');
SELECT count(*) AS partitions_recorded FROM webhook_summary_status WHERE part_of = 'att_parts.webhook_events'::regclass;
SELECT usable FROM webhook_summaries_status('org_att_0') WHERE events = 'att_parts.webhook_events'::regclass;
SELECT agree('org_att_0') AS after_create_and_attach;

-- DETACH a partition (its rows leave the table), TRUNCATE one, DROP one.
ALTER TABLE att_parts.webhook_events DETACH PARTITION att_parts.d0601;
SELECT agree('org_att_0') AS after_detach;
SELECT count(*) AS detached_triggers FROM pg_trigger WHERE tgrelid = 'att_parts.d0601'::regclass;
INSERT INTO att_parts.d0601 (id, organization_id, webhook_id, created_at, url, event, response_status, retries, done)
VALUES (900002, 'org_att_0', 'webhook_att_0', '2025-06-01 12:00+00', 'https://att.example/x', 'att.detached', 500, 0, 0);
ALTER TABLE att_parts.webhook_events ATTACH PARTITION att_parts.d0601 FOR VALUES FROM ('2025-06-01') TO ('2025-06-02');
SELECT agree('org_att_0') AS after_attaching_back;
TRUNCATE att_parts.d0602;
SELECT agree('org_att_0') AS after_truncating_a_partition;
-- Retention by dropping the oldest partitions.
DROP TABLE att_parts.d0530;
ALTER TABLE att_parts.webhook_events DETACH PARTITION att_parts.d0531;
DROP TABLE att_parts.d0531;
SELECT agree('org_att_0') AS after_dropping_partitions, agree('org_att_1') AS other_org_after_dropping;
SELECT count(*) AS orphan_summaries FROM webhook_event_summaries WHERE events NOT IN (SELECT oid FROM pg_class);
SELECT usable FROM webhook_summaries_status('org_att_0') WHERE events = 'att_parts.webhook_events'::regclass;

-- The edge hours of a partitioned table are read straight from its
-- partitions' indexes: a partition bound off the hour splits an edge hour,
-- windows end on the bound and one microsecond either side of it, and rows
-- lie on it. With a default partition (it may hold rows of any range) the
-- edges are read by a query instead.
CREATE TABLE att_parts.d0605a PARTITION OF att_parts.webhook_events
    FOR VALUES FROM ('2025-06-05 00:00+00') TO ('2025-06-05 10:37:30+00');
CREATE TABLE att_parts.d0605b PARTITION OF att_parts.webhook_events
    FOR VALUES FROM ('2025-06-05 10:37:30+00') TO ('2025-06-06 00:00+00');
INSERT INTO webhook_events (organization_id, webhook_id, created_at, url, event, response_status, retries, done)
SELECT 'org_att_0', 'webhook_att_' || (i % 2),
       '2025-06-05 09:00+00'::timestamptz + i * interval '13 seconds' + (i % 3 - 1) * interval '1 microsecond',
       'https://att.example/' || (i % 3), 'att.split.' || (i % 4), (ARRAY[200, 500, NULL])[i % 3 + 1], i % 2, i % 2
FROM generate_series(0, 800) i
UNION ALL
SELECT 'org_att_0', 'webhook_att_1', '2025-06-05 10:37:30+00'::timestamptz + d * interval '1 microsecond',
       'https://att.example/bound', 'att.bound', 503, 0, 1
FROM generate_series(-1, 1) d;
CREATE FUNCTION split_edges() RETURNS TABLE (f timestamptz, t timestamptz, result text) LANGUAGE sql AS $$
SELECT f, t, paths_agree('org_att_0', f, t)
FROM (VALUES ('2025-06-04 21:37:13+00'::timestamptz, '2025-06-05 10:51:02+00'::timestamptz),
             ('2025-06-05 08:20:00+00', '2025-06-05 10:37:30+00'),
             ('2025-06-05 08:20:00+00', '2025-06-05 10:37:30.000001+00'),
             ('2025-06-05 08:20:00+00', '2025-06-05 10:37:29.999999+00'),
             ('2025-06-05 10:37:30+00', '2025-06-05 12:37:29.999999+00'),
             ('2025-06-05 10:37:29.999999+00', '2025-06-05 12:00:00.000001+00')) v(f, t)
$$;
SELECT * FROM split_edges();
CREATE TABLE att_parts.d_rest PARTITION OF att_parts.webhook_events DEFAULT;
INSERT INTO webhook_events (organization_id, webhook_id, created_at, url, event, response_status, retries, done)
VALUES ('org_att_0', 'webhook_att_0', '2025-06-06 10:15+00', 'https://att.example/rest', 'att.rest', 500, 1, 1);
SELECT usable FROM webhook_summaries_status('org_att_0') WHERE events = 'att_parts.webhook_events'::regclass;
SELECT * FROM split_edges();
SELECT paths_agree('org_att_0', '2025-06-05 21:37:13+00', '2025-06-06 10:51:02+00') AS with_default_partition;
DROP TABLE att_parts.d_rest, att_parts.d0605a, att_parts.d0605b;
DROP FUNCTION split_edges;

-- A partition whose summary trigger is disabled makes calls read rows until
-- the repair call; a partition cannot be attached on its own.
ALTER TABLE att_parts.d0603 DISABLE TRIGGER webhook_events_summarize_truncate;
SELECT usable, reason FROM webhook_summaries_status('org_att_0') WHERE events = 'att_parts.webhook_events'::regclass;
TRUNCATE att_parts.d0603;
SELECT agree('org_att_0') AS while_disabled;
SELECT webhook_summaries_rebuild('att_parts.webhook_events') >= 0 AS repaired;
SELECT usable FROM webhook_summaries_status('org_att_0') WHERE events = 'att_parts.webhook_events'::regclass;
SELECT agree('org_att_0') AS after_repair;
SELECT error_of($$SELECT webhook_summaries_attach('att_parts.d0604')$$);

-- A tenant under row-level security on the partitioned table (policies on
-- the parent): answered from the partitions' summaries, equal to plain SQL
-- as the tenant.
GRANT USAGE ON SCHEMA att_parts TO regress_att_tenant;
GRANT SELECT ON att_parts.webhook_events TO regress_att_tenant;
ALTER TABLE att_parts.webhook_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY att_parts_tenant ON att_parts.webhook_events FOR SELECT TO regress_att_tenant
    USING (organization_id = current_setting('app.org_id'));
SET ROLE regress_att_tenant;
SET app.org_id = 'org_att_0';
SELECT o, agree(o) AS partitioned_as_tenant,
       (SELECT usable FROM webhook_summaries_status(o) WHERE events = 'att_parts.webhook_events'::regclass) AS from_summaries,
       (webhook_analytics_json_between(o, '2025-06-01', '2025-06-05') -> 'data' -> 'day_metrics' ->> 'total')::int AS total
FROM unnest(ARRAY['org_att_0', 'org_att_1']) o ORDER BY o;
RESET ROLE;
ALTER TABLE att_parts.webhook_events DISABLE ROW LEVEL SECURITY;

-- DROP EXTENSION refuses while a table of the user's has the summary triggers.
SELECT regexp_replace(error_of('DROP EXTENSION whanalytics'), ' \| DETAIL: .*', '') AS drop_extension;

-- Detach the partitioned table; then dropping the tables leaves nothing behind.
SELECT webhook_summaries_detach('att_parts.webhook_events');
SELECT count(*) AS triggers_left FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE tgfoid = 'webhook_events_summarize'::regproc AND c.relnamespace = 'att_parts'::regnamespace;
SELECT count(*) AS status_left FROM webhook_summary_status WHERE events <> 'public.webhook_events'::regclass;
SELECT agree('org_att_0') AS partitioned_detached;
SELECT webhook_summaries_attach('att_parts.webhook_events') > 0 AS attached_once_more;

-- A column that moves (dropped and added again, so at another position in
-- every partition) between writes of one session: the trigger's column
-- map, kept between statements, follows the table.
SELECT fill('att_parts.webhook_events', 40, 7000);
ALTER TABLE att_parts.webhook_events DROP COLUMN retries, ADD COLUMN retries integer NOT NULL DEFAULT 2;
SELECT webhook_summaries_rebuild('att_parts.webhook_events') >= 0 AS rebuilt_after_moving;
SELECT fill('att_parts.webhook_events', 40, 8000);
SELECT agree('org_att_0') AS after_moving_a_column, agree('org_att_1') AS other_org_after_moving,
       (SELECT usable FROM webhook_summaries_status('org_att_0')
        WHERE events = 'att_parts.webhook_events'::regclass) AS from_summaries;
RESET search_path;
RESET whanalytics.events_table;
DROP SCHEMA att_plain, att_parts CASCADE;
SELECT count(*) AS summaries_left FROM webhook_event_summaries WHERE events <> 'webhook_events'::regclass;
SELECT count(*) AS status_rows_left FROM webhook_summary_status WHERE events <> 'webhook_events'::regclass;
DROP FUNCTION agree, fill;
REVOKE SELECT ON public.webhooks FROM regress_att_tenant;
DROP ROLE regress_att_tenant, regress_att_other;
\i test/teardown.sql
