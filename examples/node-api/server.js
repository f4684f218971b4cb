// server.js - a thin HTTP API over whanalytics: an API key names the
// organization, each request runs as a tenant role under row-level security,
// and the extension's jsonb goes out as the body untouched. Also serves the
// dashboard (../dashboard) and Chart.js. Reads PG* for the database, PORT, HOST.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Fastify = require('fastify');
const { Pool } = require('pg');

const pool = new Pool({ application_name: 'whanalytics-node-api' });
pool.on('error', (err) => console.error('idle database connection:', err.message));
const app = Fastify();
const BEARER = /^Bearer (sk_(?:live|test)_[A-Za-z0-9_]{1,200})$/i; // the scheme is case-insensitive
const JSON_TYPE = 'application/json; charset=utf-8';
const SERIES_KEYS = ['from', 'to', 'bucket', 'group_by', 'webhook_id'];

// envelope makes the seed's envelope for an error of the layer's own (the extension makes the rest).
function envelope(status, error, fields) {
  return { status, data: null, error, message: null, validator: null, log: null, support_id: null, ...fields };
}

// unauthorized replies 401 saying what is wrong with the key (no key, no env).
function unauthorized(reply, why) {
  return reply.code(401).send(envelope(401, 'Unauthorized', { message: why }));
}

// authenticate finds the organization of the Bearer key by its SHA-256, or replies 401.
async function authenticate(request, reply) {
  const header = request.headers.authorization;
  if (header === undefined) return unauthorized(reply, 'Missing Authorization header');
  const match = BEARER.exec(header);
  if (!match) return unauthorized(reply, 'Authorization must be "Bearer sk_live_..." or "Bearer sk_test_..."');
  const hash = crypto.createHash('sha256').update(match[1]).digest('hex');
  const { rows } = await pool.query(
    'SELECT organization_id, env FROM api_keys WHERE key_hash = $1', [hash]);
  if (rows.length === 0) return unauthorized(reply, 'Unknown API key');
  request.tenant = rows[0];
}

// asTenant runs fn(client) in a read-only transaction as the tenant role, with
// the key's organization in app.org_id (what the RLS policies read) and its env.
async function asTenant(tenant, fn) {
  const client = await pool.connect();
  let broken;
  try {
    await client.query('BEGIN READ ONLY; SET LOCAL ROLE whanalytics_tenant');
    await client.query(
      "SELECT set_config('app.org_id', $1, true), set_config('whanalytics.env', $2, true)," +
      " set_config('TimeZone', 'UTC', true)", [tenant.organization_id, tenant.env]);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((e) => { broken = e; });
    throw err;
  } finally {
    client.release(broken);
  }
}

// The analytics: the query string as jsonb in, the envelope's text out (::text
// keeps numbers as the extension wrote them, 3941.00), its "status" as the status.
app.get('/analytics/webhooks', { onRequest: authenticate }, async (request, reply) => {
  const { rows: [r] } = await asTenant(request.tenant, (client) => client.query(
    "SELECT r::text AS body, (r->>'status')::int AS status" +
    ' FROM webhook_analytics_request($1, $2::jsonb) AS r',
    [request.tenant.organization_id, JSON.stringify(request.query)]));
  return reply.code(r.status).type(JSON_TYPE).send(r.body);
});

// The series: a JSON array of webhook_metrics_series rows over [from, to), dense
// buckets (default 1 hour), counts as integers, the rest as numbers with 2 decimals.
app.get('/analytics/webhooks/series', { onRequest: authenticate }, async (request, reply) => {
  const q = request.query;
  const validator = {};
  for (const key of Object.keys(q)) {
    if (!SERIES_KEYS.includes(key)) validator[key] = `unknown parameter; accepted: ${SERIES_KEYS.join(', ')}`;
  }
  for (const key of ['from', 'to']) {
    if (q[key] === undefined) validator[key] = 'required: a timestamp such as 2026-12-01T00:00:00Z';
  }
  if (Object.keys(validator).length > 0) {
    return reply.code(400).send(envelope(400, 'Invalid request parameters', { validator, env: request.tenant.env }));
  }
  const { rows: [r] } = await asTenant(request.tenant, (client) => client.query(
    "SELECT coalesce(jsonb_agg(to_jsonb(s) - 'ordinality' ORDER BY ordinality), '[]')::text AS body" +
    ' FROM webhook_metrics_series($1, $2::timestamptz, $3::timestamptz, $4::interval, $5, $6)' +
    ' WITH ORDINALITY AS s',
    [request.tenant.organization_id, q.from, q.to, q.bucket ?? '1 hour', q.group_by ?? null, q.webhook_id ?? null]));
  return reply.type(JSON_TYPE).send(r.body);
});

// The dashboard's static files, Chart.js from the npm package (no CDN).
const STATIC = {
  '/dashboard/': [path.join(__dirname, '../dashboard/index.html'), 'text/html; charset=utf-8'],
  '/dashboard/app.js': [path.join(__dirname, '../dashboard/app.js'), 'text/javascript; charset=utf-8'],
  '/dashboard/chart.umd.js': [path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js'),
    'text/javascript; charset=utf-8'],
};
for (const [url, [file, type]] of Object.entries(STATIC)) {
  app.get(url, (request, reply) => reply.type(type).send(fs.createReadStream(file)));
}
app.get('/dashboard', (request, reply) => reply.redirect('/dashboard/'));

// SQL data errors (a bad series bound or bucket, a NUL in the query) are 400s
// under "query"; fastify's own 4xx keep their status; anything else is a logged 500.
app.setErrorHandler((err, request, reply) => {
  const env = request.tenant?.env;
  if (typeof err.code === 'string' && err.code.startsWith('22')) {
    const why = err.hint ? `${err.message}. ${err.hint}` : err.message;
    return reply.code(400).send(envelope(400, 'Invalid request parameters', { validator: { query: why }, env }));
  }
  if (err.statusCode >= 400 && err.statusCode < 500) {
    return reply.code(err.statusCode).send(envelope(err.statusCode, err.message, { env }));
  }
  console.error(err);
  return reply.code(500).send(envelope(500, 'Internal server error', { env }));
});

// main listens on HOST:PORT (PORT=0: a free port) and prints the address.
async function main() {
  const address = await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
  console.log(`listening on ${address}`);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => { await app.close(); await pool.end(); });
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
