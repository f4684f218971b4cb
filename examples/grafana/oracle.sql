-- examples/grafana/oracle.sql - each panel's rows again, in plain SQL over webhook_events.
--
--     psql -X -At -F $'\t' -v org=... -v from=... -v to=... -v bucket='300 seconds' \
--          -v outdir=DIR -f oracle.sql
--
-- Writes DIR/<panel id>.expected for the window [from, to) of organization
-- org in buckets of width bucket: date_bin, count and percentile_cont written
-- from README's definitions, without the extension's functions. test.sh
-- compares them row by row (as text) with the panels' own output.

\set ON_ERROR_STOP 1

-- The deliveries of the window, each with its bucket, outcome, class and latency.
CREATE TEMP VIEW w AS
SELECT e.*,
       date_bin(:'bucket'::interval, e.created_at, '2000-01-01 00:00:00+00') AS bk,
       e.response_status BETWEEN 200 AND 299 AS ok,
       coalesce(e.response_status NOT BETWEEN 200 AND 299, false)
           OR (e.response_status IS NULL AND e.error IS NOT NULL
               AND jsonb_typeof(e.error) <> 'null') AS bad,
       CASE WHEN e.response_status IS NULL THEN 'none'
            WHEN e.response_status BETWEEN 100 AND 599
                THEN (e.response_status / 100)::text || 'xx'
            ELSE 'other' END AS class,
       CASE WHEN e.first_sent_at IS NOT NULL THEN
           greatest(0, round(extract(epoch FROM e.first_sent_at - e.created_at) * 1000))::float8
       END AS l
FROM webhook_events AS e
WHERE e.organization_id = :'org'
  AND e.created_at >= :'from'::timestamptz AND e.created_at < :'to'::timestamptz;

-- Every bucket the window overlaps, the first one starting at or before from.
CREATE TEMP VIEW buckets AS
SELECT g AS bk
FROM generate_series(date_bin(:'bucket'::interval, :'from'::timestamptz, '2000-01-01 00:00:00+00'),
                     :'to'::timestamptz, :'bucket'::interval) AS g
WHERE g < :'to'::timestamptz;

\set out :outdir '/org.expected'
\o :out
SELECT DISTINCT organization_id FROM webhooks ORDER BY 1;

\set out :outdir '/deliveries.expected'
\o :out
SELECT b.bk, count(*) FILTER (WHERE w.ok), count(*) FILTER (WHERE w.bad)
FROM buckets AS b LEFT JOIN w ON w.bk = b.bk
GROUP BY b.bk ORDER BY b.bk;

\set out :outdir '/per_webhook.expected'
\o :out
SELECT w.bk, coalesce(h.label, w.webhook_id), count(*)
FROM w LEFT JOIN webhooks AS h ON h.id = w.webhook_id
GROUP BY w.bk, w.webhook_id, h.label
ORDER BY 1, 2, w.webhook_id;

\set out :outdir '/status_classes.expected'
\o :out
SELECT bk, class, count(*) FROM w GROUP BY bk, class ORDER BY 1, 2;

\set out :outdir '/status_codes.expected'
\o :out
SELECT coalesce(response_status::text, 'none'), count(*)
FROM w GROUP BY response_status
ORDER BY count(*) DESC, response_status ASC NULLS LAST;

\set out :outdir '/latency.expected'
\o :out
SELECT b.bk,
       round(percentile_cont(0.50) WITHIN GROUP (ORDER BY w.l)::numeric, 2),
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY w.l)::numeric, 2),
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY w.l)::numeric, 2)
FROM buckets AS b LEFT JOIN w ON w.bk = b.bk
GROUP BY b.bk ORDER BY b.bk;
\o
