// app.js - the dashboard's code: reads the API key and window from the URL hash
// (#key=sk_...&period=last_day&as_of=2026-12-03T11:00:00Z; the hash never
// reaches a server), calls /analytics/webhooks and its /series, fills in the
// numbers and draws the charts with Chart.js. body[data-state] says when done.
'use strict';

const PERIOD_DAYS = { last_day: 1, last_7_days: 7 };
const HOUR_MS = 3600 * 1000;
const DAY_METRICS = ['total', 'success', 'failed', 'pending', 'retry_rate_pct', 'avg_delay_ms'];
const COUNTS = new Set(['total', 'success', 'failed', 'pending']);
const LATENCY = ['min', 'avg', 'p50', 'p90', 'p95', 'p99', 'max'];
const charts = [];

// utc writes a time as the API's timestamps, YYYY-MM-DDTHH:MM:SSZ.
const utc = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

// settings reads the hash; as_of (default now) goes up to a whole UTC hour, so
// the window is whole hours and each hour of the chart is one whole bucket.
function settings() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const period = hash.get('period') in PERIOD_DAYS ? hash.get('period') : 'last_day';
  const asOf = Math.ceil((Date.parse(hash.get('as_of') ?? '') || Date.now()) / HOUR_MS) * HOUR_MS;
  return { key: hash.get('key') ?? '', period, to: asOf, from: asOf - PERIOD_DAYS[period] * 24 * HOUR_MS };
}

// api GETs a path of the API with the key, throwing the error envelope's words.
async function api(path, key) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${key}` } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${res.status}: ${body.message ?? JSON.stringify(body.validator ?? body.error)}`);
  return body;
}

// fmt writes a number as the API gives it: counts whole, the rest with 2 decimals.
function fmt(value, count, signed = false) {
  if (value === null || value === undefined) return '—';
  const text = count ? String(value) : value.toFixed(2);
  return signed && value > 0 ? `+${text}` : text;
}

// put sets the text of the element with that data-testid.
function put(testid, text) {
  document.querySelector(`[data-testid="${testid}"]`).textContent = text;
}

// item makes an <li> of a top list: its name and its count, each with a data-testid.
function item(testid, name, count) {
  const li = document.createElement('li');
  for (const [suffix, text] of [['', name], ['-count', String(count)]]) {
    const span = li.appendChild(document.createElement('span'));
    span.dataset.testid = testid + suffix;
    span.textContent = span.title = text;
  }
  return li;
}

// renderNumbers fills the KPIs, the previous period, the latency table and the top lists.
function renderNumbers(data) {
  for (const name of DAY_METRICS) {
    put(`kpi-${name}`, fmt(data.day_metrics[name], COUNTS.has(name)));
    put(`previous-${name}`, fmt(data.previous.day_metrics[name], COUNTS.has(name)));
    put(`change-${name}`, fmt(data.change.day_metrics[name], COUNTS.has(name), true));
  }
  put('change-total_pct', fmt(data.change.total_pct, false, true));
  const table = document.getElementById('latency');
  table.querySelectorAll('tr.value').forEach((tr) => tr.remove());
  for (const name of LATENCY) {
    const tr = table.insertRow();
    tr.className = 'value';
    tr.insertCell().textContent = name;
    for (const [prefix, value, signed] of [['latency', data.latency[name], false],
      ['previous-latency', data.previous.latency[name], false], ['change-latency', data.change.latency[name], true]]) {
      const td = tr.insertCell();
      td.dataset.testid = `${prefix}-${name}`;
      td.textContent = fmt(value, false, signed);
    }
  }
  for (const [name, count] of Object.entries(data.latency_breakdown)) put(`breakdown-${name}`, String(count));
  document.getElementById('top-events').replaceChildren(
    ...data.top_events.map((e, i) => item(`top-event-${i}`, e.event, e.count)));
  document.getElementById('top-urls').replaceChildren(
    ...data.top_failed_urls.map((u, i) => item(`top-url-${i}`, u.url, u.count)));
}

// renderCharts draws success/failed per hour from the series, and the latency breakdown.
function renderCharts(series, breakdown, days) {
  charts.splice(0).forEach((chart) => chart.destroy());
  const label = (iso) => (days > 1 ? iso.slice(5, 10) + ' ' : '') + iso.slice(11, 16);
  charts.push(new Chart(document.getElementById('hourly'), {
    type: 'bar',
    data: {
      labels: series.map((b) => label(b.bucket)),
      datasets: [
        { label: 'success', data: series.map((b) => b.success), backgroundColor: '#2e9d5b' },
        { label: 'failed', data: series.map((b) => b.failed), backgroundColor: '#d64545' },
      ],
    },
    options: { animation: false, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true } } },
  }));
  charts.push(new Chart(document.getElementById('breakdown'), {
    type: 'doughnut',
    data: {
      labels: ['< 100 ms', '100-500 ms', '0.5-1 s', '>= 1 s'],
      datasets: [{ data: [breakdown.lt_100ms, breakdown.lt_500ms, breakdown.lt_1s, breakdown.gte_1s],
        backgroundColor: ['#2e9d5b', '#8cc63f', '#f0b429', '#d64545'] }],
    },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: 'right' } } },
  }));
}

// load shows the window of the hash for its key: both calls, then the page.
async function load() {
  const { key, period, from, to } = settings();
  document.getElementById('key').value = key;
  document.getElementById('period').value = period;
  put('window-from', utc(from).slice(0, 16).replace('T', ' '));
  put('window-to', utc(to).slice(0, 16).replace('T', ' '));
  document.body.dataset.state = 'loading';
  try {
    if (!key) throw new Error('Enter an API key (sk_live_... or sk_test_...) above.');
    const analyticsQuery = new URLSearchParams({ period, as_of: utc(to), top_n: '5', last_n: '0',
      include: 'previous,latency_breakdown' });
    const seriesQuery = new URLSearchParams({ from: utc(from), to: utc(to), bucket: '1 hour' });
    Object.assign(document.body.dataset, { analyticsQuery, seriesQuery });
    const [{ data }, series] = await Promise.all([
      api(`../analytics/webhooks?${analyticsQuery}`, key), api(`../analytics/webhooks/series?${seriesQuery}`, key)]);
    renderNumbers(data);
    renderCharts(series, data.latency_breakdown, PERIOD_DAYS[period]);
    document.body.dataset.state = 'ready';
  } catch (err) {
    put('error', err.message);
    document.body.dataset.state = 'error';
  }
}

document.getElementById('settings').addEventListener('submit', (event) => {
  event.preventDefault();
  const hash = new URLSearchParams(location.hash.slice(1));
  hash.set('key', document.getElementById('key').value);
  hash.set('period', document.getElementById('period').value);
  location.hash = hash;
});
window.addEventListener('hashchange', load);
load();
