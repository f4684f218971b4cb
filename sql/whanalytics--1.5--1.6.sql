-- whanalytics 1.5 -> 1.6: the summaries gain a third value, the
-- organization's counters and latency histogram of each 5-minute slice of
-- the day, so that webhook_metrics_series with buckets of whole 5-minute
-- slices that are not whole hours ('5 minutes', '15 minutes', '90
-- minutes') reads them instead of the window's rows. Every summarized
-- table's summaries are rebuilt from its rows (a SHARE lock on each table
-- while it is rebuilt); answers are unchanged.

\echo Use "ALTER EXTENSION whanalytics UPDATE TO '1.6'" to load this file. \quit

-- NULL: the day's slices are unknown (a row written before 1.6); a series
-- that meets one reads rows.
ALTER TABLE @extschema@.webhook_event_summaries ADD COLUMN slices bytea;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_settings
               WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE @extschema@.webhook_event_summaries ALTER COLUMN slices SET COMPRESSION lz4;
    END IF;
END $$;

COMMENT ON COLUMN @extschema@.webhook_event_summaries.slices IS
'Counters and latency histogram of each 5-minute slice of the day, for the whole organization (binary, version 3; NULL: unknown)';

-- The summaries with their slices, rebuilt from the rows of each
-- summarized table (a partitioned one with its partitions); where a table
-- cannot be summarized, marked stale (answers read rows) as 1.5 did.
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT s.events FROM @extschema@.webhook_summary_status s
             JOIN pg_catalog.pg_class c ON c.oid = s.events
             WHERE NOT c.relispartition ORDER BY s.events LOOP
        BEGIN
            PERFORM @extschema@.webhook_summaries_rebuild(t);
        EXCEPTION WHEN object_not_in_prerequisite_state THEN
            UPDATE @extschema@.webhook_summary_status
            SET stale_since = pg_catalog.now(), stale_reason = 'updated to 1.6 while ' || SQLERRM
            WHERE events = t;
        END;
    END LOOP;
END $$;
