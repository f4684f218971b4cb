-- whanalytics 1.4 -> 1.5: webhook_analytics_request (SPEC 5.3),
-- webhook_metrics_series (SPEC 5.2), and the include argument (SPEC 5.1) of
-- webhook_analytics_json and webhook_analytics_json_between adds optional
-- parts to the response: the previous window and the changes, status
-- codes and classes, a latency breakdown, retries, and a per-webhook
-- breakdown. The summaries move to format version 3, which holds what
-- those parts count (recovered and gave-up rows, the response statuses and
-- retries of each hour) and rows with a NULL webhook_id; every summarized
-- table's summaries are rebuilt from its rows (a SHARE lock on each table
-- while it is rebuilt). A call without include returns what it did.

\echo Use "ALTER EXTENSION whanalytics UPDATE TO '1.5'" to load this file. \quit

-- A seventh argument: CREATE OR REPLACE would add an overload beside the
-- old function, and a call with six arguments would match both. PARALLEL
-- RESTRICTED as since 1.2 (they consult what this backend's transaction
-- has changed).
DROP FUNCTION @extschema@.webhook_analytics_json(text, text, timestamptz, text, integer, integer);
DROP FUNCTION @extschema@.webhook_analytics_json_between(text, timestamptz, timestamptz, text, integer, integer);

-- The whole analytics response for a rolling period ending at as_of.
CREATE FUNCTION @extschema@.webhook_analytics_json(
    organization_id text,
    period text DEFAULT 'last_day',
    as_of timestamptz DEFAULT pg_catalog.now(),
    webhook_id text DEFAULT NULL,
    top_n integer DEFAULT 5,
    last_n integer DEFAULT 10,
    include text[] DEFAULT '{}')
RETURNS jsonb
AS 'MODULE_PATHNAME', 'webhook_analytics_json'
LANGUAGE C STABLE PARALLEL RESTRICTED SECURITY INVOKER;

COMMENT ON FUNCTION @extschema@.webhook_analytics_json(text, text, timestamptz, text, integer, integer, text[]) IS
'Webhook analytics response (jsonb) for one organization over a rolling period ending at as_of, with the optional parts named in include';

-- The whole analytics response for the window [from_ts, to_ts).
CREATE FUNCTION @extschema@.webhook_analytics_json_between(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    webhook_id text DEFAULT NULL,
    top_n integer DEFAULT 5,
    last_n integer DEFAULT 10,
    include text[] DEFAULT '{}')
RETURNS jsonb
AS 'MODULE_PATHNAME', 'webhook_analytics_json_between'
LANGUAGE C STABLE PARALLEL RESTRICTED SECURITY INVOKER;

COMMENT ON FUNCTION @extschema@.webhook_analytics_json_between(text, timestamptz, timestamptz, text, integer, integer, text[]) IS
'Webhook analytics response (jsonb) for one organization over the window [from_ts, to_ts), with the optional parts named in include';

-- The window's deliveries in buckets of any width (date_bin's, from
-- 2000-01-01 UTC), dense without group_by, by bucket and key with it.
CREATE FUNCTION @extschema@.webhook_metrics_series(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    bucket interval DEFAULT '1 hour',
    group_by text DEFAULT NULL,
    webhook_id text DEFAULT NULL)
RETURNS TABLE (bucket timestamptz, key text, total bigint, success bigint, failed bigint,
               pending bigint, retried bigint, avg_delay_ms numeric,
               latency_p50 numeric, latency_p95 numeric, latency_p99 numeric)
AS 'MODULE_PATHNAME', 'webhook_metrics_series'
LANGUAGE C STABLE PARALLEL RESTRICTED SECURITY INVOKER;

COMMENT ON FUNCTION @extschema@.webhook_metrics_series(text, timestamptz, timestamptz, interval, text, text) IS
'Per-bucket delivery metrics (counts, mean delay, exact latency percentiles) for the window [from_ts, to_ts), any bucket width, optionally by webhook, event, url, status or status_class';

-- The whole HTTP exchange in one call: the API's query parameters as
-- jsonb, the response or a 400 envelope with a validator entry per bad
-- parameter.
CREATE FUNCTION @extschema@.webhook_analytics_request(
    organization_id text,
    query jsonb DEFAULT '{}')
RETURNS jsonb
AS 'MODULE_PATHNAME', 'webhook_analytics_request'
LANGUAGE C STABLE PARALLEL RESTRICTED SECURITY INVOKER;

COMMENT ON FUNCTION @extschema@.webhook_analytics_request(text, jsonb) IS
'The analytics response for the API''s query parameters (jsonb), or a 400 envelope naming each bad parameter; never an error for anything in query';

-- The summaries in format 3, rebuilt from the rows of each summarized
-- table (a partitioned one with its partitions); where a table cannot be
-- summarized, marked stale (answers read rows) as 1.3 did.
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
            SET stale_since = pg_catalog.now(), stale_reason = 'updated to 1.5 while ' || SQLERRM
            WHERE events = t;
        END;
    END LOOP;
END $$;
