-- cancellation: statement_timeout stops long calls inside the extension's
-- own loops (a dense series of millions of hours or billions of seconds, an aggregate over many
-- distinct values), with SQLSTATE 57014, and the session goes on.
\i test/setup.sql
SET statement_timeout = '500ms';

-- 70 million hours: the series loop checks for interrupts on every row.
SELECT error_of($$SELECT count(*) FROM webhook_hourly_metrics('org_cancel', '1000-01-01 00:00+00', '9000-01-01 00:00+00')$$) AS hourly;
SELECT error_of($$SELECT count(*) FROM webhook_day_metrics('org_cancel', '0001-01-01 00:00+00', '294276-01-01 00:00+00')$$) AS daily;
-- 250 billion one-second buckets, dense.
SELECT error_of($$SELECT count(*) FROM webhook_metrics_series('org_cancel', '1000-01-01 00:00+00', '9000-01-01 00:00+00', '1 second')$$) AS series;

-- Tens of millions of distinct values: accumulating and sorting them stops too.
SELECT error_of($$SELECT webhook_latency_percentiles(g * 1.5) FROM generate_series(1, 50000000) g$$) AS aggregate;

RESET statement_timeout;
SELECT count(*) AS hours FROM webhook_hourly_metrics('org_cancel', '2025-01-01 00:00+00', '2025-01-02 00:00+00');
SELECT count(*) AS buckets FROM webhook_metrics_series('org_cancel', '2025-01-01 00:00+00', '2025-01-02 00:00+00', '5 minutes');
\i test/teardown.sql
