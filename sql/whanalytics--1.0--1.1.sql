-- whanalytics 1.0 -> 1.1: describe the tables, their columns and the
-- latency type in the catalog (what \d+, \dT+ and BI tools show), and let
-- autovacuum visit the summary table sooner: compaction deletes its delta
-- rows all the time, so its dead rows grow much faster than its live ones.
-- Data is untouched. A fresh CREATE EXTENSION runs whanalytics--1.0.sql and
-- then this file (there is no separate 1.1 script to drift from it);
-- test/t/002_update_chain.pl checks an update of a filled 1.0 database.

\echo Use "ALTER EXTENSION whanalytics UPDATE TO '1.1'" to load this file. \quit

ALTER TABLE @extschema@.webhook_event_summaries SET (autovacuum_vacuum_scale_factor = 0.02);

COMMENT ON TABLE @extschema@.webhooks IS
'The webhooks each organization has configured';
COMMENT ON TABLE @extschema@.webhook_events IS
'One row per webhook delivery; the source of every whanalytics answer';
COMMENT ON TABLE @extschema@.webhook_event_summaries IS
'Exact per-organization, per-UTC-day summaries of webhook_events, kept by its triggers; internal';
COMMENT ON COLUMN @extschema@.webhook_event_summaries.day IS
'UTC days since 2000-01-01';
COMMENT ON COLUMN @extschema@.webhook_event_summaries.state IS
'Counters by webhook and hour, event and failed-URL counts, latency histogram (binary)';
COMMENT ON TYPE @extschema@.webhook_latency IS
'Result of webhook_latency_percentiles: min, max, avg and percentile_cont at 0.5, 0.9, 0.95, 0.99';
