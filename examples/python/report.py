#!/usr/bin/python3
# examples/python/report.py - a notebook-style daily report from whanalytics
# with psycopg2 and matplotlib (Debian's python3-psycopg2, python3-matplotlib).
#
# It shows the three adapters that make the extension's types natural in
# Python: the webhook_latency composite as a named tuple (register_composite),
# numeric as float (a NUMERIC caster registered on the connection), and jsonb
# as dict (psycopg2's default). It pulls the last N UTC days from
# webhook_metrics_series (empty days have avg_delay_ms NULL, so the delay
# line breaks instead of diving to 0 ms), prints a small table and draws a
# PNG: stacked success/failed bars and the average delay line.
#
#     PGHOST=... PGDATABASE=... /usr/bin/python3 report.py --org org_... --out daily.png
#
# Connection settings come from the PG* environment (libpq), as for psql.

import argparse
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display: render straight to PNG
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)

import psycopg2  # noqa: E402
import psycopg2.extensions  # noqa: E402
import psycopg2.extras  # noqa: E402

# The chart's size: CHART_INCHES at CHART_DPI gives CHART_PX pixels.
CHART_INCHES = (9.0, 4.5)
CHART_DPI = 100
CHART_PX = (900, 450)


def numeric_as_float(value, cursor):
    """Cast a numeric's text to float (None stays None)."""
    return None if value is None else float(value)


def register_adapters(conn):
    """Register the numeric and webhook_latency casters on conn; return the latency tuple class."""
    # numeric -> float. The extension's numeric columns are rounded to 2
    # decimals for display and charts, where float is what matplotlib and
    # arithmetic want; a float holds every such value (up to 15 digits) so
    # that it prints back the same. Keep Decimal (drop this) for money.
    numeric = psycopg2.extensions.new_type(
        psycopg2.extensions.DECIMAL.values, "NUMERIC_AS_FLOAT", numeric_as_float)
    psycopg2.extensions.register_type(numeric, conn)
    # webhook_latency (min, max, avg, p50, p90, p95, p99 double precision)
    # -> a named tuple of floats instead of the string '(1,10000,572.9...)'.
    # The type is looked up on the search_path (the extension's schema).
    caster = psycopg2.extras.register_composite("webhook_latency", conn)
    return caster.type


def connect(dsn=""):
    """Open a connection (PG* environment by default) with the adapters registered."""
    conn = psycopg2.connect(dsn)
    register_adapters(conn)
    return conn


def last_days(conn, days=14):
    """Return (start, end): the last `days` UTC days, today's partial one included, ending now()."""
    with conn.cursor() as cur:
        # '24 hours', not '1 day': timestamptz arithmetic in days follows the session's DST
        cur.execute("SELECT date_trunc('day', now(), 'UTC') - (%s - 1) * interval '24 hours', now()",
                    (days,))
        return cur.fetchone()


def daily_series(conn, org, start, end):
    """Return one named tuple per UTC day of [start, end) from webhook_metrics_series."""
    with conn.cursor(cursor_factory=psycopg2.extras.NamedTupleCursor) as cur:
        cur.execute("""
            SELECT (bucket AT TIME ZONE 'UTC')::date AS day,
                   total, success, failed, pending, retried, avg_delay_ms
            FROM webhook_metrics_series(%s, %s, %s, '1 day')
            ORDER BY bucket""", (org, start, end))
        return cur.fetchall()


def delay_latency(conn, org, start, end):
    """Return the webhook_latency named tuple of delay_ms over the organization's rows of [start, end)."""
    with conn.cursor() as cur:
        cur.execute("""
            SELECT webhook_latency_percentiles(delay_ms)
            FROM webhook_events
            WHERE organization_id = %s AND created_at >= %s AND created_at < %s""",
                    (org, start, end))
        return cur.fetchone()[0]


def window_data(conn, org, start, end):
    """Return the response's data object for [start, end) as a dict (jsonb, psycopg2's default)."""
    with conn.cursor() as cur:
        cur.execute("SELECT webhook_analytics_json_between(%s, %s, %s, top_n => 3, last_n => 0) -> 'data'",
                    (org, start, end))
        return cur.fetchone()[0]


def format_table(rows):
    """Return the daily rows as a fixed-width text table (None shown as '-')."""
    lines = ["day          total  success  failed  pending  retried  avg_delay_ms"]
    for r in rows:
        delay = "-" if r.avg_delay_ms is None else f"{r.avg_delay_ms:.2f}"
        lines.append(f"{r.day.isoformat()}  {r.total:5d}  {r.success:7d}  {r.failed:6d}"
                     f"  {r.pending:7d}  {r.retried:7d}  {delay:>12}")
    return "\n".join(lines)


def plotted_delays(rows):
    """Return the delay line's values: avg_delay_ms, NaN (a gap) where it is NULL or the day is empty."""
    # webhook_metrics_series already gives NULL for an empty day; the mask on
    # total also keeps rows of webhook_day_metrics (0 for empty days) honest.
    return [math.nan if r.avg_delay_ms is None or r.total == 0 else r.avg_delay_ms
            for r in rows]


def draw_chart(rows, path, title="Webhook deliveries per UTC day"):
    """Draw stacked success/failed bars and the avg delay line to the PNG path; return the line's values."""
    days = [r.day.strftime("%b %d") for r in rows]
    x = range(len(rows))
    success = [r.success for r in rows]
    failed = [r.failed for r in rows]
    delays = plotted_delays(rows)

    fig, ax = plt.subplots(figsize=CHART_INCHES, dpi=CHART_DPI)
    try:
        ax.bar(x, success, color="#4c9f70", label="success")
        ax.bar(x, failed, bottom=success, color="#d1495b", label="failed")
        ax.set_ylabel("deliveries")
        ax.set_ylim(0, max([r.total for r in rows] + [1]) * 1.2)  # headroom for the legend
        ax.set_xticks(list(x), days, rotation=45, ha="right", fontsize=8)
        ax.set_title(title)
        ax2 = ax.twinx()
        (line,) = ax2.plot(x, delays, color="#2e4057", marker="o", label="avg delay (ms)")
        ax2.set_ylabel("avg delay (ms)")
        finite = [d for d in delays if not math.isnan(d)]
        ax2.set_ylim(min(finite + [0.0]), max(finite + [1.0]) * 1.25)  # from 0 ms, room for the legend
        handles = ax.get_legend_handles_labels()[0] + [line]
        ax.legend(handles, [h.get_label() for h in handles], loc="upper left", ncol=3, fontsize=8)
        fig.tight_layout()  # fits the labels inside the fixed figure size
        fig.savefig(path, format="png")
        return list(line.get_ydata())
    finally:
        plt.close(fig)


def main(argv=None):
    """Print the last days' table, latency and totals for an organization and write the chart."""
    parser = argparse.ArgumentParser(
        description="Daily webhook report and chart from whanalytics (PG* environment).")
    parser.add_argument("--org", default=os.environ.get("WHANALYTICS_DEMO_ORG"),
                        help="organization_id (default: $WHANALYTICS_DEMO_ORG)")
    parser.add_argument("--days", type=int, default=14, help="UTC days, today included (default 14)")
    parser.add_argument("--out", default="daily.png", help="PNG path (default daily.png)")
    args = parser.parse_args(argv)
    if not args.org:
        parser.error("give --org or set WHANALYTICS_DEMO_ORG")

    conn = connect()
    try:
        conn.set_session(readonly=True)  # one transaction: every query sees the same now() and rows
        start, end = last_days(conn, args.days)
        rows = daily_series(conn, args.org, start, end)
        latency = delay_latency(conn, args.org, start, end)
        data = window_data(conn, args.org, start, end)
    finally:
        conn.close()

    print(f"{args.org}: {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} {end:%Z}")
    print(format_table(rows))
    print()
    print("delay_ms", latency)  # webhook_latency(min=..., max=..., avg=..., p50=..., ...)
    if latency.avg is not None:
        print(f"p95 {latency.p95:.0f} ms, p99 {latency.p99:.0f} ms over the window")
    day_metrics = data["day_metrics"]  # a dict: jsonb numbers arrive as int and float
    print("day_metrics", day_metrics)
    print("top_events", [(e["event"], e["count"]) for e in data["top_events"]])
    draw_chart(rows, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
