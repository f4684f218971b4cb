-- pinned_demo.sql: run after demo/sample_data.sql; pins the demo data (made
-- relative to now()) to the fixed as_of 2026-01-08 00:00 UTC, and adds one
-- edge row (non-ASCII event, JSON null error, done = 7, sub-second times) of
-- organization org_edge. Used by the TAP tests that compare responses
-- (test/t/001_dump_restore.pl, test/t/002_update_chain.pl).
UPDATE webhook_events SET created_at = created_at - (now() - '2026-01-08 00:00+00'),
                          first_sent_at = first_sent_at - (now() - '2026-01-08 00:00+00');
INSERT INTO webhook_events (webhook_id, organization_id, url, event, payload, error,
                            response_status, created_at, first_sent_at, done)
VALUES ('webhook_edge', 'org_edge', 'https://edge', 'é.event', '{"a": [1, {"b": null}]}', 'null',
        NULL, '2026-01-07 12:00:00.123456+00', '2026-01-07 12:00:00.5+00', 7);
