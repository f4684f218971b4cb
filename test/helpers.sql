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
