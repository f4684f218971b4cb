-- whanalytics 1.3 -> 1.4: the summary index keeps one entry per summary
-- row. With btree deduplication (the default) the entries of one
-- (table, organization, day) shared a posting list with the day's merged
-- row, which stays live, so the entries of the deltas merged since the
-- last VACUUM could never be marked dead: every later read and every
-- compaction of that day visited each of them in the heap. Without it, a
-- merged delta's entry is marked dead the first time a scan finds its row
-- dead to everyone, and skipped from then on. No summary changes. A fresh
-- CREATE EXTENSION runs 1.0, 1.0--1.1, 1.1--1.2, 1.2--1.3 and this file.

\echo Use "ALTER EXTENSION whanalytics UPDATE TO '1.4'" to load this file. \quit

ALTER INDEX @extschema@.webhook_event_summaries_org_day_idx SET (deduplicate_items = off);
REINDEX INDEX @extschema@.webhook_event_summaries_org_day_idx;
