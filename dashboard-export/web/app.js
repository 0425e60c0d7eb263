// finwatch dashboard page. Plain JavaScript, no framework; everything from
// Redis is shown with textContent (never innerHTML), so alert text cannot
// inject markup. The token (when the server needs one) comes from ?token=.
'use strict';

const SVGNS = 'http://www.w3.org/2000/svg';
const params = new URLSearchParams(location.search);
const token = params.get('token') || '';
const MAP_REFRESH_MS = 5000;
const SENSOR_REFRESH_MS = 5000;
const FEED_MAX = 200;
const W = 1000, H = 560;

const state = { map: null, selected: null, live: 0 };

function sevOf(score) {
  const s = Number(score) || 0;
  if (s < 40) return 'low';
  if (s < 70) return 'medium';
  if (s < 90) return 'high';
  return 'critical';
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function fmt(n, digits) {
  const v = Number(n);
  if (!isFinite(v)) return '-';
  return v.toFixed(digits === undefined ? 0 : digits);
}

function shortTime(ts) {
  if (ts === undefined || ts === null || ts === '') return '';
  const d = typeof ts === 'number' ? new Date(ts * 1000) : new Date(ts);
  return isNaN(d) ? String(ts) : d.toISOString().slice(11, 19);
}

async function api(path) {
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const r = await fetch(path, { headers, cache: 'no-store' });
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  return r.json();
}

// ---------------------------------------------------------------- zones

function trendArrow(t) {
  const v = Number(t) || 0;
  if (v > 0.5) return ['\u2191', 'up'];
  if (v < -0.5) return ['\u2193', 'down'];
  return ['\u2192', 'flat'];
}

function sparkline(history) {
  const s = svg('svg', { viewBox: '0 0 100 20', preserveAspectRatio: 'none' });
  if (!history || history.length < 2) return s;
  const max = Math.max(1, ...history.map(p => p[1]));
  const pts = history.map((p, i) =>
    (i * 100 / (history.length - 1)).toFixed(1) + ',' + (19 - p[1] * 18 / max).toFixed(1));
  s.appendChild(svg('polyline', { points: pts.join(' ') }));
  return s;
}

function renderZones(zones) {
  const box = document.getElementById('zones');
  box.replaceChildren();
  if (!zones.length) box.appendChild(el('span', 'hint', 'no zone scores yet'));
  for (const z of zones) {
    const card = el('div', 'zone-card sev-' + sevOf(z.score));
    card.dataset.zone = z.name;
    const [arrow, cls] = trendArrow(z.trend);
    card.appendChild(el('div', 'name', z.name));
    const sc = el('div', 'score', fmt(z.score, 1));
    sc.appendChild(el('span', 'trend ' + cls, arrow));
    card.appendChild(sc);
    card.appendChild(el('div', 'meta', 'forecast ' + fmt(z.forecast, 1) + ' \u00b7 trend ' +
      (Number(z.trend) >= 0 ? '+' : '') + fmt(z.trend, 2)));
    const a = z.alerts || {};
    card.appendChild(el('div', 'meta', 'alerts ' + fmt(a.critical) + ' crit / ' +
      fmt(a.high) + ' high / ' + fmt(a.medium) + ' med / ' + fmt(a.low) + ' low'));
    card.appendChild(sparkline(z.history));
    box.appendChild(card);
  }
}

// ------------------------------------------------------------------ map

// Deterministic layout: one column per zone (zones sorted by name, "external"
// last), hosts sorted by score then address, laid out on a grid in the column.
function layout(map) {
  const names = new Set(map.zones.map(z => z.name));
  for (const h of map.hosts) names.add(h.zone || 'external');
  const cols = [...names].sort((a, b) =>
    (a === 'external') - (b === 'external') || a.localeCompare(b));
  const colW = W / Math.max(1, cols.length);
  const pos = new Map();
  cols.forEach((name, ci) => {
    const hosts = map.hosts.filter(h => (h.zone || 'external') === name)
      .sort((a, b) => b.score - a.score || a.ip.localeCompare(b.ip));
    const per = Math.max(1, Math.floor((colW - 20) / 70));
    hosts.forEach((h, i) => {
      const x = ci * colW + 10 + (i % per + 0.5) * ((colW - 20) / per);
      const y = 70 + Math.floor(i / per) * 78;
      pos.set(h.ip, { x, y: Math.min(y, H - 30), h });
    });
  });
  return { cols, colW, pos };
}

function renderMap(map) {
  const root = document.getElementById('map');
  root.replaceChildren();
  const { cols, colW, pos } = layout(map);
  if (!cols.length) {
    root.appendChild(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' },
      'no risky hosts yet'));
    return;
  }
  cols.forEach((name, ci) => {
    const g = svg('g', { class: 'zone', 'data-zone': name });
    g.appendChild(svg('rect', { class: 'col', x: ci * colW + 4, y: 4, width: colW - 8,
      height: H - 8, rx: 6 }));
    g.appendChild(svg('text', { class: 'col-label', x: ci * colW + colW / 2, y: 28,
      'text-anchor': 'middle' }, name));
    root.appendChild(g);
  });
  const maxW = Math.max(1, ...map.edges.map(e => e.weight));
  for (const e of map.edges) {
    const a = pos.get(e.src), b = pos.get(e.dst);
    if (!a || !b || a === b) continue;
    const mx = (a.x + b.x) / 2, my = Math.min(a.y, b.y) - 30;
    const path = svg('path', { class: 'edge', d: `M${a.x},${a.y} Q${mx},${my} ${b.x},${b.y}`,
      'stroke-width': (1 + 4 * e.weight / maxW).toFixed(1), 'data-edge': e.src + '>' + e.dst });
    path.appendChild(svg('title', {}, `${e.src} \u2192 ${e.dst}: weight ${fmt(e.weight, 1)}`));
    root.appendChild(path);
  }
  for (const { x, y, h } of pos.values()) {
    const g = svg('g', { class: 'host' + (state.selected === h.ip ? ' selected' : ''),
      'data-ip': h.ip, tabindex: 0 });
    g.appendChild(svg('circle', { cx: x, cy: y, r: (7 + 18 * Math.min(h.score, 100) / 100)
      .toFixed(1), class: 'sev-' + sevOf(h.score) }));
    g.appendChild(svg('text', { x, y: y + 40, 'text-anchor': 'middle' }, h.ip));
    g.appendChild(svg('title', {}, `${h.ip} (${h.zone}) score ${fmt(h.score, 1)}, ` +
      `${fmt(h.alerts)} alerts`));
    g.addEventListener('click', () => openHost(h.ip));
    g.addEventListener('keydown', ev => { if (ev.key === 'Enter') openHost(h.ip); });
    root.appendChild(g);
  }
}

async function refreshMap() {
  const st = document.getElementById('refresh-state');
  try {
    const map = await api('/api/map');
    state.map = map;
    renderZones(map.zones);
    renderMap(map);
    st.textContent = 'map: ' + new Date().toISOString().slice(11, 19);
    st.className = 'pill on';
    document.body.dataset.mapLoaded = '1';
  } catch (err) {
    st.textContent = 'map: ' + err.message;
    st.className = 'pill off';
  }
}

// ----------------------------------------------------------------- feed

// Alerts come in two shapes: stream entries (/api/alerts, with the ECS
// record) and the compact JSON of fw:live. Normalise both.
function normAlert(a) {
  const rec = a.record || {};
  const ev = rec.event || {};
  const sev = Number(a.severity);
  return {
    id: a.id || ev.id || '',
    ts: a.ts,
    rule: a.rule || (rec.rule && rec.rule.id) || '?',
    level: a.level || sevOf(sev),
    severity: sev,
    src: a.src || '',
    dst: a.dst || '',
    reason: a.reason || ev.reason || (rec.rule && rec.rule.name) || '',
    score: a.score,
  };
}

function hostLink(ip) {
  const a = el('a', null, ip);
  a.addEventListener('click', () => openHost(ip));
  return a;
}

function alertItem(raw, fresh) {
  const a = normAlert(raw);
  const li = el('li', 'alert sev-' + a.level + (fresh ? ' fresh' : ''));
  li.dataset.rule = a.rule;
  li.dataset.id = a.id;
  li.appendChild(el('span', 'when', shortTime(a.ts)));
  li.appendChild(el('span', 'badge sev-' + a.level, a.level));
  li.appendChild(el('span', 'rule', a.rule));
  const hosts = el('div', 'hosts');
  if (a.src) hosts.appendChild(hostLink(a.src));
  if (a.dst) {
    hosts.appendChild(document.createTextNode(' \u2192 '));
    hosts.appendChild(hostLink(a.dst));
  }
  li.appendChild(hosts);
  if (a.reason) li.appendChild(el('div', 'reason', a.reason));
  return li;
}

function addToFeed(raw, fresh) {
  const feed = document.getElementById('feed');
  const a = normAlert(raw);
  if (a.id && feed.querySelector(`li[data-id="${CSS.escape(a.id)}"]`)) return;
  feed.insertBefore(alertItem(raw, fresh), feed.firstChild);
  while (feed.children.length > FEED_MAX) feed.removeChild(feed.lastChild);
  document.getElementById('feed-count').textContent = feed.children.length + ' shown';
}

async function loadFeed() {
  try {
    const r = await api('/api/alerts?count=50');
    for (const a of r.alerts.slice().reverse()) addToFeed(a, false);
  } catch (err) {
    document.getElementById('feed-count').textContent = err.message;
  }
}

function connectLive() {
  const st = document.getElementById('live-state');
  const es = new EventSource('/events' + (token ? '?token=' + encodeURIComponent(token) : ''));
  es.addEventListener('open', () => {
    st.textContent = 'live: connected';
    st.className = 'pill on';
    document.body.dataset.live = 'open';
  });
  es.addEventListener('error', () => {
    st.textContent = 'live: reconnecting';
    st.className = 'pill off';
  });
  es.addEventListener('alert', ev => {
    let a;
    try { a = JSON.parse(ev.data); } catch (e) { return; }
    state.live++;
    document.body.dataset.liveCount = String(state.live);
    addToFeed(a, true);
  });
}

// -------------------------------------------------------------- sensors

async function refreshSensors() {
  const body = document.getElementById('sensors');
  try {
    const r = await api('/api/sensors');
    body.replaceChildren();
    if (!r.sensors.length) {
      const tr = el('tr');
      const td = el('td', 'hint', 'no sensor heartbeat');
      td.colSpan = 6;
      tr.appendChild(td);
      body.appendChild(tr);
    }
    for (const s of r.sensors) {
      const i = s.info || {};
      const tr = el('tr');
      tr.dataset.sensor = s.id;
      for (const v of [s.id, i.version || '', fmt(i.pps, 1), fmt(i.drops), fmt(i.flows)])
        tr.appendChild(el('td', null, v));
      const age = Number(s.age_s);
      tr.appendChild(el('td', age < 0 ? '' : age > 30 ? 'stale' : 'fresh',
        age < 0 ? '?' : fmt(age) + ' s ago'));
      body.appendChild(tr);
    }
  } catch (err) {
    body.replaceChildren(el('tr', null, err.message));
  }
}

// ----------------------------------------------------------- host panel

async function openHost(ip) {
  const panel = document.getElementById('host-panel');
  state.selected = ip;
  document.getElementById('host-title').textContent = ip;
  panel.hidden = false;
  for (const g of document.querySelectorAll('#map .host'))
    g.classList.toggle('selected', g.dataset.ip === ip);
  let h;
  try {
    h = await api('/api/host/' + encodeURIComponent(ip));
  } catch (err) {
    document.getElementById('host-summary').replaceChildren(el('span', null, err.message));
    for (const id of ['host-contrib', 'host-apps', 'host-alerts'])
      document.getElementById(id).replaceChildren();
    return;
  }
  if (state.selected !== ip) return;
  const sum = document.getElementById('host-summary');
  sum.replaceChildren(
    el('span', 'sev-' + h.severity, 'score ' + fmt(h.score, 1) + ' (' + h.severity + ')'),
    el('span', null, 'zone ' + (h.zone || 'external')),
    el('span', null, 'alerts ' + fmt((h.info || {}).alerts)),
    el('span', 'hint', 'last seen ' + ((h.info || {}).last_seen || '?')));
  const tb = document.getElementById('host-contrib');
  tb.replaceChildren();
  for (const c of h.contributions) {
    const tr = el('tr');
    for (const v of [c.rule, c.count, fmt(c.points, 1), shortTime(c.last_ts)])
      tr.appendChild(el('td', null, v));
    tb.appendChild(tr);
  }
  const apps = document.getElementById('host-apps');
  apps.replaceChildren();
  for (const a of h.top_apps || [])
    apps.appendChild(el('li', null, (a.app || a.name || '?') + ' (' + (a.count || 0) + ')'));
  const list = document.getElementById('host-alerts');
  list.replaceChildren();
  for (const a of h.alerts) list.appendChild(alertItem(a, false));
}

function closeHost() {
  state.selected = null;
  document.getElementById('host-panel').hidden = true;
  for (const g of document.querySelectorAll('#map .host.selected')) g.classList.remove('selected');
}

// ---------------------------------------------------------------- start

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('host-close').addEventListener('click', closeHost);
  document.addEventListener('keydown', ev => { if (ev.key === 'Escape') closeHost(); });
  refreshMap();
  refreshSensors();
  // ?live=0: no EventSource, for snapshots (chromium --dump-dom waits for
  // open network requests, and a live stream never ends).
  loadFeed().then(() => { if (params.get('live') !== '0') connectLive(); });
  setInterval(refreshMap, MAP_REFRESH_MS);
  setInterval(refreshSensors, SENSOR_REFRESH_MS);
  const open = params.get('host');
  if (open) openHost(open);
});
