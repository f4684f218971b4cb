-- helpers.sql: functions the regression tests share (not part of the extension).

-- error_of runs a statement and returns 'SQLSTATE: message | HINT: hint', or 'no error'.
CREATE OR REPLACE FUNCTION error_of(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    message text;
    hint text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            hint = PG_EXCEPTION_HINT;
    RETURN state || ': ' || message || coalesce(' | HINT: ' || nullif(hint, ''), '');
END $$;

-- json_diff lists the top-level paths of data where two responses differ (empty when equal).
CREATE OR REPLACE FUNCTION json_diff(got jsonb, want jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(string_agg(k, ', ' ORDER BY k), '')
    FROM (SELECT key AS k FROM jsonb_each(got -> 'data')
          UNION SELECT key FROM jsonb_each(want -> 'data')) keys
    WHERE (got -> 'data' -> k) IS DISTINCT FROM (want -> 'data' -> k)
    UNION ALL
    SELECT 'envelope' WHERE (got - 'data') IS DISTINCT FROM (want - 'data')
    LIMIT 1
$$;

-- paths_agree compares, for one window, the response and both series read
-- through the hour summaries, read from the rows only, and the oracle; from
-- 1.5 on also every part of include (parts_agree) and a series of 5-minute
-- multiples (series_agree; from 1.6 read from the slices).
CREATE OR REPLACE FUNCTION paths_agree(org text, from_ts timestamptz, to_ts timestamptz,
                                       webhook text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    summarized jsonb;
    raw jsonb;
    oracle jsonb;
    series_ok boolean;
    parts text;
BEGIN
    PERFORM set_config('whanalytics.use_summaries', 'on', true);
    summarized := webhook_analytics_json_between(org, from_ts, to_ts, webhook, 50, 20);
    series_ok := (SELECT array_agg(d ORDER BY d.day) FROM webhook_day_metrics(org, from_ts, to_ts, webhook) d)
                   IS NOT DISTINCT FROM
                 (SELECT array_agg(d ORDER BY d.day) FROM plain_day_metrics(org, from_ts, to_ts, webhook) d)
             AND (SELECT array_agg(h ORDER BY h.hour) FROM webhook_hourly_metrics(org, from_ts, to_ts, webhook) h)
                   IS NOT DISTINCT FROM
                 (SELECT array_agg(h ORDER BY h.hour) FROM plain_hourly_metrics(org, from_ts, to_ts, webhook) h);
    PERFORM set_config('whanalytics.use_summaries', 'off', true);
    raw := webhook_analytics_json_between(org, from_ts, to_ts, webhook, 50, 20);
    PERFORM set_config('whanalytics.use_summaries', 'on', true);
    oracle := plain_analytics_json_between(org, from_ts, to_ts, webhook, 50, 20);
    IF summarized IS DISTINCT FROM oracle OR raw IS DISTINCT FROM oracle OR NOT series_ok THEN
        RETURN format('summaries differ in [%s], rows differ in [%s], series agree: %s',
                      json_diff(summarized, oracle), json_diff(raw, oracle), series_ok);
    END IF;
    -- from 1.5 on, every part of include too (read as the response is)
    IF to_regprocedure('webhook_metrics_series(text,timestamptz,timestamptz,interval,text,text)') IS NULL THEN
        RETURN 'agree';
    END IF;
    parts := parts_agree(org, from_ts, to_ts, webhook);
    IF parts <> 'agree' THEN
        RETURN 'include parts: ' || parts;
    END IF;
    -- and a series of 5-minute multiples (from 1.6 read from the slices)
    parts := series_agree(org, from_ts, to_ts,
                          CASE WHEN to_ts - from_ts <= interval '2 days' THEN interval '5 minutes'
                               ELSE interval '35 minutes' END, NULL, webhook);
    RETURN CASE WHEN parts = 'agree' THEN 'agree' ELSE '5-minute series: ' || parts END;
END $$;

-- parts_agree compares, for one window, the response with the parts of
-- include (SPEC 5.1; all of them by default) read through the summaries,
-- read from the rows only, and the oracle's, for top_n 2 and 50.
CREATE OR REPLACE FUNCTION parts_agree(org text, f timestamptz, t timestamptz, webhook text DEFAULT NULL,
                                       parts text[] DEFAULT '{previous,status_codes,latency_breakdown,retries,webhooks}')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    summarized jsonb;
    raw jsonb;
    oracle jsonb;
    bad text[] := '{}';
BEGIN
    FOREACH n IN ARRAY ARRAY[2, 50] LOOP
        PERFORM set_config('whanalytics.use_summaries', 'on', true);
        summarized := webhook_analytics_json_between(org, f, t, webhook, n, 3, parts);
        PERFORM set_config('whanalytics.use_summaries', 'off', true);
        raw := webhook_analytics_json_between(org, f, t, webhook, n, 3, parts);
        PERFORM set_config('whanalytics.use_summaries', 'on', true);
        oracle := plain_analytics_json_between(org, f, t, webhook, n, 3, parts);
        IF summarized IS DISTINCT FROM oracle THEN
            bad := bad || format('top_n %s summaries: %s', n, json_diff(summarized, oracle));
        END IF;
        IF raw IS DISTINCT FROM oracle THEN
            bad := bad || format('top_n %s rows: %s', n, json_diff(raw, oracle));
        END IF;
    END LOOP;
    RETURN CASE WHEN cardinality(bad) = 0 THEN 'agree' ELSE array_to_string(bad, '; ') END;
END $$;

-- series_agree compares, for one window, webhook_metrics_series read
-- through the summaries, read from the rows only, and the oracle's
-- (plain_metrics_series), row by row in order.
CREATE OR REPLACE FUNCTION series_agree(org text, f timestamptz, t timestamptz, width interval,
                                        by text DEFAULT NULL, webhook text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    summarized text;
    raw text;
    oracle text;
BEGIN
    PERFORM set_config('whanalytics.use_summaries', 'on', true);
    summarized := (SELECT string_agg(s::text, ';' ORDER BY n) FROM webhook_metrics_series(org, f, t, width, by, webhook) WITH ORDINALITY s(bucket, key, total, success, failed, pending, retried, avg_delay_ms, latency_p50, latency_p95, latency_p99, n));
    PERFORM set_config('whanalytics.use_summaries', 'off', true);
    raw := (SELECT string_agg(s::text, ';' ORDER BY n) FROM webhook_metrics_series(org, f, t, width, by, webhook) WITH ORDINALITY s(bucket, key, total, success, failed, pending, retried, avg_delay_ms, latency_p50, latency_p95, latency_p99, n));
    PERFORM set_config('whanalytics.use_summaries', 'on', true);
    oracle := (SELECT string_agg(s::text, ';' ORDER BY n) FROM plain_metrics_series(org, f, t, width, by, webhook) WITH ORDINALITY s(bucket, key, total, success, failed, pending, retried, avg_delay_ms, latency_p50, latency_p95, latency_p99, n));
    IF summarized IS NOT DISTINCT FROM oracle AND raw IS NOT DISTINCT FROM oracle THEN
        RETURN 'agree';
    END IF;
    RETURN format('summaries %s, rows %s (%s rows, oracle %s)',
                  CASE WHEN summarized IS NOT DISTINCT FROM oracle THEN 'agree' ELSE 'differ' END,
                  CASE WHEN raw IS NOT DISTINCT FROM oracle THEN 'agree' ELSE 'differ' END,
                  (SELECT count(*) FROM webhook_metrics_series(org, f, t, width, by, webhook)),
                  (SELECT count(*) FROM plain_metrics_series(org, f, t, width, by, webhook)));
END $$;
