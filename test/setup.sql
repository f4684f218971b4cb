\set ECHO none
-- setup.sql: the first line of every pg_regress test (\i test/setup.sql;
-- pg_regress feeds a test to psql from the tree's root), so that each runs
-- alone or in any order: the extension unless it is there, the shared test
-- helpers and the plain-SQL oracle. test/teardown.sql, the last line of each
-- test, removes them again. Quiet: only errors are printed.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS whanalytics;
\ir helpers.sql
\ir plain_sql.sql
RESET client_min_messages;
\set ECHO all
