#!/usr/bin/env python3
"""examples/grafana/grafana.py - dashboard.json from panels.sql, and Grafana's macros.

    grafana.py dashboard     write dashboard.json from panels.sql
    grafana.py check         exit 1 unless dashboard.json is what panels.sql gives
    grafana.py render DIR FROM TO INTERVAL NAME=VALUE...
                             write DIR/<id>.sql for the variable and each panel
                             of dashboard.json, its macros substituted the way
                             Grafana's PostgreSQL data source does, and print the ids

In render, FROM and TO are instants (ISO 8601; Grafana writes them in UTC
as Go's RFC3339Nano: '2026-12-02T10:00:00Z', '2026-12-02T10:00:00.25Z'), INTERVAL is Grafana's interval text (5m,
1h, 30s, 1d), each NAME=VALUE a single-value dashboard variable. Standard
library only.
"""
import json
import os
import re
import sys
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, 'panels.sql')
TARGET = os.path.join(HERE, 'dashboard.json')
DS_TYPE = 'grafana-postgresql-datasource'
DS = {'type': DS_TYPE, 'uid': '${DS_WHANALYTICS}'}

# Layout and drawing per panel id; the SQL, titles and types are panels.sql's.
LOOK = {
    'deliveries': {'gridPos': {'h': 8, 'w': 12, 'x': 0, 'y': 0}, 'bars': True, 'stack': False},
    'per_webhook': {'gridPos': {'h': 8, 'w': 12, 'x': 12, 'y': 0}, 'bars': True, 'stack': True},
    'status_classes': {'gridPos': {'h': 8, 'w': 12, 'x': 0, 'y': 8}, 'bars': True, 'stack': True},
    'status_codes': {'gridPos': {'h': 8, 'w': 12, 'x': 12, 'y': 8}},
    'latency': {'gridPos': {'h': 8, 'w': 24, 'x': 0, 'y': 16}, 'bars': False, 'stack': False},
}


def parse(path=SOURCE):
    """The blocks of panels.sql: dicts with kind, id, title, type, format, unit, description, sql."""
    blocks, block = [], None
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        m = re.match(r'^-- @(panel|variable) (.*)$', line)
        if m:
            fields = [f.strip() for f in m.group(2).split('|')]
            if m.group(1) == 'panel':
                pid, title, ptype, fmt, unit = fields
                block = dict(kind='panel', id=pid, title=title, type=ptype, format=fmt, unit=unit)
            else:
                name, label = fields
                block = dict(kind='variable', id=name, title=label)
            block.update(description=[], sql=[])
            blocks.append(block)
        elif block is None:
            continue
        elif line.startswith('--') and not block['sql']:
            block['description'].append(line[2:].strip())
        elif block['sql'] or line.strip():
            block['sql'].append(line)
    for b in blocks:
        sql = '\n'.join(b['sql']).strip()
        if not sql.endswith(';'):
            sys.exit(f'panels.sql: block {b["id"]} does not end with ";"')
        b['sql'] = sql[:-1].rstrip()
        b['description'] = ' '.join(b['description'])
    return blocks


def panel_json(n, b):
    look = LOOK[b['id']]
    panel = {
        'id': n,
        'type': b['type'],
        'title': b['title'],
        'description': b['description'],
        'datasource': DS,
        'gridPos': look['gridPos'],
        'targets': [{
            'refId': 'A',
            'datasource': DS,
            'editorMode': 'code',
            'format': b['format'],
            'rawQuery': True,
            'rawSql': b['sql'],
        }],
        'fieldConfig': {'defaults': {'unit': b['unit']}, 'overrides': []},
    }
    if b['type'] == 'timeseries':
        panel['fieldConfig']['defaults']['custom'] = {
            'drawStyle': 'bars' if look['bars'] else 'line',
            'fillOpacity': 80 if look['bars'] else 10,
            'lineWidth': 1,
            'spanNulls': False,
            'stacking': {'mode': 'normal' if look['stack'] else 'none', 'group': 'A'},
        }
        panel['options'] = {
            'legend': {'displayMode': 'list', 'placement': 'bottom', 'showLegend': True},
            'tooltip': {'mode': 'multi', 'sort': 'none'},
        }
    else:
        panel['options'] = {'orientation': 'horizontal', 'xField': 'status',
                            'showValue': 'auto', 'legend': {'showLegend': False}}
    return panel


def dashboard(blocks):
    variables = [{
        'name': b['id'],
        'label': b['title'],
        'description': b['description'],
        'type': 'query',
        'datasource': DS,
        'definition': b['sql'],
        'query': b['sql'],
        'refresh': 1,
        'sort': 1,
        'multi': False,
        'includeAll': False,
        'current': {},
        'options': [],
    } for b in blocks if b['kind'] == 'variable']
    panels = [panel_json(n, b) for n, b in
              enumerate((b for b in blocks if b['kind'] == 'panel'), start=1)]
    return {
        '__inputs': [{
            'name': 'DS_WHANALYTICS',
            'label': 'whanalytics database',
            'description': 'A PostgreSQL data source of the database with CREATE EXTENSION whanalytics',
            'type': 'datasource',
            'pluginId': DS_TYPE,
            'pluginName': 'PostgreSQL',
        }],
        '__requires': [
            {'type': 'grafana', 'id': 'grafana', 'name': 'Grafana', 'version': '10.4.0'},
            {'type': 'datasource', 'id': DS_TYPE, 'name': 'PostgreSQL', 'version': '1.0.0'},
            {'type': 'panel', 'id': 'timeseries', 'name': 'Time series', 'version': ''},
            {'type': 'panel', 'id': 'barchart', 'name': 'Bar chart', 'version': ''},
        ],
        'title': 'whanalytics: webhook deliveries',
        'description': 'Generated from examples/grafana/panels.sql by grafana.py',
        'uid': 'whanalytics-deliveries',
        'tags': ['whanalytics', 'webhooks'],
        'timezone': 'utc',
        'time': {'from': 'now-24h', 'to': 'now'},
        'refresh': '1m',
        'editable': True,
        'graphTooltip': 1,
        'schemaVersion': 39,
        'version': 1,
        'annotations': {'list': []},
        'templating': {'list': variables},
        'panels': panels,
    }


def text(d):
    return json.dumps(d, indent=2, ensure_ascii=False) + '\n'


INTERVAL_MS = {'ms': 1, 's': 1000, 'm': 60_000, 'h': 3_600_000, 'd': 86_400_000,
               'w': 604_800_000, 'y': 31_536_000_000}


def interpolate(sql, time_from, time_to, interval, variables):
    """Grafana's substitution: the time macros are quoted RFC 3339 UTC instants
    (milliseconds, as the dashboard's time range has them, when not whole),
    $__interval the interval text, $__interval_ms its milliseconds, and a
    single-value variable its value with ' doubled (the query quotes it)."""
    m = re.fullmatch(r'(\d+)(ms|s|m|h|d|w|y)', interval)
    if not m:
        sys.exit(f'not a Grafana interval: {interval}')
    ms = int(m.group(1)) * INTERVAL_MS[m.group(2)]

    def rfc3339(s):       # Go's time.RFC3339Nano: a fraction only when there is one
        t = datetime.fromisoformat(s.replace('Z', '+00:00')).astimezone(timezone.utc)
        frac = f'{t.microsecond:06d}'.rstrip('0')
        return "'" + t.strftime('%Y-%m-%dT%H:%M:%S') + ('.' + frac if frac else '') + "Z'"

    sql = sql.replace('$__timeFrom()', rfc3339(time_from))
    sql = sql.replace('$__timeTo()', rfc3339(time_to))
    sql = sql.replace('$__interval_ms', str(ms))
    sql = sql.replace('$__interval', interval)
    for name, value in variables.items():
        sql = re.sub(r'\$\{' + name + r'\}|\$' + name + r'\b',
                     lambda _: value.replace("'", "''"), sql)
    left = re.findall(r'\$\{?\w+', sql)
    if left:
        sys.exit(f'left unsubstituted: {left}')
    return sql


def main(argv):
    if argv[1:] == ['dashboard']:
        with open(TARGET, 'w', encoding='utf-8') as f:
            f.write(text(dashboard(parse())))
    elif argv[1:] == ['check']:
        want = text(dashboard(parse()))
        have = open(TARGET, encoding='utf-8').read()
        if json.loads(have) != json.loads(want) or have != want:
            sys.exit('dashboard.json is not what panels.sql gives: run ./grafana.py dashboard')
        print(f'ok: dashboard.json has the {len(json.loads(have)["panels"])} panels of panels.sql')
    elif len(argv) >= 6 and argv[1] == 'render':
        outdir, time_from, time_to, interval = argv[2:6]
        variables = dict(a.split('=', 1) for a in argv[6:])
        d = json.load(open(TARGET, encoding='utf-8'))
        ids = [b['id'] for b in parse() if b['kind'] == 'panel']
        queries = [(v['name'], v['query']) for v in d['templating']['list']]
        queries += [(pid, p['targets'][0]['rawSql']) for pid, p in zip(ids, d['panels'])]
        for qid, sql in queries:
            with open(os.path.join(outdir, qid + '.sql'), 'w', encoding='utf-8') as f:
                f.write(interpolate(sql, time_from, time_to, interval, variables) + ';\n')
            print(qid)
    else:
        sys.exit(__doc__)


main(sys.argv)
