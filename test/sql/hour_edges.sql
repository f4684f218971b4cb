-- hour_edges: a window's whole hours come from the summaries (whole days
-- from a day's totals, the hours of a partly covered day from its hour
-- detail), only its partial edge hours from rows. Rows on exact hour
-- boundaries and one microsecond either side, windows starting and ending
-- on, just before and just after an hour or a day: every answer equals the
-- rows' and the plain-SQL oracle's.
\i test/setup.sql
SET TimeZone = 'America/St_Johns';   -- a half-hour offset: nothing may use the session's zone

-- Fixture: org_he, two webhooks, rows at each hour boundary of 2025-09-01 ..
-- 2025-09-03 and one microsecond either side, plus rows inside the hours.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_he_' || (i % 2), 'org_he', 'https://he.example/' || (i % 3),
       (ARRAY['a.created', 'b.updated', 'c.deleted'])[i % 3 + 1],
       (ARRAY[200, 500, NULL, 404])[i % 4 + 1],
       CASE WHEN i % 4 = 2 THEN '{"e": 1}'::jsonb END,
       i % 3, ts, ts + (i % 900) * interval '1 ms', i % 400, (i % 5 <> 0)::int
FROM (SELECT row_number() OVER () AS i, ts
      FROM generate_series('2025-09-01 00:00+00'::timestamptz, '2025-09-04 00:00+00', interval '1 hour') h,
           LATERAL (VALUES (h - interval '1 microsecond'), (h), (h + interval '1 microsecond'),
                           (h + interval '17 minutes'), (h + interval '42 minutes 3.25 seconds')) v(ts)) r;
SELECT count(*) AS deliveries FROM webhook_events WHERE organization_id = 'org_he';
SELECT usable FROM webhook_summaries_status('org_he');

-- Windows whose ends sit on an hour, one microsecond either side of it, on a
-- day boundary, inside one hour, exactly one hour, across one day boundary.
SELECT f, t, w, paths_agree('org_he', f, t, w)
FROM (VALUES ('2025-09-01 05:00+00'::timestamptz, '2025-09-02 05:00+00'::timestamptz),
             ('2025-09-01 04:59:59.999999+00', '2025-09-02 05:00:00.000001+00'),
             ('2025-09-01 05:00:00.000001+00', '2025-09-02 04:59:59.999999+00'),
             ('2025-09-01 00:00+00', '2025-09-03 00:00+00'),
             ('2025-08-31 23:59:59.999999+00', '2025-09-03 00:00:00.000001+00'),
             ('2025-09-01 00:00:00.000001+00', '2025-09-02 23:59:59.999999+00'),
             ('2025-09-02 10:00+00', '2025-09-02 11:00+00'),
             ('2025-09-02 10:00:00.000001+00', '2025-09-02 11:00:00.000001+00'),
             ('2025-09-02 10:20+00', '2025-09-02 10:50+00'),
             ('2025-09-02 10:59:59.999999+00', '2025-09-02 12:00:00.000001+00'),
             ('2025-09-01 21:37:13+00', '2025-09-02 21:37:13+00'),
             ('2025-09-01 23:00+00', '2025-09-02 01:00+00'),
             ('2025-09-01 23:30+00', '2025-09-02 00:30+00'),
             ('2025-08-31 13:13+00', '2025-09-05 02:02+00')) v(f, t),
     unnest(ARRAY[NULL, 'webhook_he_1']) w
ORDER BY 1, 2, 3;

-- The hour detail really answers: damaging it changes the summary path of a
-- window that covers part of a day (and only of it), not a whole-day window
-- (which reads the day's totals); the counters still agree either way.
BEGIN;
UPDATE webhook_event_summaries
SET hours = (SELECT hours FROM webhook_event_summaries
             WHERE organization_id = 'org_he' AND day = 9376 LIMIT 1)
WHERE organization_id = 'org_he' AND day = 9375;
SELECT (SELECT count(*) FROM webhook_event_summaries WHERE organization_id = 'org_he' AND day = 9375) = 1
         AS one_row_for_the_day,
       paths_agree('org_he', '2025-09-01 05:00+00', '2025-09-02 05:00+00') <> 'agree' AS partial_day_shows,
       paths_agree('org_he', '2025-09-01 00:00+00', '2025-09-03 00:00+00') AS whole_days;
ROLLBACK;

-- A busy day: the same events, URLs and latencies in every hour, so each
-- hour's detail is about as big as the day's and a window covering most of
-- the day reads the day's detail less the other hours' (reads_outside: the
-- sizes the reader compares say so for 20 of 24 hours), fewer hours directly.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_busy_' || (i % 2), 'org_he_busy', 'https://busy.example/' || (i % 3),
       (ARRAY['a.created', 'b.updated', 'c.deleted'])[i % 3 + 1],
       (ARRAY[200, 500, NULL, 404])[i % 4 + 1], NULL, i % 3,
       '2025-09-10 00:00+00'::timestamptz + i * interval '36 seconds',
       '2025-09-10 00:00+00'::timestamptz + i * interval '36 seconds' + (i % 25) * interval '1 ms',
       i % 7, (i % 5 <> 0)::int
FROM generate_series(0, 2399) i;
SELECT octet_length(state) + octet_length(hours) / 24 * 4 < octet_length(hours) / 24 * 20 AS reads_outside
FROM webhook_event_summaries WHERE organization_id = 'org_he_busy';
SELECT f, t, w, paths_agree('org_he_busy', f, t, w)
FROM (VALUES ('2025-09-10 02:00+00'::timestamptz, '2025-09-10 22:00+00'::timestamptz),
             ('2025-09-10 01:59:59.999999+00', '2025-09-10 22:00:00.000001+00'),
             ('2025-09-10 00:00:00.000001+00', '2025-09-10 23:59:59.999999+00'),
             ('2025-09-09 21:37:13+00', '2025-09-10 21:37:13+00'),
             ('2025-09-10 05:17+00', '2025-09-11 05:17+00'),
             ('2025-09-10 10:00+00', '2025-09-10 13:00+00')) v(f, t),
     unnest(ARRAY[NULL, 'webhook_busy_1']) w
ORDER BY 1, 2, 3;

-- Writes to the busy day, each leaving a delta beside its merged row (read
-- either way, each row by its own sizes): an update of latencies and
-- events, a delete of whole hours' rows, an insert into an hour outside the
-- windows; inside the transaction and after it.
BEGIN;
UPDATE webhook_events SET first_sent_at = first_sent_at + interval '3 ms', event = 'd.moved'
WHERE organization_id = 'org_he_busy' AND created_at < '2025-09-10 06:00+00';
DELETE FROM webhook_events
WHERE organization_id = 'org_he_busy' AND created_at >= '2025-09-10 22:00+00';
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at,
                            first_sent_at, done)
VALUES ('webhook_busy_0', 'org_he_busy', 'https://busy.example/new', 'e.new', 503,
        '2025-09-10 01:30+00', '2025-09-10 01:30:00.250+00', 0);
SELECT paths_agree('org_he_busy', '2025-09-10 02:00+00', '2025-09-10 22:00+00') AS busy_inside_transaction;
COMMIT;
SELECT (SELECT count(*) FROM webhook_event_summaries WHERE organization_id = 'org_he_busy') > 1
         AS deltas_beside,
       paths_agree('org_he_busy', '2025-09-09 21:37:13+00', '2025-09-10 21:37:13+00') AS rolling_day,
       paths_agree('org_he_busy', '2025-09-10 00:00:00.000001+00', '2025-09-10 23:59:59.999999+00') AS most_of_day,
       paths_agree('org_he_busy', '2025-09-10 10:00+00', '2025-09-10 13:00+00') AS three_hours,
       paths_agree('org_he_busy', '2025-09-10 01:00+00', '2025-09-10 23:00+00', 'webhook_busy_0') AS one_webhook;

-- A small statement's delta (at most 32 rows) leaves out the day's detail
-- (flag 2 of its day value: its hours' add up to it), so a window of the
-- whole day reads that delta's detail from its hours: emptying them changes
-- a whole-day answer, while the merged row beside it (flag 0) reads its own.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at,
                            first_sent_at, done)
SELECT 'webhook_small_' || (i % 2), 'org_he_small', 'https://small.example/' || (i % 3),
       'e.' || (i % 4), (ARRAY[200, 503])[i % 2 + 1], '2025-09-12 00:00+00'::timestamptz + i * interval '3 minutes',
       '2025-09-12 00:00+00'::timestamptz + i * interval '3 minutes' + (i % 40) * interval '1 ms', 1
FROM generate_series(0, 479) i;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at,
                            first_sent_at, done)
VALUES ('webhook_small_0', 'org_he_small', 'https://small.example/x', 'e.new', 500,
        '2025-09-12 03:10+00', '2025-09-12 03:10:00.077+00', 1),
       ('webhook_small_1', 'org_he_small', 'https://small.example/y', 'e.0', 200,
        '2025-09-12 15:20+00', '2025-09-12 15:20:00.091+00', 1);
SELECT count(*) FILTER (WHERE get_byte(state, 1) & 2 = 2) AS deltas_without_day_detail,
       count(*) FILTER (WHERE get_byte(state, 1) & 2 = 0) AS rows_with_it
FROM webhook_event_summaries WHERE organization_id = 'org_he_small';
SELECT paths_agree('org_he_small', '2025-09-12 00:00+00', '2025-09-13 00:00+00') AS whole_day,
       paths_agree('org_he_small', '2025-09-11 00:00+00', '2025-09-14 00:00+00', 'webhook_small_0')
         AS whole_days_one_webhook,
       paths_agree('org_he_small', '2025-09-12 02:00+00', '2025-09-12 23:00+00') AS most_of_day;
BEGIN;
UPDATE webhook_event_summaries SET hours = '\x030000'::bytea
WHERE organization_id = 'org_he_small' AND get_byte(state, 1) & 2 = 2;
SELECT paths_agree('org_he_small', '2025-09-12 00:00+00', '2025-09-13 00:00+00') <> 'agree'
         AS whole_day_reads_its_hours;
ROLLBACK;

-- Writes at the edges: a row moved one microsecond across an hour boundary,
-- a delete of the rows on the boundary, an insert just before it; checked
-- inside the transaction and after commit.
BEGIN;
UPDATE webhook_events SET created_at = created_at - interval '1 microsecond'
WHERE organization_id = 'org_he' AND created_at = '2025-09-02 06:00+00';
DELETE FROM webhook_events WHERE organization_id = 'org_he' AND created_at = '2025-09-02 07:00:00.000001+00';
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at, first_sent_at, done)
VALUES ('webhook_he_0', 'org_he', 'https://he.example/new', 'd.new', 500, '2025-09-02 07:59:59.999999+00',
        '2025-09-02 08:00:00.5+00', 1);
SELECT paths_agree('org_he', '2025-09-02 06:00+00', '2025-09-02 08:00+00') AS inside_transaction;
COMMIT;
SELECT f, t, paths_agree('org_he', f, t)
FROM (VALUES ('2025-09-02 06:00+00'::timestamptz, '2025-09-02 08:00+00'::timestamptz),
             ('2025-09-02 05:59:59.999999+00', '2025-09-02 07:00:00.000001+00'),
             ('2025-09-01 06:00+00', '2025-09-02 08:00+00'),
             ('2025-09-02 07:00:00.000002+00', '2025-09-03 07:59:59.999999+00')) v(f, t)
ORDER BY 1, 2;
SELECT webhook_summaries_compact() >= 0 AS compacted,
       paths_agree('org_he', '2025-09-01 06:00:00.000001+00', '2025-09-02 07:59:59.999999+00') AS after_compaction;
\i test/teardown.sql
