\set ECHO none
-- teardown.sql: the last line of every pg_regress test (\i test/teardown.sql):
-- drops the session's temporary objects (they would go with the session),
-- then what test/setup.sql made, the extension with its tables and rows
-- included, so the next test starts from a fresh install. No CASCADE: an
-- object a test left behind that depends on the extension is an error in
-- its output. Quiet: only errors are printed.
SET client_min_messages = warning;
DISCARD TEMP;
DROP FUNCTION error_of, json_diff, paths_agree, parts_agree, series_agree, plain_analytics_json_between,
              plain_analytics_json, plain_response_parts, plain_day_metrics, plain_hourly_metrics,
              plain_metrics_series;
DROP EXTENSION whanalytics;
RESET client_min_messages;
\set ECHO all
