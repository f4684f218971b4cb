// test.js - the dashboard's test (node --test test.js): starts ../node-api's
// server, loads the page in Debian's Chromium (playwright-core), checks every
// number and both charts against the API's JSON for the page's own queries,
// and saves a screenshot (1200x900) to $SCREENSHOT, or to screenshot.png here
// when that is unset (how the README's picture is made).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { createRequire } = require('node:module');
const { startServer } = require('../node-api/start-server.js');

const requireApi = createRequire(path.join(__dirname, '../node-api/package.json')); // its node_modules
const { chromium } = requireApi('playwright-core');
const { Client } = requireApi('pg');

const ORG = process.env.WHANALYTICS_DEMO_ORG ?? 'org_0196b0e9-11d8-7f26-b1d2-bd47054e4827';
const KEY = 'sk_live_demo_acme_0196b0e9'; // setup.sql's demo key
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
let server;
let browser;
let asOf; // the next whole UTC hour after the organization's newest delivery

before(async () => {
  const db = new Client();
  await db.connect();
  const { rows: [row] } = await db.query(
    "SELECT k.organization_id AS org, to_char(date_trunc('hour', max(e.created_at) AT TIME ZONE 'UTC')" +
    " + interval '1 hour', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS as_of FROM api_keys k" +
    ' JOIN webhook_events e USING (organization_id)' +
    " WHERE k.key_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex') GROUP BY 1", [KEY]);
  await db.end();
  assert.equal(row?.org, ORG, 'the demo key is the demo organization\'s, which has deliveries');
  asOf = row.as_of;
  server = await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// open loads the dashboard with a hash and waits until it is drawn (or failed).
async function open(hash) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = [];
  page.on('pageerror', (err) => errors.push(err));
  await page.goto(`${server.url}/dashboard/#${hash}`);
  await page.waitForSelector('body:not([data-state="loading"])');
  assert.deepEqual(errors, [], 'no script errors');
  return page;
}

// api fetches a path of the API as the page does, with the demo key.
async function api(path) {
  const res = await fetch(server.url + path, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(res.status, 200, path);
  return res.json();
}

// expectedNumbers is what each data-testid of the page must show for a response's data.
function expectedNumbers(data) {
  const want = { 'change-total_pct': data.change.total_pct };
  for (const [name, value] of Object.entries(data.day_metrics)) {
    Object.assign(want, { [`kpi-${name}`]: value, [`previous-${name}`]: data.previous.day_metrics[name],
      [`change-${name}`]: data.change.day_metrics[name] });
  }
  for (const [name, value] of Object.entries(data.latency)) {
    Object.assign(want, { [`latency-${name}`]: value, [`previous-latency-${name}`]: data.previous.latency[name],
      [`change-latency-${name}`]: data.change.latency[name] });
  }
  for (const [name, value] of Object.entries(data.latency_breakdown)) want[`breakdown-${name}`] = value;
  data.top_events.forEach((e, i) => Object.assign(want, { [`top-event-${i}`]: e.event, [`top-event-${i}-count`]: e.count }));
  data.top_failed_urls.forEach((u, i) => Object.assign(want, { [`top-url-${i}`]: u.url, [`top-url-${i}-count`]: u.count }));
  return want;
}

// checkPage compares every data-testid and both charts of a drawn page with the API.
async function checkPage(page, bars) {
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready', await page.textContent('#error'));
  const { analyticsQuery, seriesQuery } = await page.evaluate(() => ({ ...document.body.dataset }));
  const { data } = await api(`/analytics/webhooks?${analyticsQuery}`);
  const series = await api(`/analytics/webhooks/series?${seriesQuery}`);
  assert.ok(data.day_metrics.total > 0 && data.top_events.length > 0, 'the window holds deliveries');

  const shown = await page.$$eval('[data-testid]', (els) => Object.fromEntries(els.map((e) => [e.dataset.testid, e.textContent])));
  delete shown.error;
  delete shown['window-from'];
  delete shown['window-to'];
  const want = expectedNumbers(data);
  assert.deepEqual(Object.keys(shown).sort(), Object.keys(want).sort(), 'every data-testid is checked');
  for (const [testid, value] of Object.entries(want)) {
    if (typeof value === 'number') {
      assert.match(shown[testid], /^[+-]?\d+(\.\d\d)?$/, testid);
      assert.equal(Number(shown[testid]), value, testid);
    } else {
      assert.equal(shown[testid], value ?? '—', testid);
    }
  }

  const chart = await page.evaluate(() => ['hourly', 'breakdown'].map((id) => {
    const { labels, datasets } = Chart.getChart(id).data;
    return { labels, data: datasets.map((d) => d.data) };
  }));
  const [hourly, breakdown] = chart;
  assert.equal(series.length, bars, 'one bucket per whole hour of the window');
  assert.equal(new Set(hourly.labels).size, bars, 'no hour appears twice');
  assert.deepEqual(hourly.data, [series.map((b) => b.success), series.map((b) => b.failed)]);
  assert.equal(series.reduce((sum, b) => sum + b.total, 0), data.day_metrics.total, 'the bars add up to the total');
  const { lt_100ms, lt_500ms, lt_1s, gte_1s } = data.latency_breakdown;
  assert.deepEqual(breakdown.data, [[lt_100ms, lt_500ms, lt_1s, gte_1s]]);
}

test('the last day: every number and both charts are the API\'s; screenshot', async () => {
  const page = await open(new URLSearchParams({ key: KEY, period: 'last_day', as_of: asOf }));
  await checkPage(page, 24);
  await page.screenshot({ path: process.env.SCREENSHOT || path.join(__dirname, 'screenshot.png') });
  await page.close();
});

test('the last 7 days, from the form, as_of rounded up to the whole hour', async () => {
  const notWhole = new Date(Date.parse(asOf) - (25 * 60 + 13) * 1000).toISOString();
  const page = await open(new URLSearchParams({ as_of: notWhole }));
  assert.match(await page.textContent('#error'), /API key/);
  await page.fill('#key', KEY);
  await page.selectOption('#period', 'last_7_days');
  await page.click('button');
  await page.waitForSelector('body[data-state="ready"]'); // it was "error" (no key)
  await checkPage(page, 7 * 24);
  assert.match(await page.getAttribute('body', 'data-analytics-query'), new RegExp(`as_of=${encodeURIComponent(asOf)}`));
  await page.close();
});

test('an unknown key shows the API\'s 401', async () => {
  const page = await open(new URLSearchParams({ key: 'sk_live_not_a_key', as_of: asOf }));
  assert.equal(await page.getAttribute('body', 'data-state'), 'error');
  assert.match(await page.textContent('#error'), /^401: Unknown API key/);
  await page.close();
});
