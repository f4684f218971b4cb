#!/usr/bin/env python3
"""examples/prometheus/check.py - test.sh's checks of a /metrics scrape.

    check.py METRICS DEMO_ORG                      structure only
    check.py METRICS DEMO_ORG ORACLE.tsv SERIES.tsv  and every value

METRICS is the exporter's text exposition, in which DEMO_ORG must have
series (unless it is -). ORACLE.tsv (name, labels as JSON, value; an empty
value is SQL NULL, exported as NaN) is oracle.sql's plain SQL over
webhook_events for the same as_of; SERIES.tsv is the same for the
counts, summed from the extension's webhook_metrics_series. Standard library
only. Exits 1 with one line per problem.
"""
import json
import math
import re
import sys

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
GAUGES = ['deliveries', 'deliveries_success', 'deliveries_failed',
          'deliveries_pending', 'deliveries_retried', 'retry_rate_pct',
          'avg_delay_ms', 'delivery_latency_p50_ms', 'delivery_latency_p95_ms',
          'delivery_latency_p99_ms']
HIST = 'whanalytics_delivery_latency_ms'
LE = ['100', '250', '500', '1000', '2500', '5000', '10000', '+Inf']

problems = []


def value(text):
    return float('nan') if text in ('', 'NaN') else float(text)


def key(name, labels):
    labels = {k: v for k, v in labels.items() if k != 'server'}  # the exporter's own
    return name, tuple(sorted(labels.items()))


def parse(path):
    samples, types = {}, {}
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line.startswith('# TYPE '):
            _, _, name, kind = line.split(' ', 3)
            types[name] = kind
            continue
        if not line or line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        if not m:
            problems.append(f'unparsable line: {line}')
            continue
        name, labels, v = m.groups()
        k = key(name, dict(LABEL.findall(labels or '')))
        if k in samples:
            problems.append(f'duplicate sample {k}')
        samples[k] = value(v)
    return samples, types


def read_tsv(path):
    rows = {}
    for line in open(path, encoding='utf-8'):
        name, labels, v = line.rstrip('\n').split('\t')
        k = key(name, json.loads(labels))
        if k in rows:
            problems.append(f'{path}: duplicate row {k}')
        rows[k] = value(v)
    return rows


def same(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def structure(samples, types, demo_org):
    """What every scrape must show, whatever the window's rows are."""
    for name, want in (('pg_up', 1), ('pg_exporter_last_scrape_error', 0)):
        if samples.get((name, ())) != want:
            problems.append(f'{name} is {samples.get((name, ()))}, not {want}')
    loads = [v for (n, _), v in samples.items() if n == 'pg_exporter_user_queries_load_error']
    if loads != [0]:
        problems.append(f'pg_exporter_user_queries_load_error: {loads}')
    if types.get(HIST) != 'histogram':
        problems.append(f'{HIST} has TYPE {types.get(HIST)}, not histogram')
    for g in GAUGES:
        if types.get('whanalytics_' + g) != 'gauge':
            problems.append(f'whanalytics_{g} has TYPE {types.get("whanalytics_" + g)}')
    ours = [n for n, _ in samples if n.startswith('whanalytics_')]
    unknown = set(ours) - {'whanalytics_' + g for g in GAUGES} - {
        HIST + s for s in ('_bucket', '_sum', '_count')}
    if unknown:
        problems.append(f'unexpected metrics: {sorted(unknown)}')

    series = {labels for n, labels in samples if n == 'whanalytics_deliveries'}
    if demo_org != '-' and not any(dict(s).get('organization') == demo_org for s in series):
        problems.append(f'no whanalytics_deliveries for the demo organization {demo_org}')
    for s in series:
        count = samples.get((HIST + '_count', s))
        buckets = [samples.get((HIST + '_bucket', tuple(sorted(s + (('le', le),)))))
                   for le in LE]
        if None in buckets or count is None:
            problems.append(f'{dict(s)}: histogram incomplete: {buckets}, count {count}')
            continue
        if any(a > b for a, b in zip(buckets, buckets[1:])):
            problems.append(f'{dict(s)}: buckets not cumulative: {buckets}')
        if buckets[-1] != count:
            problems.append(f'{dict(s)}: le="+Inf" {buckets[-1]} != _count {count}')
        if count > samples[('whanalytics_deliveries', s)]:
            problems.append(f'{dict(s)}: more latencies than deliveries')
        for g in GAUGES:
            if ('whanalytics_' + g, s) not in samples:
                problems.append(f'{dict(s)}: no whanalytics_{g}')
    return len(series)


def main():
    samples, types = parse(sys.argv[1])
    demo_org = sys.argv[2]
    n = structure(samples, types, demo_org)
    compared = from_series = 0
    if len(sys.argv) > 3:
        oracle = read_tsv(sys.argv[3])
        exported = {k: v for k, v in samples.items() if k[0].startswith('whanalytics_')}
        for k in sorted(set(oracle) | set(exported)):
            if k not in exported:
                problems.append(f'plain SQL has {k} = {oracle[k]}, the exporter has not')
            elif k not in oracle:
                problems.append(f'the exporter has {k} = {exported[k]}, plain SQL has not')
            elif not same(exported[k], oracle[k]):
                problems.append(f'{k}: exported {exported[k]}, plain SQL {oracle[k]}')
            compared += 1
        for k, v in read_tsv(sys.argv[4]).items():
            if not same(samples.get(k, float('nan')), v):
                problems.append(f'{k}: exported {samples.get(k)}, webhook_metrics_series {v}')
            from_series += 1
    if problems:
        print('\n'.join(problems))
        print(f'FAIL: {len(problems)} problems in {sys.argv[1]}')
        sys.exit(1)
    print(f'ok: {n} series (organization, webhook, window), '
          + (f'{compared} samples equal to plain SQL, {from_series} counts to webhook_metrics_series'
             if compared else 'their structure'))


main()
