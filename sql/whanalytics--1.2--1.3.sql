-- whanalytics 1.2 -> 1.3: summaries by the hour, and for the user's own
-- tables. A day summary now keeps, beside its hour counters and the day's
-- event and failed-URL counts and latency histogram, the same detail for
-- each hour (in a second column, so whole days never read it): a rolling
-- window reads only the partial hours at its two edges as rows. Each
-- summary row names the table it summarizes, and
-- webhook_summaries_attach(table) makes the extension keep summaries for a
-- user's plain or partitioned table (a partitioned one per partition,
-- which partition maintenance then follows). The stored format is version
-- 2 (DEVELOPING.md, "The day summary"): the old table is replaced and its
-- summaries are rebuilt from the rows. A fresh CREATE EXTENSION runs 1.0,
-- 1.0--1.1, 1.1--1.2 and this file.

\echo Use "ALTER EXTENSION whanalytics UPDATE TO '1.3'" to load this file. \quit

DROP TABLE @extschema@.webhook_event_summaries;

-- Exact summaries of each summarized table, one row per delta or merged
-- (table, organization, UTC day). Internal: no privileges are granted; the
-- functions read it after checking that it shows the caller exactly what
-- the rows would. Not dumped: restoring the rows rebuilds it through the
-- triggers.
CREATE TABLE @extschema@.webhook_event_summaries (
    events          regclass NOT NULL,           -- the summarized table
    organization_id text NOT NULL,
    day             bigint NOT NULL,             -- UTC days since 2000-01-01
    state           bytea NOT NULL,              -- the day
    hours           bytea NOT NULL               -- the detail of each hour
) WITH (toast_tuple_target = 8160,   -- keep states inline and uncompressed up to ~8 kB
        autovacuum_vacuum_scale_factor = 0.02);
CREATE INDEX webhook_event_summaries_org_day_idx
    ON @extschema@.webhook_event_summaries (events, organization_id, day);
REVOKE ALL ON @extschema@.webhook_event_summaries FROM PUBLIC;

-- Values beyond toast_tuple_target are compressed with lz4 where the server
-- has it (its decompression is several times faster than pglz's: the hours
-- of a window's first and last day are decompressed on every call).
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_settings
               WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE @extschema@.webhook_event_summaries
            ALTER COLUMN state SET COMPRESSION lz4, ALTER COLUMN hours SET COMPRESSION lz4;
    END IF;
END $$;

COMMENT ON TABLE @extschema@.webhook_event_summaries IS
'Exact per-table, per-organization, per-UTC-day summaries, kept by the summary triggers; internal';
COMMENT ON COLUMN @extschema@.webhook_event_summaries.events IS
'The summarized table (webhook_events, or a table given to webhook_summaries_attach)';
COMMENT ON COLUMN @extschema@.webhook_event_summaries.day IS
'UTC days since 2000-01-01';
COMMENT ON COLUMN @extschema@.webhook_event_summaries.state IS
'Counters by webhook and hour, the day''s event and failed-URL counts and latency histogram (binary, version 2)';
COMMENT ON COLUMN @extschema@.webhook_event_summaries.hours IS
'Event and failed-URL counts and latency histogram of each hour, by webhook (binary, version 2)';

CREATE TRIGGER webhook_event_summaries_skip_replicated
    BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.webhook_event_summaries
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_summaries_skip_replicated();
ALTER TABLE @extschema@.webhook_event_summaries ENABLE REPLICA TRIGGER webhook_event_summaries_skip_replicated;

-- The partitions of an attached partitioned table have a status row each,
-- naming the table they are part of: a partition whose row a snapshot does
-- not see (attached after it began) is read as rows.
ALTER TABLE @extschema@.webhook_summary_status ADD COLUMN part_of regclass;
COMMENT ON COLUMN @extschema@.webhook_summary_status.part_of IS
'For a partition of an attached partitioned table, that table; NULL for a table summarized as a whole';

-- Summaries for the user's own table (whanalytics.events_table).
CREATE FUNCTION @extschema@.webhook_summaries_attach(events regclass)
RETURNS bigint
AS 'MODULE_PATHNAME', 'webhook_summaries_attach'
LANGUAGE C STRICT;

COMMENT ON FUNCTION @extschema@.webhook_summaries_attach(regclass) IS
'Keeps whanalytics summaries for a table of the user''s (plain, or partitioned), building them from its rows; returns the deliveries summarized; owner only, idempotent';

CREATE FUNCTION @extschema@.webhook_summaries_detach(events regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'webhook_summaries_detach'
LANGUAGE C STRICT;

COMMENT ON FUNCTION @extschema@.webhook_summaries_detach(regclass) IS
'Stops keeping whanalytics summaries for a table and drops them (its triggers included); owner only';

CREATE FUNCTION @extschema@.webhook_summaries_rebuild(events regclass)
RETURNS bigint
AS 'MODULE_PATHNAME', 'webhook_summaries_rebuild'
LANGUAGE C STRICT;

COMMENT ON FUNCTION @extschema@.webhook_summaries_rebuild(regclass) IS
'Recomputes the summaries of an attached table (or webhook_events) from its rows and marks them complete; owner only';

-- After a table is dropped: forget its summaries and status.
CREATE EVENT TRIGGER whanalytics_watch_drop ON sql_drop
    EXECUTE FUNCTION @extschema@.webhook_summaries_watch();
ALTER EVENT TRIGGER whanalytics_watch_drop ENABLE ALWAYS;

-- The new summaries, rebuilt from the rows; where the table cannot be
-- summarized, marked stale (answers read rows) as 1.2 did.
DO $$
BEGIN
    PERFORM @extschema@.webhook_summaries_rebuild();
EXCEPTION WHEN object_not_in_prerequisite_state THEN
    UPDATE @extschema@.webhook_summary_status
    SET stale_since = pg_catalog.now(), stale_reason = 'updated to 1.3 while ' || SQLERRM;
END $$;
