// First load of the console (issue 13), in Debian's Chromium, cold cache, over a throttled link.
//
//   node firstload.mjs --url URL [--baseline-url URL] [--runs 5] [--out results.jsonl]
//   node firstload.mjs --report results.jsonl
//
// Each run is a fresh browser context (empty HTTP cache, no connections) on a link shaped like a
// laptop tethered to a phone: 100 ms round trip, 10 Mbit/s down, 5 Mbit/s up (CDP
// Network.emulateNetworkConditions). The page is served precompressed (static_server.py --compress),
// as CloudFront's automatic compression does. Measured per run:
//   - first paint: first-contentful-paint (the shell of index.html, or the app when it has none);
//   - connect ready: when the console's `connect` button (data-testid) is in the DOM: the wasm has
//     downloaded, compiled, started and rendered;
//   - transferred bytes, requests, wasm requests (one: the preload is reused), and the longest
//     request chain (index.html = 1, what it names = 2, what a script asks for = 3).
// With --baseline-url (another build, served the same way), runs alternate and the report prints
// each median beside the baseline's and their ratio. Medians of --runs (default 5).
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    'baseline-url': { type: 'string' },
    runs: { type: 'string', default: '5' },
    out: { type: 'string' },
    report: { type: 'string' },
  },
});

const LINK = { offline: false, latency: 100, downloadThroughput: (10e6 / 8), uploadThroughput: (5e6 / 8) };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

async function loadOnce(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // A new context starts with an empty HTTP cache: every run is a cold load.
  await cdp.send('Network.emulateNetworkConditions', LINK);
  // Request depth: the document is 1; a request whose initiator is the parser of a depth-d
  // document, or a script loaded at depth d, is d + 1.
  const depth = new Map();
  const requests = [];
  let bytes = 0;
  cdp.on('Network.requestWillBeSent', (e) => {
    const u = e.request.url;
    if (!u.startsWith('http')) return;
    let d = 1;
    if (e.type !== 'Document') {
      const from = e.initiator?.url ?? e.initiator?.stack?.callFrames?.[0]?.url;
      d = (depth.get(from) ?? 1) + 1;
    }
    if (!depth.has(u)) depth.set(u, d);
    requests.push({ url: u, depth: d, id: e.requestId });
  });
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength;
  });
  await page.addInitScript(() => {
    const seen = () => {
      if (!window.__connectReady && document.querySelector('[data-testid="connect"]')) {
        window.__connectReady = performance.now();
      }
    };
    new MutationObserver(seen).observe(document, { childList: true, subtree: true });
  });
  try {
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__connectReady, null, { timeout: 60_000, polling: 50 });
    // The paint entry is queued after the frame that painted: wait for it.
    await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length, null, { timeout: 10_000 });
    const t = await page.evaluate(() => ({
      firstPaint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      connectReady: window.__connectReady,
    }));
    const wasm = requests.filter((r) => r.url.endsWith('.wasm'));
    return {
      ...t,
      bytes,
      requests: requests.length,
      wasmRequests: wasm.length,
      chain: Math.max(...requests.map((r) => r.depth)),
      deep: requests.filter((r) => r.depth > 2).map((r) => r.url.replace(/^https?:\/\/[^/]+/, '')),
    };
  } finally {
    await context.close();
  }
}

function report(file) {
  const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const by = (app) => rows.filter((r) => r.app === app);
  const apps = [...new Set(rows.map((r) => r.app))];
  const m = (app, k) => median(by(app).map((r) => r[k]));
  const lines = [
    `First load, cold cache, 100 ms RTT, 10 Mbit/s down, median of ${by(apps[0]).length} runs (ms, bytes):`,
    '',
    `| measure | ${apps.join(' | ')} |${apps.length > 1 ? ' ratio |' : ''}`,
    `|---|${apps.map(() => '---:').join('|')}|${apps.length > 1 ? '---:|' : ''}`,
  ];
  for (const [k, label] of [['firstPaint', 'first paint'], ['connectReady', 'connect form ready (wasm started)'], ['bytes', 'bytes transferred'], ['requests', 'requests'], ['wasmRequests', 'wasm requests'], ['chain', 'longest request chain']]) {
    const v = apps.map((a) => m(a, k));
    const ratio = apps.length > 1 ? ` ${(v[0] / v[1]).toFixed(2)} |` : '';
    lines.push(`| ${label} | ${v.map((x) => (Number.isInteger(x) ? x : x.toFixed(0))).join(' | ')} |${ratio}`);
  }
  const deep = [...new Set(rows.flatMap((r) => r.deep.map((u) => `${r.app}: ${u}`)))];
  if (deep.length) lines.push('', 'Requests past the second hop:', ...deep.map((d) => `- ${d}`));
  console.log(lines.join('\n'));
}

if (opt.report) {
  report(opt.report);
} else {
  if (!opt.url || !opt.out) throw new Error('--url URL and --out FILE are required');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  try {
    const apps = [['keyturn', opt.url]];
    if (opt['baseline-url']) apps.push(['baseline', opt['baseline-url']]);
    for (let i = 0; i < Number(opt.runs); i++) {
      for (const [app, url] of apps) {
        const r = await loadOnce(browser, url);
        appendFileSync(opt.out, JSON.stringify({ app, run: i, ...r }) + '\n');
      }
    }
  } finally {
    await browser.close();
  }
  report(opt.out);
}
