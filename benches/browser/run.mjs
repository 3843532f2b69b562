#!/usr/bin/env node
// Browser benchmarks of issue 9, in ONE Debian Chromium process (playwright-core):
//   keyturn  the console (KEYTURN_URL) connected to the local KMS peer, from the click on
//            "connect" until the inventory is loaded, and until the first screenful of rows;
//   DIY      the same inventory loaded by an app on the AWS SDK for JavaScript v3 (src/diy.js);
//   floor    the same loading logic, signed with @smithy/signature-v4 and sent with fetch, no
//            retries, 32 in flight per scope (src/floor.js).
// Each measured RUNS times (default 3), interleaved keyturn, DIY, floor, keyturn, ...; medians.
// The peer is started (and restarted per quota setting) by scripts/bench.sh, not here.
//
//   node run.mjs --scopes one|fleet --peer URL [--state-dir DIR] --bench-url URL [--keyturn-url URL]
//                [--runs 3] [--out results.jsonl] [--one-host] [--count-hosts]
//   node run.mjs --filter --peer URL [--state-dir DIR] --keyturn-url URL [--out results.jsonl] [--one-host]
//   node run.mjs --report results.jsonl        (the markdown tables of every result in the file)
//
// --peer defaults to KEYTURN_PEER_URL, --keyturn-url to KEYTURN_URL, --bench-url to
// KEYTURN_BENCH_URL. The bench page must be served from the console's origin (scripts/bench.sh
// copies build/ next to dist/); the peer's CORS allows any origin.
//
// Every Region has its own host name, as on AWS (kms.us-east-1.amazonaws.com,
// kms.us-west-2.amazonaws.com, ...), so Chromium's 6 connections per host apply per Region: all
// three apps send a Region's requests to `http://{region}.localhost:PORT` (PORT: --peer's; Chromium
// resolves every *.localhost name to loopback), STS to us-east-1's host. keyturn gets that
// template in its endpoint URL; the page's CSP must allow `http://*.localhost:PORT`
// (static_server.py --local-peer). --one-host sends everything to --peer instead (the old
// behaviour: the whole fleet shares 6 connections). The peer's control endpoints (/_keyturn/...)
// are always called on --peer. --count-hosts logs the requests each run sent per host (seen by
// Playwright; off by default, so the measured runs carry no extra listener).
import { readFileSync, appendFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const ACCOUNT_A = '123456789012';
const FLEET_ACCOUNTS = [ACCOUNT_A, '210987654321', '345678901234'];
const FLEET_REGIONS = ['us-east-1', 'us-west-2'];
const ROLE_NAME = 'OrganizationAccountAccessRole';
const SESSION_NAME = 'keyturn-bench';
/** ListKeyRotations: KMS's default quota, the tightest of the load (requests per second). */
const LIST_ROTATIONS_RPS = 100;
const FIRST_SCREENFUL = 20;
const KEYSTROKES = 30;
const PAUSE_MS = 2000; // between runs: the peer's quota buckets (one second deep) refill

const { values: opt } = parseArgs({
  options: {
    scopes: { type: 'string' },
    filter: { type: 'boolean', default: false },
    peer: { type: 'string', default: process.env.KEYTURN_PEER_URL },
    'state-dir': { type: 'string' },
    'bench-url': { type: 'string', default: process.env.KEYTURN_BENCH_URL },
    'keyturn-url': { type: 'string', default: process.env.KEYTURN_URL },
    runs: { type: 'string', default: '3' },
    out: { type: 'string' },
    report: { type: 'string' },
    'load-timeout-s': { type: 'string', default: '600' },
    'one-host': { type: 'boolean', default: false },
    'count-hosts': { type: 'boolean', default: false },
  },
});

/** The endpoint URL every app is given: `{region}` in it names each Region's host. */
function endpointTemplate() {
  if (opt['one-host']) return opt.peer;
  const u = new URL(opt.peer);
  return `${u.protocol}//{region}.localhost${u.port ? `:${u.port}` : ''}`;
}

const log = (...a) => console.error('bench:', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Nearest-rank percentile. */
const percentile = (xs, p) => {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : null;
};

// ---------------------------------------------------------------------------------------------
// The peer (control endpoints: no signature).

async function peerJson(path, init) {
  const r = await fetch(opt.peer.replace(/\/+$/, '') + path, init);
  const text = await r.text();
  if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${path} -> ${r.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

function peerCredentials() {
  const dir = opt['state-dir'];
  if (dir && existsSync(`${dir}/credentials.json`)) return JSON.parse(readFileSync(`${dir}/credentials.json`, 'utf8'));
  return peerJson('/_keyturn/credentials');
}

/** What reached the peer since the last clear: requests, throttled answers, errors by code. */
async function peerLog() {
  const { requests } = await peerJson('/_keyturn/requests');
  const byError = {};
  for (const r of requests) if (r.error) byError[r.error] = (byError[r.error] ?? 0) + 1;
  const throttled = Object.entries(byError).reduce((n, [k, v]) => n + (/Throttl/i.test(k) ? v : 0), 0);
  return { requests: requests.length, throttled, byError };
}

/** Keys per scope as the peer seeded them (fleet.json; health for an older peer). */
async function seededCounts(scopes) {
  try {
    const fleet = await peerJson('/_keyturn/fleet');
    const byAccount = new Map(fleet.accounts.map((a) => [a.id, a.key_counts ?? {}]));
    return scopes.map((s) => byAccount.get(s.account)?.[s.region] ?? null);
  } catch {
    return scopes.map(() => null);
  }
}

// ---------------------------------------------------------------------------------------------
// The browser.

async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    // As end2end/playwright.config.ts (Playwright adds --headless itself).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => log('page error:', e.message));
  if (opt['count-hosts']) {
    // Requests per host, the page's own files included (Playwright does not report CORS preflights).
    context.hosts = {};
    context.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol.startsWith('http')) context.hosts[u.host] = (context.hosts[u.host] ?? 0) + 1;
    });
  }
  return { context, page };
}

/** The per-host counts of --count-hosts onto a run's result (and the log). */
function noteHosts(context, r, what) {
  if (!context.hosts || !r || typeof r !== 'object') return r;
  r.hosts = context.hosts;
  log(`${what}: requests by host ${JSON.stringify(context.hosts)}`);
  return r;
}

/** DIY or floor: one load of every scope on the bench page. */
async function runBenchApp(browser, kind, cfg) {
  const { context, page } = await newPage(browser);
  try {
    await page.goto(opt['bench-url'], { waitUntil: 'load' });
    await page.waitForFunction(() => window.keyturnBench, null, { timeout: 30_000 });
    return noteHosts(context, await page.evaluate(({ kind, cfg }) => window.keyturnBench[kind](cfg), { kind, cfg }), kind);
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// keyturn, through the data-testid contract (end2end/tests/support/ui.ts; the bulk ids in
// docs/bulk.md §6 Test ids).

async function tagName(locator) {
  return locator.evaluate((el) => el.tagName.toLowerCase());
}

async function openDisclosure(page, testid) {
  const el = page.getByTestId(testid).first();
  if ((await tagName(el)) === 'details') {
    if (!(await el.evaluate((d) => d.open))) await el.locator('summary').first().click();
  } else {
    await el.click();
  }
}

async function fillConnectForm(page, creds) {
  await page.goto(opt['keyturn-url'].replace(/\/+$/, '') + '/', { waitUntil: 'load' });
  const paste = page.getByTestId('credentials-paste');
  await paste.waitFor({ state: 'visible', timeout: 60_000 });
  await paste.fill(JSON.stringify(creds, null, 4));
  const region = page.getByTestId('region');
  if ((await tagName(region)) === 'select') {
    await region.selectOption('us-east-1');
  } else {
    await region.fill('us-east-1');
    await region.press('Enter');
    await region.blur();
  }
  const endpoint = page.getByTestId('endpoint-url');
  if (!(await endpoint.isVisible()) && (await page.getByTestId('advanced').count()) > 0) {
    await openDisclosure(page, 'advanced');
  }
  await endpoint.fill(endpointTemplate());
}

/**
 * Runs in the page before the click: notes when "connect" (and "scope-apply") are clicked and
 * checks every animation frame for the first screenful (>= 20 key rows with their remaining count
 * filled) and for the end of the load (no "inventory-progress", "inventory-count" at the expected
 * total, every expected "scope-status-row" finished).
 */
function installWatcher({ expected, exact, scopeRows, firstScreenful, timeoutMs }) {
  const q = (id) => document.querySelectorAll(`[data-testid="${id}"]`);
  const ints = (s) => (s ?? '').replace(/(\d)[,.\u202f\u00a0 ](\d{3})/g, '$1$2').match(/\d+/g)?.map(Number) ?? [];
  const clicks = {};
  document.addEventListener(
    'click',
    (e) => {
      const id = e.target?.closest?.('[data-testid]')?.getAttribute('data-testid');
      if ((id === 'connect' || id === 'scope-apply') && clicks[id] === undefined) clicks[id] = performance.now();
    },
    true,
  );
  window.__ktWatch = new Promise((resolve) => {
    let first = null;
    let started = null;
    const tick = () => {
      const now = performance.now();
      const t0 = clicks.connect;
      if (t0 === undefined) return requestAnimationFrame(tick);
      started ??= now;
      if (first === null) {
        let filled = 0;
        for (const row of q('key-row')) {
          const t = (row.querySelector('[data-testid="key-remaining"]')?.textContent ?? '').trim();
          if (t && !t.includes('\u2026')) filled++;
        }
        if (filled >= firstScreenful) first = now;
      }
      const countText = q('inventory-count')[0]?.textContent ?? '';
      const total = ints(countText).at(-1) ?? null; // "1,001 keys" or "50 of 1,001 keys"
      const loading = q('inventory-progress').length > 0;
      const scopes = [...q('scope-status-row')].map((r) => r.getAttribute('data-state'));
      const scopesDone = scopeRows === 0 || (scopes.length >= scopeRows && scopes.every((s) => s === 'done' || s === 'failed'));
      // One scope: exactly the keys ListKeys returned. Fleet: every scope finished (the console may
      // show a multi-Region key's primary and replicas as one row, so its total can be lower).
      const countOk = total !== null && (exact ? total === expected : true);
      if (!loading && countOk && scopesDone && (first !== null || total < firstScreenful)) {
        const throttle = [...document.querySelectorAll('[data-testid="error-banner"], [data-testid="key-problem"], [data-testid="scope-status-row"][data-state="failed"]')]
          .filter((el) => /Throttl/i.test(el.textContent ?? '')).length;
        return resolve({
          fullMs: now - t0,
          firstMs: first === null ? null : first - t0,
          applyMs: clicks['scope-apply'] === undefined ? null : clicks['scope-apply'] - t0,
          total,
          throttleShown: throttle,
          failedScopes: scopes.filter((s) => s === 'failed').length,
          errorBanners: q('error-banner').length,
        });
      }
      if (now - started > timeoutMs) {
        return resolve({ timeout: true, countText, loading, scopes, firstMs: first === null ? null : first - t0 });
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Opens the scope editor and applies the fleet's scopes; a reason string when it cannot. */
async function applyFleetScopes(page) {
  await page.getByTestId('identity').waitFor({ state: 'visible', timeout: 60_000 });
  const scopes = page.getByTestId('scopes');
  try {
    await scopes.first().waitFor({ state: 'attached', timeout: 5_000 });
  } catch {
    return 'no "scopes" control after connect (the scope editor is not built yet)';
  }
  await openDisclosure(page, 'scopes');
  const boxes = page.getByTestId('scope-region');
  await boxes.first().waitFor({ state: 'visible', timeout: 10_000 });
  const regions = await boxes.evaluateAll((els) => els.map((e) => e.getAttribute('data-region')));
  for (const r of FLEET_REGIONS) if (!regions.includes(r)) return `no "scope-region" checkbox for ${r}`;
  for (const r of regions) {
    await page.locator(`[data-testid="scope-region"][data-region="${r}"]`).setChecked(FLEET_REGIONS.includes(r));
  }
  await page.getByTestId('scope-accounts').fill(FLEET_ACCOUNTS.filter((a) => a !== ACCOUNT_A).join('\n'));
  await page.getByTestId('scope-role-name').fill(ROLE_NAME);
  await page.getByTestId('scope-apply').click();
  return null;
}

async function runKeyturn(browser, creds, { expected, exact, fleet }) {
  const { context, page } = await newPage(browser);
  try {
    await fillConnectForm(page, creds);
    await page.evaluate(installWatcher, {
      expected,
      exact,
      scopeRows: fleet ? FLEET_ACCOUNTS.length * FLEET_REGIONS.length : 0,
      firstScreenful: FIRST_SCREENFUL,
      timeoutMs: Number(opt['load-timeout-s']) * 1000,
    });
    await page.getByTestId('connect').click();
    if (fleet) {
      const missing = await applyFleetScopes(page);
      if (missing) return { unavailable: missing };
    }
    const r = await page.evaluate(() => window.__ktWatch);
    if (r.timeout) return { failed: `did not finish loading in ${opt['load-timeout-s']} s: ${JSON.stringify(r)}` };
    return noteHosts(context, r, 'keyturn');
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

function scopesOf(name) {
  if (name === 'one') return [{ account: ACCOUNT_A, region: 'us-east-1' }];
  if (name === 'fleet') return FLEET_ACCOUNTS.flatMap((account) => FLEET_REGIONS.map((region) => ({ account, region })));
  throw new Error(`--scopes one|fleet, not ${name}`);
}

async function loadScenario() {
  const name = opt.scopes;
  const scopes = scopesOf(name);
  const runs = Number(opt.runs);
  const health = await peerJson('/_keyturn/health');
  const creds = await peerCredentials();
  const endpoint = endpointTemplate();
  const cfg = { endpoint, credentials: creds, scopes, roleName: ROLE_NAME, sessionName: SESSION_NAME };
  const seeded = await seededCounts(scopes);
  log(`${name}: ${scopes.length} scope(s), quotas ${health.quotas ? 'on' : 'off'}, endpoint ${endpoint}, seeded keys per scope ${JSON.stringify(seeded)}`);

  const browser = await launch();
  const result = {
    kind: 'load',
    scenario: name,
    quotas: !!health.quotas,
    scopes: scopes.length,
    endpoint,
    chromium: browser.version(),
    date: new Date().toISOString(),
    runs: { keyturn: [], diy: [], floor: [] },
    failures: [],
  };
  try {
    // Warm-up (not counted): the peer's first answers, and the key counts the others must reach.
    await peerJson('/_keyturn/requests', { method: 'DELETE' });
    const warm = await runBenchApp(browser, 'floor', cfg);
    result.keysPerScope = warm.scopes.map((s) => s.keys);
    result.expectedKeys = warm.keys;
    log(`warm-up floor: ${warm.keys} keys in ${(warm.ms / 1000).toFixed(2)} s, ${warm.errors} failed calls ${JSON.stringify(warm.errorsByCode)}`);
    if (warm.scopes.some((s) => s.failed)) log(`warm-up: scopes failed: ${JSON.stringify(warm.scopes.filter((s) => s.failed))}`);
    result.quotaSeconds = Math.max(...result.keysPerScope) / LIST_ROTATIONS_RPS;

    let keyturnUnavailable = opt['keyturn-url'] ? null : 'no KEYTURN_URL (dist/ not served)';
    for (let i = 0; i < runs; i++) {
      for (const app of ['keyturn', 'diy', 'floor']) {
        if (app === 'keyturn' && keyturnUnavailable) continue;
        await sleep(PAUSE_MS);
        await peerJson('/_keyturn/requests', { method: 'DELETE' });
        let r;
        if (app === 'keyturn') {
          r = await runKeyturn(browser, creds, { expected: result.expectedKeys, exact: name === 'one', fleet: name === 'fleet' });
          if (r.unavailable) {
            keyturnUnavailable = r.unavailable;
            log(`keyturn ${name}: not available: ${r.unavailable}`);
            continue;
          }
          if (r.failed) {
            log(`run ${i + 1} keyturn: FAILED: ${r.failed}`);
            result.failures.push(`keyturn run ${i + 1}: ${r.failed}`);
            continue;
          }
        } else {
          r = await runBenchApp(browser, app, cfg);
        }
        r.peer = await peerLog();
        result.runs[app].push(r);
        const ms = r.fullMs ?? r.ms;
        log(`run ${i + 1} ${app}: ${(ms / 1000).toFixed(2)} s` +
          (r.firstMs != null ? `, first screenful ${(r.firstMs / 1000).toFixed(2)} s` : '') +
          `, ${r.total ?? r.keys} keys, ${r.peer.requests} requests at the peer, ${r.peer.throttled} throttled` +
          (r.errors !== undefined ? `, ${r.errors} failed calls ${JSON.stringify(r.errorsByCode)}` : '') +
          (r.throttleShown !== undefined ? `, ${r.throttleShown} throttling messages shown` : ''));
      }
    }
    result.keyturnUnavailable = keyturnUnavailable;
  } finally {
    await browser.close();
  }
  return result;
}

// The filter keystroke: 30 characters typed into "inventory-filter" over a loaded inventory.

function armKeystroke() {
  const table = document.querySelector('[data-testid="key-table"]');
  window.__ktKey = new Promise((resolve) => {
    let tIn = null;
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      mo.disconnect();
      resolve(v);
    };
    window.addEventListener('input', () => (tIn = performance.now()), { capture: true, once: true });
    const mo = new MutationObserver(() => {
      if (tIn === null || done) return;
      const t = tIn;
      mo.disconnect();
      requestAnimationFrame(() => finish(performance.now() - t));
    });
    mo.observe(table, { subtree: true, childList: true, characterData: true, attributes: true });
    setTimeout(() => finish(null), 10_000);
  });
}

/** Resolves once the key table has not changed for `quietMs` (at most 5 s). */
function settle(quietMs) {
  const table = document.querySelector('[data-testid="key-table"]');
  return new Promise((resolve) => {
    let timer = setTimeout(done, quietMs);
    const mo = new MutationObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    const cap = setTimeout(done, 5_000);
    function done() {
      mo.disconnect();
      clearTimeout(cap);
      resolve();
    }
    mo.observe(table, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

async function filterScenario() {
  if (!opt['keyturn-url']) throw new Error('--filter needs --keyturn-url (or KEYTURN_URL)');
  const health = await peerJson('/_keyturn/health');
  const creds = await peerCredentials();
  const [seeded] = await seededCounts([{ account: ACCOUNT_A, region: 'us-east-1' }]);
  const expected = seeded ?? health.keys;
  const browser = await launch();
  const result = { kind: 'filter', keys: expected, quotas: !!health.quotas, endpoint: endpointTemplate(), chromium: browser.version(), date: new Date().toISOString() };
  try {
    const { context, page } = await newPage(browser);
    await fillConnectForm(page, creds);
    await page.evaluate(installWatcher, { expected, exact: true, scopeRows: 0, firstScreenful: FIRST_SCREENFUL, timeoutMs: Number(opt['load-timeout-s']) * 1000 });
    await page.getByTestId('connect').click();
    const load = await page.evaluate(() => window.__ktWatch);
    if (load.timeout) throw new Error(`keyturn did not finish loading ${expected} keys: ${JSON.stringify(load)}`);
    result.loadMs = load.fullMs;
    log(`filter: ${expected} keys loaded in ${(load.fullMs / 1000).toFixed(1)} s`);
    const filter = page.getByTestId('inventory-filter');
    await filter.click();
    await filter.fill('bulk-');
    await page.evaluate(settle, 500);
    const samples = [];
    for (let i = 0; i < KEYSTROKES; i++) {
      await page.evaluate(armKeystroke);
      await page.keyboard.press(i % 2 === 0 ? '5' : 'Backspace');
      samples.push(await page.evaluate(() => window.__ktKey));
      await page.evaluate(settle, 200);
    }
    result.samples = samples;
    result.unchanged = samples.filter((s) => s === null).length;
    result.medianMs = median(samples);
    result.p95Ms = percentile(samples.filter((s) => s !== null), 95);
    log(`filter keystrokes: ${samples.map((s) => (s === null ? 'none' : s.toFixed(1))).join(' ')}`);
    await context.close();
  } finally {
    await browser.close();
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Report.

const secs = (ms) => (ms == null ? '—' : `${(ms / 1000).toFixed(2)} s`);
const ratio = (a, b) => (a == null || b == null || b === 0 ? '—' : `${(a / b).toFixed(2)}×`);

function summarize(r) {
  const k = r.runs.keyturn;
  const m = {
    keyturn: median(k.map((x) => x.fullMs)),
    first: median(k.map((x) => x.firstMs)),
    diy: median(r.runs.diy.map((x) => x.ms)),
    floor: median(r.runs.floor.map((x) => x.ms)),
  };
  const med = (xs, f) => median(xs.map(f));
  return {
    ...m,
    keyturnThrottleShown: med(k, (x) => x.throttleShown),
    diyThrottleErrors: med(r.runs.diy, (x) => x.throttleErrors),
    diyErrors: med(r.runs.diy, (x) => x.errors),
    floorThrottleErrors: med(r.runs.floor, (x) => x.throttleErrors),
    floorErrors: med(r.runs.floor, (x) => x.errors),
    peer: Object.fromEntries(['keyturn', 'diy', 'floor'].map((a) => [a, {
      requests: med(r.runs[a], (x) => x.peer?.requests),
      throttled: med(r.runs[a], (x) => x.peer?.throttled),
    }])),
  };
}

function table(results) {
  const lines = [];
  const loads = results.filter((r) => r.kind === 'load');
  if (loads.length) {
    lines.push(
      '| scenario | quotas | keyturn | DIY (SDK v3) | floor (raw signed) | quotas allow | keyturn/floor | keyturn/DIY | keyturn/quota time | throttling errors shown (keyturn / DIY / floor) | first screenful / full (keyturn) |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|',
    );
    for (const r of loads) {
      const s = summarize(r);
      const shown = median(r.runs.keyturn.map((x) => x.total));
      const label = (r.scenario === 'one' ? `one scope, ${r.expectedKeys} keys` : `fleet, ${r.scopes} scopes, ${r.expectedKeys} keys`) +
        (shown != null && shown !== r.expectedKeys ? ` (keyturn shows ${shown})` : '');
      const kt = r.keyturnUnavailable ? `n/a (${r.keyturnUnavailable})` : s.keyturn == null ? 'failed (see below)' : secs(s.keyturn);
      const ktThrottle = r.keyturnUnavailable ? 'n/a' : s.keyturnThrottleShown;
      lines.push(`| ${label} | ${r.quotas ? 'on' : 'off'} | ${kt} | ${secs(s.diy)} | ${secs(s.floor)} | ${(r.quotaSeconds ?? 0).toFixed(1)} s | ` +
        `${ratio(s.keyturn, s.floor)} | ${ratio(s.keyturn, s.diy)} | ${ratio(s.keyturn, (r.quotaSeconds ?? 0) * 1000)} | ` +
        `${ktThrottle} / ${s.diyThrottleErrors ?? '—'} / ${s.floorThrottleErrors ?? '—'} | ${ratio(s.first, s.keyturn)} |`);
    }
    lines.push('', '| scenario | quotas | app | runs (s) | requests at the peer | throttled answers | failed calls (by code) |', '|---|---|---|---|---:|---:|---|');
    for (const r of loads) {
      for (const app of ['keyturn', 'diy', 'floor']) {
        const runs = r.runs[app];
        if (!runs.length) continue;
        const times = runs.map((x) => ((x.fullMs ?? x.ms) / 1000).toFixed(2)).join(', ');
        const failed = app === 'keyturn' ? `${median(runs.map((x) => x.errorBanners))} error banners` :
          `${median(runs.map((x) => x.errors))} ${JSON.stringify(runs.at(-1).errorsByCode)}`;
        lines.push(`| ${r.scenario} | ${r.quotas ? 'on' : 'off'} | ${app} | ${times} | ${median(runs.map((x) => x.peer.requests))} | ${median(runs.map((x) => x.peer.throttled))} | ${failed} |`);
      }
    }
  }
  const failures = loads.flatMap((r) => (r.failures ?? []).map((f) => `- ${r.scenario}, quotas ${r.quotas ? 'on' : 'off'}: ${f}`));
  if (failures.length) lines.push('', 'Failed runs (left out of the medians):', ...failures);
  for (const r of results.filter((x) => x.kind === 'filter')) {
    lines.push('', `Filter keystroke, ${r.keys} keys loaded (in ${secs(r.loadMs)}), quotas ${r.quotas ? 'on' : 'off'}: ` +
      `median ${r.medianMs?.toFixed(1)} ms, p95 ${r.p95Ms?.toFixed(1)} ms over ${r.samples.length} keystrokes` +
      (r.unchanged ? ` (${r.unchanged} left the table unchanged for 10 s)` : '') +
      ' (input event to the animation frame after the key table changed).');
  }
  if (results[0]) {
    const endpoints = [...new Set(results.map((r) => r.endpoint).filter(Boolean))];
    const hosts = endpoints.map((e) => (e.includes('{region}') ? `one host per Region (${e})` : `every request to one host (${e})`));
    lines.push('', `Chromium ${results[0].chromium}, ${results[0].date.slice(0, 10)}${hosts.length ? `; ${hosts.join(', ')}` : ''}.`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (opt.report) {
    const results = readFileSync(opt.report, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    console.log(table(results));
    return;
  }
  if (!opt.peer) throw new Error('--peer URL (or KEYTURN_PEER_URL) is required');
  let result;
  if (opt.filter) result = await filterScenario();
  else {
    if (!opt['bench-url']) throw new Error('--bench-url URL (or KEYTURN_BENCH_URL) is required');
    result = await loadScenario();
  }
  if (opt.out) appendFileSync(opt.out, JSON.stringify(result) + '\n');
  console.log(table([result]));
}

main().catch((e) => {
  console.error(`bench: ${e.stack ?? e}`);
  process.exit(1);
});
