-- extension: CREATE EXTENSION (plain and WITH SCHEMA), the objects it makes,
-- their properties, dump marking and the update chain; the test helpers and
-- the plain-SQL oracle load against it.

-- Installed in a schema of its own, everything lands there and works from
-- a search_path that does not name it.
CREATE SCHEMA whs;
CREATE EXTENSION whanalytics SCHEMA whs;
SELECT n.nspname, count(*) AS objects
FROM pg_depend d
JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'whanalytics'
JOIN LATERAL (SELECT relnamespace AS ns FROM pg_class WHERE oid = d.objid AND d.classid = 'pg_class'::regclass
              UNION ALL SELECT pronamespace FROM pg_proc WHERE oid = d.objid AND d.classid = 'pg_proc'::regclass
              UNION ALL SELECT typnamespace FROM pg_type WHERE oid = d.objid AND d.classid = 'pg_type'::regclass) o ON true
JOIN pg_namespace n ON n.oid = o.ns
WHERE d.deptype = 'e'
GROUP BY n.nspname;
SHOW search_path;
INSERT INTO whs.webhook_events (webhook_id, organization_id, url, event, created_at)
VALUES ('webhook_s', 'org_schema', 'https://s.example', 'x.created', '2025-01-01 12:00+00');
SELECT whs.webhook_analytics_json('org_schema', 'last_day', '2025-01-02 00:00+00') -> 'data' -> 'day_metrics' ->> 'total' AS total;
DROP EXTENSION whanalytics;
DROP SCHEMA whs;

-- The default install.
CREATE EXTENSION whanalytics;
SELECT extname, extversion, extrelocatable FROM pg_extension WHERE extname = 'whanalytics';

-- The tables of SPEC section 1, column by column.
SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
FROM information_schema.columns
WHERE table_schema = 'public' AND table_name IN ('webhooks', 'webhook_events')
ORDER BY table_name, ordinal_position;

-- The indexes: one serves "one organization, a window, newest first".
SELECT indexname, indexdef FROM pg_indexes
WHERE schemaname = 'public' AND tablename IN ('webhooks', 'webhook_events')
ORDER BY indexname;

-- The summary triggers: statement triggers in ordinary sessions (O), the
-- row trigger where session_replication_role is replica (R: logical
-- replication apply), TRUNCATE in both (A); the summary table is private
-- to the extension and not dumped.
SELECT tgname, tgenabled FROM pg_trigger
WHERE tgrelid = 'webhook_events'::regclass AND NOT tgisinternal ORDER BY tgname;
SELECT count(*) AS public_grants FROM pg_class c, aclexplode(c.relacl) a
WHERE c.oid = 'webhook_event_summaries'::regclass AND a.grantee = 0;

-- Rows are user data: pg_dump dumps both tables and the identity sequence.
SELECT c.relname
FROM pg_extension x, unnest(x.extconfig) AS cfg(oid)
JOIN pg_class c ON c.oid = cfg.oid
WHERE x.extname = 'whanalytics'
ORDER BY 1;

-- Every function: volatility, parallel safety, SECURITY INVOKER, strictness, a comment.
SELECT p.oid::regprocedure AS function, p.provolatile, p.proparallel, p.prosecdef,
       p.proisstrict, obj_description(p.oid, 'pg_proc') IS NOT NULL AS has_comment
FROM pg_proc p
JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'whanalytics'
ORDER BY p.oid::regprocedure::text COLLATE "C";

-- The aggregate has combine, serialize and deserialize functions.
SELECT aggfnoid, aggtransfn, aggcombinefn, aggserialfn, aggdeserialfn, aggfinalfn
FROM pg_aggregate WHERE aggfnoid = 'webhook_latency_percentiles'::regproc;

-- The update chain: every released version reaches the default version.
SELECT source, target, path FROM pg_extension_update_paths('whanalytics')
WHERE path IS NOT NULL ORDER BY 1, 2;
ALTER EXTENSION whanalytics UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'whanalytics';

-- Settings are reserved and documented.
SELECT name, setting, context, short_desc FROM pg_settings
WHERE name LIKE 'whanalytics.%' ORDER BY name;

-- The shared test helpers and the plain-SQL oracle load against this install.
\i test/setup.sql
SELECT count(*) AS oracle_functions FROM pg_proc WHERE proname LIKE 'plain\_%';
\i test/teardown.sql
