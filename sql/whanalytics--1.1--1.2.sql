-- whanalytics 1.1 -> 1.2: summaries that no configuration can make wrong.
-- Logical-replication apply (and any session with session_replication_role
-- = replica) fires only row triggers, so a row trigger now keeps the
-- summaries there; the statement triggers fire in ordinary sessions only,
-- so exactly one path sees each change. A status table remembers when DDL
-- (triggers disabled, a child table attached, a rewrite) may have let rows
-- change unseen; event triggers set it, refuse DDL the triggers could not
-- follow, and webhook_summaries_rebuild() clears it. The functions that
-- read summaries become PARALLEL RESTRICTED: they consult what this
-- backend's transaction has changed, which a parallel worker cannot see.
-- The summaries are rebuilt at the end (1.1 could not see replica-mode
-- writes). A fresh CREATE EXTENSION runs 1.0, 1.0--1.1 and this file.

\echo Use "ALTER EXTENSION whanalytics UPDATE TO '1.2'" to load this file. \quit

-- Whether the summaries of each summarized table are complete: NULL
-- stale_since means they are; otherwise since when, and why, they are not.
-- Internal, like the summaries.
CREATE TABLE @extschema@.webhook_summary_status (
    events       regclass PRIMARY KEY,
    stale_since  timestamptz,
    stale_reason text
);
REVOKE ALL ON @extschema@.webhook_summary_status FROM PUBLIC;
INSERT INTO @extschema@.webhook_summary_status VALUES ('@extschema@.webhook_events', NULL, NULL);

COMMENT ON TABLE @extschema@.webhook_summary_status IS
'Whether the whanalytics summaries of each table are complete (stale_since NULL) or out of date since some DDL; internal';

-- Ordinary sessions: a BEFORE STATEMENT trigger notes that a statement is
-- changing the table (readers read rows until its delta is written) and
-- the AFTER STATEMENT triggers write the delta.
ALTER TABLE @extschema@.webhook_events ENABLE TRIGGER webhook_events_summarize_insert;
ALTER TABLE @extschema@.webhook_events ENABLE TRIGGER webhook_events_summarize_update;
ALTER TABLE @extschema@.webhook_events ENABLE TRIGGER webhook_events_summarize_delete;
CREATE TRIGGER webhook_events_summarize_begin
    BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.webhook_events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.webhook_events_summarize();

-- session_replication_role = replica (logical-replication apply and table
-- sync): the row trigger collects the transaction's rows and writes them
-- at commit. TRUNCATE keeps firing ALWAYS.
CREATE TRIGGER webhook_events_summarize_replica
    AFTER INSERT OR UPDATE OR DELETE ON @extschema@.webhook_events
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_events_summarize();
ALTER TABLE @extschema@.webhook_events ENABLE REPLICA TRIGGER webhook_events_summarize_replica;

-- Only the extension's own triggers call the trigger functions: nobody may
-- attach them to another table (its rows would land in these summaries).
REVOKE ALL ON FUNCTION @extschema@.webhook_events_summarize() FROM PUBLIC;

COMMENT ON FUNCTION @extschema@.webhook_events_summarize() IS
'Trigger keeping webhook_event_summaries exact: statement triggers in ordinary sessions, a row trigger where session_replication_role is replica, TRUNCATE in both';

-- A FOR ALL TABLES publication carries the internal tables too: a
-- subscriber drops those changes and keeps its own summaries.
CREATE FUNCTION @extschema@.webhook_summaries_skip_replicated()
RETURNS trigger
AS 'MODULE_PATHNAME', 'webhook_summaries_skip_replicated'
LANGUAGE C;

REVOKE ALL ON FUNCTION @extschema@.webhook_summaries_skip_replicated() FROM PUBLIC;

COMMENT ON FUNCTION @extschema@.webhook_summaries_skip_replicated() IS
'Trigger dropping the changes logical replication would apply to the internal summary tables';

CREATE TRIGGER webhook_event_summaries_skip_replicated
    BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.webhook_event_summaries
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_summaries_skip_replicated();
ALTER TABLE @extschema@.webhook_event_summaries ENABLE REPLICA TRIGGER webhook_event_summaries_skip_replicated;
CREATE TRIGGER webhook_summary_status_skip_replicated
    BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.webhook_summary_status
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_summaries_skip_replicated();
ALTER TABLE @extschema@.webhook_summary_status ENABLE REPLICA TRIGGER webhook_summary_status_skip_replicated;

-- After DDL: refuse what the triggers could not read, mark the summaries
-- stale when rows may have changed unseen.
CREATE FUNCTION @extschema@.webhook_summaries_watch()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'webhook_summaries_watch'
LANGUAGE C;

REVOKE ALL ON FUNCTION @extschema@.webhook_summaries_watch() FROM PUBLIC;

COMMENT ON FUNCTION @extschema@.webhook_summaries_watch() IS
'Event trigger: refuses DDL the summary triggers could not follow, marks the summaries stale after DDL that may hide changes';

CREATE EVENT TRIGGER whanalytics_watch_ddl ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'CREATE TABLE', 'CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE',
                 'CREATE TRIGGER', 'DROP TRIGGER', 'ALTER TRIGGER', 'CREATE INDEX', 'DROP INDEX')
    EXECUTE FUNCTION @extschema@.webhook_summaries_watch();
CREATE EVENT TRIGGER whanalytics_watch_rewrite ON table_rewrite
    EXECUTE FUNCTION @extschema@.webhook_summaries_watch();
-- in every session_replication_role, like the triggers they watch over
ALTER EVENT TRIGGER whanalytics_watch_ddl ENABLE ALWAYS;
ALTER EVENT TRIGGER whanalytics_watch_rewrite ENABLE ALWAYS;

-- Why a call reads rows instead of summaries.
CREATE FUNCTION @extschema@.webhook_summaries_status(organization_id text DEFAULT NULL)
RETURNS TABLE (events regclass, usable boolean, reason text, stale_since timestamptz)
AS 'MODULE_PATHNAME', 'webhook_summaries_status'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.webhook_summaries_status(text) IS
'Whether the caller''s calls (for one organization, or any) are answered from the summaries now, and if not, why';

ALTER FUNCTION @extschema@.webhook_analytics_json(text, text, timestamptz, text, integer, integer) PARALLEL RESTRICTED;
ALTER FUNCTION @extschema@.webhook_analytics_json_between(text, timestamptz, timestamptz, text, integer, integer) PARALLEL RESTRICTED;
ALTER FUNCTION @extschema@.webhook_day_metrics(text, timestamptz, timestamptz, text) PARALLEL RESTRICTED;
ALTER FUNCTION @extschema@.webhook_hourly_metrics(text, timestamptz, timestamptz, text) PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.webhook_summaries_rebuild() IS
'Recomputes the day summaries from webhook_events and marks them complete (after the summary triggers were disabled, or a rewrite)';

-- 1.1 missed replica-mode writes: start from summaries rebuilt from the
-- rows, or, where the table cannot be summarized, mark them stale.
DO $$
BEGIN
    PERFORM @extschema@.webhook_summaries_rebuild();
EXCEPTION WHEN object_not_in_prerequisite_state THEN
    UPDATE @extschema@.webhook_summary_status
    SET stale_since = pg_catalog.now(), stale_reason = 'updated to 1.2 while ' || SQLERRM;
END $$;
