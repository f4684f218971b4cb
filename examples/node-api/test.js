// test.js - the node-api example's test (node --test test.js): starts server.js
// on a free loopback port against the PG* database (setup.sql applied) and
// checks every answer against SQL run directly as the same tenant.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { Client } = require('pg');
const { startServer } = require('./start-server.js');

const ORG_A = process.env.WHANALYTICS_DEMO_ORG ?? 'org_0196b0e9-11d8-7f26-b1d2-bd47054e4827';
const KEY_A = 'sk_live_demo_acme_0196b0e9'; // setup.sql's demo keys
const KEY_B = 'sk_test_demo_relay_0196b0f7';
const db = new Client();
const tenants = {}; // key -> { org, env }, read from api_keys
let server;
let asOf; // the next whole UTC hour after org A's newest delivery
let from36h; // 36 hours before asOf

before(async () => {
  await db.connect();
  for (const key of [KEY_A, KEY_B]) {
    const { rows: [row] } = await db.query(
      "SELECT organization_id AS org, env FROM api_keys WHERE key_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')",
      [key]);
    assert.ok(row, `setup.sql's key ${key} is in api_keys`);
    tenants[key] = row;
  }
  assert.equal(tenants[KEY_A].org, ORG_A, 'the demo key is the demo organization\'s');
  assert.notEqual(tenants[KEY_B].org, ORG_A);
  const { rows: [w] } = await db.query(
    "SELECT to_char(date_trunc('hour', max(created_at) AT TIME ZONE 'UTC') + interval '1 hour', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS as_of," +
    " to_char(date_trunc('hour', max(created_at) AT TIME ZONE 'UTC') - interval '35 hours', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS from" +
    ' FROM webhook_events WHERE organization_id = $1', [ORG_A]);
  ({ as_of: asOf, from: from36h } = w);
  server = await startServer();
});

after(async () => {
  await server?.stop();
  await db.end();
});

// asTenant runs one statement as key's tenant, directly in SQL, as the API does.
async function asTenant(key, sql, params) {
  const { org, env } = tenants[key];
  await db.query('BEGIN READ ONLY; SET LOCAL ROLE whanalytics_tenant');
  try {
    await db.query("SELECT set_config('app.org_id', $1, true), set_config('whanalytics.env', $2, true)", [org, env]);
    return (await db.query(sql, params)).rows;
  } finally {
    await db.query('ROLLBACK');
  }
}

// expected is what webhook_analytics_request gives key's tenant for a query string, as text.
async function expected(key, queryString) {
  const query = {};
  for (const [name, value] of new URLSearchParams(queryString)) {
    query[name] = name in query ? [].concat(query[name], value) : value;
  }
  const [row] = await asTenant(key, 'SELECT webhook_analytics_request($1, $2::jsonb)::text AS body',
    [tenants[key].org, JSON.stringify(query)]);
  return row.body;
}

// get fetches a path of the API with an optional Authorization header.
async function get(path, authorization) {
  const res = await fetch(server.url + path, { headers: authorization ? { authorization } : {} });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

// qs makes a query string from an object.
const qs = (params) => new URLSearchParams(params).toString();

test('200: the body is webhook_analytics_request as the tenant, byte for byte', async () => {
  const [{ id: hook }] = await asTenant(KEY_A, 'SELECT min(id) AS id FROM webhooks');
  const queries = [
    qs({ period: 'last_day', as_of: asOf }),
    qs({ period: 'last_7_days', as_of: asOf, top_n: '3', last_n: '2' }),
    qs({ period: 'prev_last_day', as_of: asOf, top_n: '0' }),
    qs({ as_of: asOf, include: 'previous,latency_breakdown,status_codes,retries,webhooks' }),
    'include=previous&include=retries&as_of=' + encodeURIComponent(asOf),
    qs({ as_of: asOf, webhook_id: hook, top_n: '1', last_n: '1' }),
    qs({ from: from36h, to: asOf, last_n: '0', include: 'webhooks' }),
    qs({ from: from36h.replace('Z', '+02:00'), to: asOf.replace('Z', '.5-01:30'), last_n: '0' }),
  ];
  for (const query of queries) {
    const res = await get(`/analytics/webhooks?${query}`, `Bearer ${KEY_A}`);
    assert.equal(res.status, 200, query);
    assert.equal(res.type, 'application/json; charset=utf-8');
    assert.equal(res.text, await expected(KEY_A, query), query);
  }
});

test('numbers keep the formatting the extension gave them', async () => {
  const query = qs({ as_of: asOf, last_n: '0' });
  const { text } = await get(`/analytics/webhooks?${query}`, `Bearer ${KEY_A}`);
  const [sql] = await asTenant(KEY_A,
    "SELECT r->'data'->'day_metrics'->>'avg_delay_ms' AS avg_delay, r->'data'->'latency'->>'min' AS min," +
    " (r->'data'->'day_metrics'->>'total')::int AS total FROM webhook_analytics_request($1, $2::jsonb) AS r",
    [ORG_A, JSON.stringify(Object.fromEntries(new URLSearchParams(query)))]);
  assert.ok(sql.total > 0, 'the window holds deliveries');
  assert.match(sql.avg_delay, /^\d+\.\d\d$/);
  assert.equal(/"avg_delay_ms": ([-0-9.]+)/.exec(text)[1], sql.avg_delay);
  // Latencies are whole milliseconds, so min reads N.00: JSON.parse would give N.
  assert.match(sql.min, /^\d+\.00$/);
  assert.equal(/"min": ([-0-9.]+)/.exec(text)[1], sql.min);
  assert.notEqual(String(JSON.parse(text).data.latency.min), sql.min);
});

test('400: bad parameters get the validator entries of webhook_analytics_request', async () => {
  const cases = [
    [qs({ top_n: 'ten', period: 'last_week' }), ['period', 'top_n']],
    [qs({ from: from36h }), ['to']],
    [qs({ from: asOf, to: from36h, period: 'last_day' }), ['period', 'to']],
    [qs({ as_of: 'yesterday', last_n: '1001', colour: 'red' }), ['as_of', 'colour', 'last_n']],
    [qs({ include: 'previous,' }), ['include']],
  ];
  for (const [query, keys] of cases) {
    const res = await get(`/analytics/webhooks?${query}`, `Bearer ${KEY_A}`);
    assert.equal(res.status, 400, query);
    assert.equal(res.text, await expected(KEY_A, query), query);
    assert.deepEqual(Object.keys(JSON.parse(res.text).validator).sort(), keys, query);
  }
  // A NUL cannot be jsonb at all: the layer's own 400, under "query".
  const res = await get('/analytics/webhooks?webhook_id=%00', `Bearer ${KEY_A}`);
  assert.equal(res.status, 400);
  assert.deepEqual(Object.keys(JSON.parse(res.text).validator), ['query']);
});

test('401: a missing, malformed or unknown key', async () => {
  const unknown = `sk_live_${crypto.randomBytes(16).toString('hex')}`;
  const headers = [undefined, 'Basic dXNlcjpwYXNz', 'Bearer sk_prod_abc', `Bearer ${KEY_A} x`,
    'Bearer ', `Bearer ${unknown}`, `Bearer ${KEY_A.replace('live', 'test')}`, `Bearer ${KEY_A.toUpperCase()}`];
  for (const path of ['/analytics/webhooks', '/analytics/webhooks/series?from=x&to=y']) {
    for (const header of headers) {
      const res = await get(path, header);
      assert.equal(res.status, 401, `${path} ${header}`);
      assert.equal(res.type, 'application/json; charset=utf-8');
      const body = JSON.parse(res.text);
      assert.equal(body.status, 401);
      assert.equal(body.error, 'Unauthorized');
      assert.equal(body.data, null);
    }
  }
  assert.equal((await get('/analytics/webhooks', `bearer ${KEY_A}`)).status, 200, 'the scheme is case-insensitive');
});

test('a key sees its own organization only', async () => {
  const query = qs({ period: 'last_7_days', as_of: asOf, last_n: '1000' });
  for (const [key, other] of [[KEY_A, KEY_B], [KEY_B, KEY_A]]) {
    const { org, env } = tenants[key];
    const res = await get(`/analytics/webhooks?${query}`, `Bearer ${key}`);
    assert.equal(res.text, await expected(key, query));
    const body = JSON.parse(res.text);
    assert.equal(body.env, env);
    // As the owner, without row-level security: only this organization's rows.
    const { rows: [own] } = await db.query(
      "SELECT count(*)::int AS n, (SELECT count(*)::int FROM webhooks WHERE organization_id = $1) AS hooks" +
      " FROM webhook_events WHERE organization_id = $1 AND created_at >= $2::timestamptz - interval '7 days' AND created_at < $2",
      [org, asOf]);
    assert.ok(own.n > 0);
    assert.equal(body.data.day_metrics.total, own.n);
    assert.equal(body.data.total.webhooks, own.hooks);
    assert.ok(body.data.last_events.every((e) => e.organization_id === org));
    // The other organization's webhook, asked for by id, is empty for this key.
    const { rows: [{ id: theirs }] } = await db.query(
      'SELECT min(webhook_id) AS id FROM webhook_events WHERE organization_id = $1', [tenants[other].org]);
    const foreign = JSON.parse((await get(`/analytics/webhooks?${qs({ period: 'last_7_days', as_of: asOf, webhook_id: theirs })}`,
      `Bearer ${key}`)).text);
    assert.equal(foreign.data.day_metrics.total, 0);
    assert.equal(foreign.data.total.webhooks, 0);
    assert.deepEqual(foreign.data.last_events, []);
    const series = JSON.parse((await get(`/analytics/webhooks/series?${qs({ from: from36h, to: asOf, webhook_id: theirs })}`,
      `Bearer ${key}`)).text);
    assert.ok(series.length > 0 && series.every((b) => b.total === 0));
  }
});

test('requests run as the tenant role, under its row-level security', async () => {
  // A restrictive policy for the tenant role only: the API must see it, the owner does not.
  const hide = 'node_api_test_hide';
  await db.query(`DROP POLICY IF EXISTS ${hide} ON webhook_events`);
  await db.query(`CREATE POLICY ${hide} ON webhook_events AS RESTRICTIVE TO whanalytics_tenant USING (event <> 'invoice.paid')`);
  try {
    const query = qs({ as_of: asOf, last_n: '0', top_n: '1000' });
    const res = await get(`/analytics/webhooks?${query}`, `Bearer ${KEY_A}`);
    assert.equal(res.text, await expected(KEY_A, query));
    const { rows: [own] } = await db.query(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE event = 'invoice.paid')::int AS hidden FROM webhook_events" +
      " WHERE organization_id = $1 AND created_at >= $2::timestamptz - interval '1 day' AND created_at < $2", [ORG_A, asOf]);
    assert.ok(own.hidden > 0);
    const body = JSON.parse(res.text);
    assert.equal(body.data.day_metrics.total, own.n - own.hidden);
    assert.ok(body.data.top_events.every((e) => e.event !== 'invoice.paid'));
  } finally {
    await db.query(`DROP POLICY ${hide} ON webhook_events`);
  }
});

test('series: webhook_metrics_series as the tenant, dense, as JSON numbers', async () => {
  const window = { from: from36h, to: asOf };
  for (const params of [{}, { bucket: '90 minutes' }, { group_by: 'status_class' }]) {
    const query = qs({ ...window, ...params });
    const res = await get(`/analytics/webhooks/series?${query}`, `Bearer ${KEY_A}`);
    assert.equal(res.status, 200, query);
    const items = JSON.parse(res.text);
    const rows = await asTenant(KEY_A, 'SELECT * FROM webhook_metrics_series($1, $2, $3, $4, $5)',
      [ORG_A, window.from, window.to, params.bucket ?? '1 hour', params.group_by ?? null]);
    assert.equal(items.length, rows.length, query);
    rows.forEach((row, i) => {
      const item = items[i];
      assert.equal(new Date(item.bucket).getTime(), row.bucket.getTime());
      assert.equal(item.key, row.key);
      for (const name of ['total', 'success', 'failed', 'pending', 'retried']) assert.equal(item[name], Number(row[name]));
      for (const name of ['avg_delay_ms', 'latency_p50', 'latency_p95', 'latency_p99']) {
        assert.equal(item[name], row[name] === null ? null : Number(row[name]), `${query} ${name}`);
        if (row[name] !== null) assert.ok(res.text.includes(`"${name}": ${row[name]}`), 'keeps 2 decimals');
      }
    });
  }
  // Hourly buckets over whole hours: one per hour, adding up to the response's total.
  const hourly = JSON.parse((await get(`/analytics/webhooks/series?${qs(window)}`, `Bearer ${KEY_A}`)).text);
  assert.equal(hourly.length, 36);
  const body = JSON.parse(await expected(KEY_A, qs({ ...window, last_n: '0' })));
  assert.equal(hourly.reduce((sum, b) => sum + b.total, 0), body.data.day_metrics.total);
});

test('series: 400 for bad parameters', async () => {
  const cases = [
    [qs({ from: from36h, to: asOf, bucket: '1 month' }), ['query']],
    [qs({ from: asOf, to: from36h }), ['query']],
    [qs({ from: 'yesterday-ish', to: asOf }), ['query']],
    [qs({ from: from36h, to: asOf, group_by: 'colour' }), ['query']],
    [qs({ from: from36h, period: 'last_day' }), ['period', 'to']],
  ];
  for (const [query, keys] of cases) {
    const res = await get(`/analytics/webhooks/series?${query}`, `Bearer ${KEY_A}`);
    assert.equal(res.status, 400, query);
    const body = JSON.parse(res.text);
    assert.equal(body.error, 'Invalid request parameters');
    assert.deepEqual(Object.keys(body.validator).sort(), keys, query);
  }
});
