-- writes.sql: statement-level writes of many rows, for bench.sh: on each of
-- webhook_events (the extension's maintenance), bench_rollup_events (the
-- rollup's statement triggers) and bench_plain_events (no triggers), the same
-- statements on the same rows:
--   update: UPDATE of p_n contiguous rows in the middle of the table (a
--           re-delivered incident window: retried, 200, done);
--   delete: DELETE of the oldest p_n rows (retention);
--   insert: INSERT of those p_n rows again, with their ids (a bulk insert).
-- bench_statement_writes_save saves, per table, what the update changes and
-- the rows the delete removes; bench_statement_writes_restore puts the updated
-- columns back (untimed); the timed insert restores the deleted rows. So the
-- later sections see the same rows as before.

-- Save what the statements will change in p_table: bench_ops_upd_<table>
-- (id and the updated columns of the p_n rows from the middle id) and
-- bench_ops_old_<table> (the p_n oldest rows, whole).
CREATE OR REPLACE PROCEDURE bench_statement_writes_save(p_table text, p_n integer)
LANGUAGE plpgsql AS $$
DECLARE
    lo bigint;
    mid bigint;
BEGIN
    EXECUTE format('SELECT min(id), (min(id) + max(id)) / 2 FROM %I WHERE resource_id IS DISTINCT FROM %L',
                   p_table, 'pgbench') INTO lo, mid;
    EXECUTE format('DROP TABLE IF EXISTS %I, %I', 'bench_ops_upd_' || p_table, 'bench_ops_old_' || p_table);
    EXECUTE format('CREATE TABLE %I AS SELECT id, retries, response_status, error, done, updated_at '
                   'FROM %I WHERE id >= $1 ORDER BY id LIMIT $2', 'bench_ops_upd_' || p_table, p_table)
        USING mid, p_n;
    EXECUTE format('CREATE TABLE %I AS SELECT * FROM %I WHERE id >= $1 ORDER BY id LIMIT $2',
                   'bench_ops_old_' || p_table, p_table)
        USING lo, p_n;
    EXECUTE format('ANALYZE %I', 'bench_ops_upd_' || p_table);
    EXECUTE format('ANALYZE %I', 'bench_ops_old_' || p_table);
END $$;

-- Run one timed statement (p_op: update, delete or insert) on p_table and
-- commit; ms = the time of the statement and its commit.
CREATE OR REPLACE PROCEDURE bench_statement_write(p_table text, p_op text, INOUT ms double precision)
LANGUAGE plpgsql AS $$
DECLARE
    upd text := 'bench_ops_upd_' || p_table;
    old text := 'bench_ops_old_' || p_table;
    lo bigint;
    hi bigint;
    q text;
    t0 timestamptz;
BEGIN
    IF p_op = 'update' THEN
        EXECUTE format('SELECT min(id), max(id) FROM %I', upd) INTO lo, hi;
        q := format('UPDATE %I SET retries = retries + 1, response_status = 200, error = NULL, done = 1, '
                    'updated_at = coalesce(updated_at, created_at) + interval ''1 minute'' '
                    'WHERE id BETWEEN %s AND %s', p_table, lo, hi);
    ELSIF p_op = 'delete' THEN
        EXECUTE format('SELECT min(id), max(id) FROM %I', old) INTO lo, hi;
        q := format('DELETE FROM %I WHERE id BETWEEN %s AND %s', p_table, lo, hi);
    ELSIF p_op = 'insert' THEN
        q := format('INSERT INTO %I SELECT * FROM %I ORDER BY id', p_table, old);
    ELSE
        RAISE EXCEPTION 'unknown operation %', p_op;
    END IF;
    t0 := clock_timestamp();
    EXECUTE q;
    COMMIT;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;

-- Put back the columns the timed update changed (untimed).
CREATE OR REPLACE PROCEDURE bench_statement_writes_restore(p_table text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE %I t SET (retries, response_status, error, done, updated_at) '
                   '= (s.retries, s.response_status, s.error, s.done, s.updated_at) '
                   'FROM %I s WHERE t.id = s.id', p_table, 'bench_ops_upd_' || p_table);
END $$;
