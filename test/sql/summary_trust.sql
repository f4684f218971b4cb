-- summary_trust: no configuration a user can reach makes an answer differ
-- from plain SQL. Writes under session_replication_role = replica (what
-- logical-replication apply does), triggers disabled and re-enabled,
-- inheritance, a user's own triggers that call the analytics, altered
-- column types; DDL the triggers could not follow is refused; maintenance
-- refuses read-only transactions. webhook_summaries_status() shows, at
-- each step, whether the summaries answer and why not.
\i test/setup.sql
SET TimeZone = 'America/New_York';

-- Fixture: org_trust over 3 UTC days, rows on and around day and hour edges.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_t' || (i % 3), 'org_trust', 'https://t.example/' || (i % 4),
       'e.' || (i % 5), (ARRAY[200, 404, 500, NULL, 302])[i % 5 + 1],
       CASE WHEN i % 5 = 3 THEN '{"e": 1}'::jsonb END,
       i % 2, '2025-09-01 00:00+00'::timestamptz + i * interval '13 minutes' + (i % 3 - 1) * interval '1 microsecond',
       '2025-09-01 00:00+00'::timestamptz + i * interval '13 minutes' + (i % 700) * interval '1 ms',
       i % 400, i % 2
FROM generate_series(0, 600) i;
SELECT usable, reason FROM webhook_summaries_status();

-- The windows every check below compares: whole days, partial days, one webhook.
CREATE TEMP TABLE trust_windows (f timestamptz, t timestamptz, w text);
INSERT INTO trust_windows VALUES
    ('2025-09-01 00:00+00', '2025-09-04 00:00+00', NULL),
    ('2025-09-01 05:30+00', '2025-09-03 17:00:00.000001+00', NULL),
    ('2025-09-01 00:00+00', '2025-09-04 00:00+00', 'webhook_t1');
CREATE FUNCTION trust_agree() RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(DISTINCT paths_agree('org_trust', f, t, w), ', ') FROM trust_windows
$$;
SELECT trust_agree() AS fixture;

-- 1. Replica mode, as logical-replication apply runs: statement triggers do
-- not fire, the row trigger collects the rows and writes them at commit.
-- Inside the transaction the collected rows make every call read rows.
SET session_replication_role = replica;
BEGIN;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at)
SELECT 'webhook_t9', 'org_trust', 'https://t.example/r', 'r.in', 503,
       '2025-09-02 00:00+00'::timestamptz + i * interval '1 hour'
FROM generate_series(0, 30) i;
SELECT usable, reason FROM webhook_summaries_status();
SELECT trust_agree() AS replica_in_transaction;
SAVEPOINT s1;
UPDATE webhook_events SET response_status = 200 WHERE organization_id = 'org_trust' AND event = 'e.1';
SAVEPOINT s2;
DELETE FROM webhook_events WHERE organization_id = 'org_trust' AND event = 'e.2';
ROLLBACK TO s2;
SELECT trust_agree() AS replica_after_rollback_to;
RELEASE s1;
UPDATE webhook_events SET created_at = created_at + interval '1 day'
WHERE organization_id = 'org_trust' AND event = 'e.3' AND retries = 1;
COPY webhook_events (webhook_id, organization_id, url, event, response_status, created_at, delay_ms) FROM stdin;
webhook_t0	org_trust	https://t.example/c	c.copy	200	2025-09-02 23:59:59.999999+00	7
webhook_t0	org_trust	https://t.example/c	c.copy	\N	2025-09-03 00:00:00+00	\N
\.
COMMIT;
SELECT usable, reason FROM webhook_summaries_status();
SELECT trust_agree() AS replica_committed;
BEGIN;
DELETE FROM webhook_events WHERE organization_id = 'org_trust' AND event = 'r.in';
ROLLBACK;
SELECT trust_agree() AS replica_rolled_back;
-- TRUNCATE in a savepoint after replica-mode changes outside it: the
-- pending rows are cancelled, and come back when the savepoint is rolled back.
BEGIN;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at)
VALUES ('webhook_t0', 'org_trust', 'https://t.example/x', 'x', '2025-09-02 12:00+00');
SAVEPOINT s3;
TRUNCATE webhook_events;
SELECT count(*) AS rows_after_truncate FROM webhook_events;
ROLLBACK TO s3;
COMMIT;
RESET session_replication_role;
SELECT trust_agree() AS truncate_rolled_back;
DELETE FROM webhook_events WHERE event = 'x';

-- 1b. Ordinary sessions: a small statement's rows wait for commit (no
-- summary row is written in the transaction), a big one's are written at
-- once; reads inside the transaction read rows; savepoints rolled back take
-- their rows with them; a TRUNCATE in a savepoint cancels the earlier rows.
-- (the inserts counted so far in this backend, not yet flushed to the statistics)
BEGIN;
SELECT coalesce(sum(n_tup_ins), 0) AS inserted_before
FROM pg_stat_xact_user_tables WHERE relname = 'webhook_event_summaries' \gset
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at)
VALUES ('webhook_t0', 'org_trust', 'https://t.example/p', 'p.small', 500, '2025-09-02 09:09+00');
UPDATE webhook_events SET response_status = 200, retries = retries + 1
WHERE organization_id = 'org_trust' AND event = 'p.small';
SAVEPOINT p1;
DELETE FROM webhook_events WHERE organization_id = 'org_trust' AND event = 'e.1' AND retries = 0;
ROLLBACK TO p1;
SELECT coalesce(sum(n_tup_ins), 0) - :inserted_before AS summary_rows_written_small
FROM pg_stat_xact_user_tables WHERE relname = 'webhook_event_summaries';
SELECT trust_agree() AS pending_in_transaction;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at)
SELECT 'webhook_t0', 'org_trust', 'https://t.example/p', 'p.big', 200,
       '2025-09-02 00:00+00'::timestamptz + i * interval '37 seconds'
FROM generate_series(1, 1500) i;
SELECT sum(n_tup_ins) - :inserted_before > 0 AS summary_rows_written_big
FROM pg_stat_xact_user_tables WHERE relname = 'webhook_event_summaries';
SAVEPOINT p2;
TRUNCATE webhook_events;
ROLLBACK TO p2;
COMMIT;
SELECT trust_agree() AS pending_committed;
-- A rebuild in the transaction after small writes counts their rows once.
BEGIN;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at)
VALUES ('webhook_t0', 'org_trust', 'https://t.example/p', 'p.small', 503, '2025-09-02 10:10+00');
SELECT webhook_summaries_rebuild() > 0 AS rebuilt;
COMMIT;
SELECT trust_agree() AS rebuilt_after_writes;
DELETE FROM webhook_events WHERE event IN ('p.small', 'p.big');
SELECT trust_agree() AS back_to_origin;

-- 2. Triggers disabled, written past, re-enabled: the summaries stay out of
-- use until rebuilt; ENABLE TRIGGER ALL (as pg_restore --disable-triggers
-- leaves them) is not the canonical set, and rebuild puts the modes back.
ALTER TABLE webhook_events DISABLE TRIGGER ALL;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at)
VALUES ('webhook_t0', 'org_trust', 'https://t.example/u', 'unseen', '2025-09-02 06:00+00');
DELETE FROM webhook_events WHERE organization_id = 'org_trust' AND event = 'e.4' AND retries = 0;
ALTER TABLE webhook_events ENABLE TRIGGER ALL;
SELECT tgname, tgenabled FROM pg_trigger
WHERE tgrelid = 'webhook_events'::regclass AND NOT tgisinternal ORDER BY tgname;
SELECT usable, reason, stale_since IS NOT NULL AS stale FROM webhook_summaries_status();
SELECT trust_agree() AS after_enable_all;
SELECT webhook_summaries_rebuild() > 0 AS rebuilt;
SELECT tgname, tgenabled FROM pg_trigger
WHERE tgrelid = 'webhook_events'::regclass AND NOT tgisinternal ORDER BY tgname;
SELECT usable, reason, stale_since IS NOT NULL AS stale FROM webhook_summaries_status();
SELECT trust_agree() AS after_rebuild;
-- A trigger switched to fire in replica mode too would count rows twice there.
ALTER TABLE webhook_events ENABLE ALWAYS TRIGGER webhook_events_summarize_insert;
SET session_replication_role = replica;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at)
VALUES ('webhook_t0', 'org_trust', 'https://t.example/u', 'twice', '2025-09-02 07:00+00');
RESET session_replication_role;
SELECT usable, reason FROM webhook_summaries_status();
SELECT trust_agree() AS enable_always;
SELECT webhook_summaries_rebuild() > 0 AS rebuilt;
SELECT trust_agree() AS after_rebuild;
-- A statement trigger switched to ENABLE REPLICA misses ordinary writes.
ALTER TABLE webhook_events ENABLE REPLICA TRIGGER webhook_events_summarize_update;
UPDATE webhook_events SET response_status = 201 WHERE organization_id = 'org_trust' AND event = 'e.0';
SELECT usable, reason FROM webhook_summaries_status();
SELECT trust_agree() AS enable_replica;
SELECT webhook_summaries_rebuild() > 0 AS rebuilt;
SELECT usable, reason FROM webhook_summaries_status();
SELECT trust_agree() AS after_rebuild;

-- 3. Inheritance: a child's rows are in plain SQL over webhook_events but
-- not in the summaries, so a table with a child reads rows, and stays
-- stale after the child goes (deletes through the parent subtracted rows
-- the summaries never had).
CREATE TABLE trust_child () INHERITS (webhook_events);
INSERT INTO trust_child (id, webhook_id, organization_id, url, event, response_status, created_at)
SELECT 900000 + i, 'webhook_t1', 'org_trust', 'https://t.example/child', 'child', 500,
       '2025-09-02 00:00+00'::timestamptz + i * interval '2 hours'
FROM generate_series(0, 11) i;
SELECT usable, reason FROM webhook_summaries_status();
SELECT trust_agree() AS with_child;
DELETE FROM webhook_events WHERE event = 'child' AND response_status = 500 AND created_at < '2025-09-02 06:00+00';
UPDATE webhook_events SET response_status = 200 WHERE event = 'child';
SELECT trust_agree() AS child_changed_through_parent;
DROP TABLE trust_child;
SELECT usable, reason FROM webhook_summaries_status();
SELECT trust_agree() AS child_dropped;
SELECT webhook_summaries_rebuild() > 0 AS rebuilt;
-- webhook_events itself inheriting from a table: writes through that parent bypass its statement triggers.
CREATE TABLE trust_parent (organization_id text);
ALTER TABLE webhook_events INHERIT trust_parent;
UPDATE trust_parent SET organization_id = 'org_trust_moved' WHERE organization_id = 'org_trust';
SELECT usable, reason FROM webhook_summaries_status();
SELECT string_agg(DISTINCT paths_agree('org_trust_moved', f, t, w), ', ') AS moved_through_parent FROM trust_windows;
UPDATE trust_parent SET organization_id = 'org_trust' WHERE organization_id = 'org_trust_moved';
ALTER TABLE webhook_events NO INHERIT trust_parent;
DROP TABLE trust_parent;
SELECT usable, reason FROM webhook_summaries_status();
SELECT trust_agree() AS parent_gone;
SELECT webhook_summaries_rebuild() > 0 AS rebuilt;
SELECT usable, reason FROM webhook_summaries_status();

-- 4. User triggers that call the analytics see exactly what plain SQL sees:
-- AFTER ROW (fires before the summary statement trigger), a statement
-- trigger whose name sorts first, and BEFORE ROW (the statement's earlier
-- rows are visible already), in origin and in replica mode.
CREATE TABLE trust_seen (trigger_name text, got text, want text);
CREATE FUNCTION trust_watch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trust_seen
    SELECT TG_NAME, webhook_analytics_json_between('org_trust', f, t, w, 50, 20)::text,
           plain_analytics_json_between('org_trust', f, t, w, 50, 20)::text
    FROM trust_windows;
    RETURN NEW;
END $$;
CREATE TRIGGER a_user_row AFTER INSERT OR UPDATE OR DELETE ON webhook_events
    FOR EACH ROW EXECUTE FUNCTION trust_watch();
CREATE TRIGGER a_user_statement AFTER INSERT OR UPDATE OR DELETE ON webhook_events
    FOR EACH STATEMENT EXECUTE FUNCTION trust_watch();
CREATE TRIGGER a_user_before BEFORE INSERT ON webhook_events
    FOR EACH ROW EXECUTE FUNCTION trust_watch();
SELECT usable, reason FROM webhook_summaries_status();
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at)
SELECT 'webhook_t2', 'org_trust', 'https://t.example/a', 'alert', 500,
       '2025-09-02 10:00+00'::timestamptz + i * interval '1 minute'
FROM generate_series(0, 4) i;
UPDATE webhook_events SET response_status = 200 WHERE event = 'alert' AND created_at < '2025-09-02 10:02+00';
DELETE FROM webhook_events WHERE event = 'alert' AND created_at = '2025-09-02 10:04+00';
ALTER TABLE webhook_events ENABLE ALWAYS TRIGGER a_user_row;
ALTER TABLE webhook_events ENABLE ALWAYS TRIGGER a_user_before;
SET session_replication_role = replica;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at)
SELECT 'webhook_t2', 'org_trust', 'https://t.example/a', 'alert_replica', 500,
       '2025-09-02 11:00+00'::timestamptz + i * interval '1 minute'
FROM generate_series(0, 4) i;
RESET session_replication_role;
SELECT trigger_name, count(*) AS calls, count(*) FILTER (WHERE got = want) AS equal_to_plain_sql
FROM trust_seen GROUP BY 1 ORDER BY 1;
DROP TRIGGER a_user_row ON webhook_events;
DROP TRIGGER a_user_statement ON webhook_events;
DROP TRIGGER a_user_before ON webhook_events;
SELECT usable, reason FROM webhook_summaries_status();
SELECT trust_agree() AS after_user_triggers;

-- 5. Wider and other compatible types are read as they are: bigint values
-- beyond integer, json errors, varchar names. The rewrite marks the
-- summaries stale; the rebuild reads the new types.
ALTER TABLE webhook_events ALTER COLUMN delay_ms TYPE bigint,
    ALTER COLUMN response_status TYPE bigint, ALTER COLUMN retries TYPE bigint,
    ALTER COLUMN error TYPE json, ALTER COLUMN event TYPE varchar;
SELECT usable, reason FROM webhook_summaries_status();
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, delay_ms)
VALUES ('webhook_t0', 'org_trust', 'https://t.example/big', 'big', 4294967496, NULL, 4294967296,
        '2025-09-02 13:00+00', 4294967301),
       ('webhook_t0', 'org_trust', 'https://t.example/big', 'big', NULL, ' null ', 0,
        '2025-09-02 13:00+00', -4294967301),
       ('webhook_t0', 'org_trust', 'https://t.example/big', 'big', NULL, '{"a": null}', 0,
        '2025-09-02 13:00+00', NULL);
SELECT trust_agree() AS wide_types_rows;
SELECT webhook_summaries_rebuild() > 0 AS rebuilt;
SELECT usable, reason FROM webhook_summaries_status();
SELECT trust_agree() AS wide_types_summaries;
UPDATE webhook_events SET response_status = response_status + 1, delay_ms = delay_ms * 2
WHERE event = 'big';
SELECT trust_agree() AS wide_types_updated;
-- Types the triggers cannot read, and losing a column, are refused.
SELECT error_of('ALTER TABLE webhook_events ALTER COLUMN retries TYPE numeric');
SELECT error_of('ALTER TABLE webhook_events ALTER COLUMN created_at TYPE timestamp');
SELECT error_of('ALTER TABLE webhook_events DROP COLUMN done');
SELECT error_of('ALTER TABLE webhook_events RENAME COLUMN event TO kind');
-- The summary table must stay what the direct writes maintain.
SELECT error_of('CREATE INDEX ON webhook_event_summaries (day)');
SELECT error_of('ALTER TABLE webhook_event_summaries ADD COLUMN note text');
DELETE FROM webhook_events WHERE event = 'big';
ALTER TABLE webhook_events ALTER COLUMN delay_ms TYPE integer, ALTER COLUMN response_status TYPE integer,
    ALTER COLUMN retries TYPE integer, ALTER COLUMN error TYPE jsonb, ALTER COLUMN event TYPE text;
SELECT webhook_summaries_rebuild() > 0 AS rebuilt;
SELECT trust_agree() AS types_restored;

-- The summary trigger pointed at another table by hand (not attached) writes
-- only that table's summaries, which nothing reads: webhook_events'
-- answers are untouched, and calls on the other table read its rows.
CREATE TABLE trust_other (LIKE webhook_events);
CREATE TRIGGER trust_other_summarize AFTER INSERT ON trust_other
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_events_summarize();
SELECT error_of($$INSERT INTO trust_other (id, webhook_id, organization_id, url, event, created_at, retries, done)
                  VALUES (1, 'webhook_t0', 'org_trust', 'u', 'other', '2025-09-02 01:00+00', 0, 0)$$);
SELECT count(*) AS other_summary_rows FROM webhook_event_summaries WHERE events = 'trust_other'::regclass;
SELECT trust_agree() AS own_table_untouched;
SET whanalytics.events_table = 'trust_other';
SELECT usable, reason FROM webhook_summaries_status('org_trust') WHERE events = 'trust_other'::regclass;
SELECT (webhook_analytics_json_between('org_trust', '2025-09-01', '2025-09-03') -> 'data' -> 'day_metrics' ->> 'total')::int AS other_total;
RESET whanalytics.events_table;
DROP TABLE trust_other;
SELECT count(*) AS other_summaries_after_drop FROM webhook_event_summaries WHERE events NOT IN (SELECT oid FROM pg_class);
CREATE ROLE regress_trust_user;
SELECT has_function_privilege('regress_trust_user', 'webhook_events_summarize()', 'EXECUTE') AS user_may_attach;
DROP ROLE regress_trust_user;

-- 6. Maintenance writes, so a read-only transaction is refused (25006).
BEGIN READ ONLY;
SELECT error_of('SELECT webhook_summaries_compact()');
SELECT error_of('SELECT webhook_summaries_rebuild()');
ROLLBACK;
SET default_transaction_read_only = on;
SELECT error_of('SELECT webhook_summaries_compact()');
RESET default_transaction_read_only;

-- 7. Compaction's try-lock is an object lock of the summary table's own
-- class, never an advisory lock a user could hold.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at)
VALUES ('webhook_t0', 'org_trust', 'https://t.example/l', 'lock', '2025-09-02 14:00+00');
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at)
VALUES ('webhook_t0', 'org_trust', 'https://t.example/l', 'lock', '2025-09-02 15:00+00');
BEGIN;
SELECT webhook_summaries_compact() > 0 AS compacted;
SELECT locktype, classid = 'webhook_event_summaries'::regclass AS summary_class, mode
FROM pg_locks WHERE pid = pg_backend_pid() AND locktype IN ('object', 'advisory')
GROUP BY 1, 2, 3 ORDER BY 1;
ROLLBACK;

SELECT trust_agree() AS final;
DELETE FROM webhook_events WHERE organization_id LIKE 'org_trust%';
DROP TABLE trust_seen;
DROP FUNCTION trust_watch();
DROP FUNCTION trust_agree();
\i test/teardown.sql
