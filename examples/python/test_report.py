# examples/python/test_report.py - unittest for report.py against a real server.
#
# Run by test.sh (PG* environment; WHANALYTICS_DEMO_ORG names the demo
# organization of demo/sample_data.sql). Every expected value comes from
# plain SQL over the same rows, on a second connection without report.py's
# adapters. Nothing is left behind: the gap-day organization lives in a
# temporary table of a transaction that is rolled back. Set
# WHANALYTICS_PY_PNG=path to keep the demo organization's chart.

import decimal
import math
import os
import struct
import sys
import tempfile
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import matplotlib.image  # noqa: E402
import psycopg2  # noqa: E402

import report  # noqa: E402

ORG = os.environ.get("WHANALYTICS_DEMO_ORG", "org_0196b0e9-11d8-7f26-b1d2-bd47054e4827")

# Plain SQL for the daily series: every UTC day of [start, end), counts as
# SPEC defines them, avg_delay_ms rounded to 2 decimals and NULL for none.
PLAIN_DAILY_SQL = """
    SELECT (d AT TIME ZONE 'UTC')::date AS day,
           count(e.id) AS total,
           count(*) FILTER (WHERE e.response_status BETWEEN 200 AND 299) AS success,
           count(*) FILTER (WHERE NOT coalesce(e.response_status BETWEEN 200 AND 299, false)
                              AND (e.response_status IS NOT NULL
                                   OR (e.error IS NOT NULL AND e.error <> 'null'::jsonb))) AS failed,
           count(*) FILTER (WHERE e.done = 0) AS pending,
           count(*) FILTER (WHERE e.retries > 0) AS retried,
           round(avg(e.delay_ms)::numeric, 2) AS avg_delay_ms
    FROM generate_series(date_trunc('day', %(start)s::timestamptz, 'UTC'),
                         %(end)s::timestamptz - interval '1 microsecond', interval '24 hours') AS d
    LEFT JOIN {table} e
           ON e.organization_id = %(org)s
          AND e.created_at >= greatest(d, %(start)s) AND e.created_at < least(d + interval '24 hours', %(end)s)
    GROUP BY d ORDER BY d"""


def read_png(path):
    """Return (width, height) of a PNG after checking its signature, chunk CRCs and IEND."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError(f"{path}: not a PNG signature")
    pos, chunks, size = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise AssertionError(f"{path}: bad CRC in chunk {kind!r}")
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        chunks.append(kind)
        pos += 12 + length
    if not chunks or chunks[0] != b"IHDR" or chunks[-1] != b"IEND":
        raise AssertionError(f"{path}: chunks {chunks[:1]}...{chunks[-1:]}, not IHDR...IEND")
    return size


class ReportTest(unittest.TestCase):
    """report.py's functions against plain SQL over the same rows."""

    @classmethod
    def setUpClass(cls):
        """Open an adapted and a plain connection and fix the 14-day window once."""
        cls.conn = psycopg2.connect("")
        cls.latency_type = report.register_adapters(cls.conn)
        cls.plain = psycopg2.connect("")  # psycopg2's defaults: Decimal, composite as str
        cls.start, cls.end = report.last_days(cls.conn, 14)
        cls.conn.rollback()

    @classmethod
    def tearDownClass(cls):
        """Close both connections."""
        cls.conn.close()
        cls.plain.close()

    def tearDown(self):
        """Roll back whatever a test did (temporary tables, settings)."""
        self.conn.rollback()
        self.plain.rollback()

    def plain_one(self, sql, params):
        """Return the first row of plain SQL on the connection without adapters."""
        with self.plain.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()

    def window(self):
        """Return the query parameters of the demo organization's window."""
        return {"org": ORG, "start": self.start, "end": self.end}

    def assert_numeric(self, value, expected):
        """Assert a numeric arrived as float equal to plain SQL's Decimal (None for NULL)."""
        if expected is None:
            self.assertIsNone(value)
            return
        self.assertIsInstance(expected, decimal.Decimal)
        self.assertIs(type(value), float)
        self.assertEqual(value, float(expected))
        self.assertEqual(decimal.Decimal(repr(value)), expected)  # prints back exactly

    def assert_daily_equal(self, rows, table, params):
        """Assert report rows equal the plain daily SQL over table, field by field."""
        with self.plain.cursor() as cur:
            cur.execute(PLAIN_DAILY_SQL.format(table=table), params)
            expected = cur.fetchall()
        self.assertEqual(len(rows), len(expected))
        for row, exp in zip(rows, expected):
            self.assertEqual(row[:6], exp[:6], row.day)
            for field in ("total", "success", "failed", "pending", "retried"):
                self.assertIs(type(getattr(row, field)), int)
            self.assert_numeric(row.avg_delay_ms, exp[6])

    def test_latency_is_named_tuple_equal_to_plain_sql(self):
        """webhook_latency arrives as a named tuple of floats equal to min/max/avg/percentile_cont."""
        lat = report.delay_latency(self.conn, ORG, self.start, self.end)
        self.assertIsInstance(lat, self.latency_type)
        self.assertEqual(lat._fields, ("min", "max", "avg", "p50", "p90", "p95", "p99"))
        for value in lat:
            self.assertIs(type(value), float)
        mn, mx, avg, pcts = self.plain_one("""
            SELECT min(delay_ms)::float8, max(delay_ms)::float8, avg(delay_ms::float8),
                   percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY delay_ms)
            FROM webhook_events
            WHERE organization_id = %(org)s AND created_at >= %(start)s AND created_at < %(end)s""",
                                           self.window())
        self.assertEqual(lat, (mn, mx, avg, *pcts))
        # without register_composite psycopg2 hands over the text form
        (text,) = self.plain_one("""
            SELECT webhook_latency_percentiles(delay_ms) FROM webhook_events
            WHERE organization_id = %(org)s AND created_at >= %(start)s AND created_at < %(end)s""",
                                 self.window())
        self.assertIsInstance(text, str)
        self.assertTrue(text.startswith("("), text)

    def test_latency_from_state_uses_the_same_caster(self):
        """webhook_latency_from_state returns the same named tuple as the aggregate."""
        lat = report.delay_latency(self.conn, ORG, self.start, self.end)
        with self.conn.cursor() as cur:
            cur.execute("""
                SELECT webhook_latency_from_state(webhook_latency_merge(s))
                FROM (SELECT webhook_latency_state_agg(delay_ms) AS s FROM webhook_events
                      WHERE organization_id = %(org)s AND created_at >= %(start)s AND created_at < %(end)s
                      GROUP BY (created_at AT TIME ZONE 'UTC')::date) per_day""", self.window())
            merged = cur.fetchone()[0]
        self.assertIsInstance(merged, self.latency_type)
        self.assertEqual(merged, lat)

    def test_daily_series_numeric_as_float_equal_to_plain_sql(self):
        """The series' counts are int, avg_delay_ms float (None for empty days), equal to plain SQL."""
        rows = report.daily_series(self.conn, ORG, self.start, self.end)
        self.assertEqual(len(rows), 14)
        self.assert_daily_equal(rows, "webhook_events", self.window())
        self.assertTrue(any(r.total == 0 for r in rows), "the window should hold empty days")
        self.assertTrue(any(r.total > 0 for r in rows), "the demo data should be loaded")
        # the default, without the NUMERIC caster, is Decimal
        (raw,) = self.plain_one("""
            SELECT avg_delay_ms FROM webhook_metrics_series(%(org)s, %(start)s, %(end)s, '1 day')
            WHERE avg_delay_ms IS NOT NULL LIMIT 1""", self.window())
        self.assertIsInstance(raw, decimal.Decimal)

    def test_jsonb_is_dict_matching_the_series(self):
        """The response's data arrives as a dict whose day_metrics match the series and plain SQL."""
        data = report.window_data(self.conn, ORG, self.start, self.end)
        self.assertIsInstance(data, dict)
        rows = report.daily_series(self.conn, ORG, self.start, self.end)
        dm = data["day_metrics"]
        for field in ("total", "success", "failed", "pending"):
            self.assertEqual(dm[field], sum(getattr(r, field) for r in rows), field)
        (avg,) = self.plain_one("""
            SELECT round(avg(delay_ms)::numeric, 2) FROM webhook_events
            WHERE organization_id = %(org)s AND created_at >= %(start)s AND created_at < %(end)s""",
                                self.window())
        self.assertEqual(dm["avg_delay_ms"], float(avg))  # json.loads: a float

    def test_chart_png_and_gaps_for_empty_days(self):
        """The chart is a valid PNG of CHART_PX and its delay line has NaN, not 0, on empty days."""
        rows = report.daily_series(self.conn, ORG, self.start, self.end)
        keep = os.environ.get("WHANALYTICS_PY_PNG")
        with tempfile.TemporaryDirectory() as tmp:
            path = keep or os.path.join(tmp, "daily.png")
            delays = report.draw_chart(rows, path)
            self.assertEqual(read_png(path), report.CHART_PX)
            self.assertEqual(matplotlib.image.imread(path).shape[:2], report.CHART_PX[::-1])
        self.assertEqual(len(delays), len(rows))
        for row, y in zip(rows, delays):
            if row.total == 0:
                self.assertIsNone(row.avg_delay_ms, row.day)
                self.assertTrue(math.isnan(y), row.day)
            else:
                self.assertEqual(y, row.avg_delay_ms, row.day)

    def test_gap_day_between_two_days_of_deliveries(self):
        """A small organization with a day off in the middle: None in the series, a gap in the line."""
        org = "org_test_python_gap"
        with self.conn.cursor() as cur:
            cur.execute("""
                CREATE TEMP TABLE py_gap_deliveries
                    (LIKE webhook_events INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP""")
            cur.execute("SELECT date_trunc('day', now(), 'UTC') - interval '72 hours', date_trunc('day', now(), 'UTC')")
            start, end = cur.fetchone()
            # days 0 and 2 of [start, end) hold deliveries, day 1 none; one row has no delay yet
            cur.execute("""
                INSERT INTO py_gap_deliveries (webhook_id, organization_id, url, event, response_status,
                                               error, retries, created_at, first_sent_at, delay_ms, done)
                SELECT 'webhook_test_gap', %(org)s, 'https://example.test/hook', 'invoice.paid',
                       CASE WHEN g %% 4 = 0 THEN 503 WHEN g = 7 THEN NULL ELSE 200 END,
                       CASE WHEN g = 7 THEN '{"code": "ECONNREFUSED"}'::jsonb END,
                       (g %% 4 = 0)::int, t, t + interval '40 ms',
                       CASE WHEN g = 9 THEN NULL ELSE 13 * g + 7 * d END,
                       (g %% 8 <> 0)::int
                FROM unnest(ARRAY[0, 2]) AS d, generate_series(1, 9) AS g,
                     LATERAL (SELECT %(start)s::timestamptz + d * interval '24 hours'
                                     + interval '9 hours' + g * interval '37 minutes' AS t) at_t""",
                        {"org": org, "start": start})
            cur.execute("SET LOCAL whanalytics.events_table = 'pg_temp.py_gap_deliveries'")
        rows = report.daily_series(self.conn, org, start, end)
        self.assertEqual([r.total > 0 for r in rows], [True, False, True])
        self.assertIsNone(rows[1].avg_delay_ms)
        # plain SQL on the same session (the temporary table is only visible there)
        with self.conn.cursor() as cur:
            cur.execute(PLAIN_DAILY_SQL.format(table="pg_temp.py_gap_deliveries")
                        .replace("round(avg(e.delay_ms)::numeric, 2)",
                                 "round(avg(e.delay_ms)::numeric, 2)::text"),
                        {"org": org, "start": start, "end": end})
            expected = cur.fetchall()
        for row, exp in zip(rows, expected):
            self.assertEqual(row[:6], exp[:6], row.day)
            self.assert_numeric(row.avg_delay_ms, None if exp[6] is None else decimal.Decimal(exp[6]))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "gap.png")
            delays = report.draw_chart(rows, path)
            self.assertEqual(read_png(path), report.CHART_PX)
        self.assertEqual(delays[0], rows[0].avg_delay_ms)
        self.assertTrue(math.isnan(delays[1]))
        self.assertEqual(delays[2], rows[2].avg_delay_ms)


if __name__ == "__main__":
    unittest.main(verbosity=2)
