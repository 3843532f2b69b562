// First load (issue 13, docs/performance.md §4): index.html paints the connect card's look before the
// wasm is ready, the wasm is compiled while it downloads (WebAssembly.instantiateStreaming on the
// fetch Response), every file comes from index.html in one hop (no request chain longer than two,
// one wasm request), and a failed start says so on the page instead of leaving "Starting…".
import { expect, Page, test } from '@playwright/test';
import { consoleUrl } from './support/peer';

/** The boot script's path, from index.html's module script. */
function bootPath(html: string): string {
  const m = html.match(/<script src="([^"]*boot-[^"]*\.js)"/);
  if (!m) throw new Error('index.html has no boot script');
  return m[1];
}

/** Records whether the glue instantiated the wasm by streaming, and how that ended. */
async function watchInstantiation(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __streaming?: string };
    const original = WebAssembly.instantiateStreaming;
    WebAssembly.instantiateStreaming = (source, imports) => {
      w.__streaming = 'started';
      return original.call(WebAssembly, source, imports).then(
        (r) => {
          w.__streaming = 'ok';
          return r;
        },
        (e) => {
          w.__streaming = 'failed: ' + String(e);
          throw e;
        },
      );
    };
  });
}

test('the connect card is painted before the wasm, which streams in one hop; the stand-in then goes', async ({ page }) => {
  const base = consoleUrl();
  await watchInstantiation(page);
  // Every request with what started it (CDP's initiator). One hop from index.html: its parser
  // (stylesheet, scripts, the wasm preload) or its module preloads, which Chromium reports as
  // started by the document's own client ("about:client"). A request a running script makes
  // (boot.js's fetch, were the preload not reused) names that script in its stack.
  const requests: { url: string; from: string }[] = [];
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Network.requestWillBeSent', (e) =>
    requests.push({
      url: e.request.url,
      from: e.initiator.stack?.callFrames?.[0]?.url || e.initiator.url || e.initiator.type,
    }),
  );
  await cdp.send('Network.enable');
  // Hold the wasm back so the page is seen as it is before the wasm is ready.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/*_bg.wasm', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(base, { waitUntil: 'domcontentloaded' });

  const shell = page.locator('#boot-shell');
  await expect(shell.locator('.connect-card')).toBeVisible();
  await expect(shell.getByRole('status')).toHaveText('Starting keyturn…');
  await expect(shell.locator('button.btn.primary')).toBeDisabled();
  // The stand-in is inert and carries no test id or id, so nothing is typed into it and lost,
  // and no contract query finds an element twice.
  expect(await shell.locator('[data-testid], [id]').count()).toBe(0);
  expect(await shell.locator('main').getAttribute('inert')).not.toBeNull();
  await expect(page.getByTestId('connect')).toHaveCount(0);
  // It paints: first-contentful-paint is recorded while the wasm is still held back.
  await expect
    .poll(() => page.evaluate(() => performance.getEntriesByName('first-contentful-paint').length))
    .toBe(1);

  release();
  await expect(page.getByTestId('connect')).toBeVisible();
  await expect(shell).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __streaming?: string }).__streaming)).toBe('ok');
  expect(await page.evaluate(() => performance.getEntriesByName('keyturn-wasm-ready').length)).toBe(1);
  // Every id in the page is unique once the app is up.
  const dupes = await page.evaluate(() => {
    const seen = new Map<string, number>();
    for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  });
  expect(dupes).toEqual([]);

  // One request for the wasm (the boot script's fetch is served from the preload), and every
  // other file of the page's own is asked for by the parser of index.html, named in it.
  const origin = new URL(base).origin;
  const own = requests.filter((r) => r.url.startsWith(origin));
  expect(own.filter((r) => r.url.endsWith('.wasm'))).toHaveLength(1);
  expect(own.filter((r) => r.url.endsWith('.js')).length).toBeGreaterThanOrEqual(3);
  const html = await (await page.request.get(base)).text();
  for (const r of own) {
    const path = new URL(r.url).pathname;
    if (path === '/' || path.endsWith('.html') || path.endsWith('.svg')) continue;
    expect(html, `${path} is named by index.html itself`).toContain(`"${path}"`);
    expect([new URL(base).href, 'about:client'], `${path} started by ${r.from}`).toContain(r.from);
  }
  expect(new Set(own.map((r) => r.url)).size, 'no file asked for twice').toBe(own.length);
});

test('a wasm that cannot be fetched leaves a clear sentence on the page, not "Starting…"', async ({ page }) => {
  await page.route('**/*_bg.wasm', (route) => route.fulfill({ status: 503, contentType: 'text/html', body: '<h1>Service Unavailable</h1>' }));
  await page.goto(consoleUrl(), { waitUntil: 'domcontentloaded' });
  const status = page.locator('#boot-shell .boot-status');
  await expect(status).toContainText('keyturn could not start:');
  await expect(status).toContainText('Reload the page to try again.');
  await expect(status).toHaveClass(/failed/);
  // The sentence is text: the status line has no elements in it, and the boot script never
  // writes HTML.
  expect(await status.evaluate((e) => e.childElementCount)).toBe(0);
  const boot = bootPath(await (await page.request.get(consoleUrl())).text());
  const script = await (await page.request.get(new URL(boot, consoleUrl()).href)).text();
  expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  await expect(page.getByTestId('connect')).toHaveCount(0);
});

/** Runs a real wasm trap in the page, the way a panic ends in the shipped build (panic =
 * "immediate-abort", docs/performance.md §5): a one-function module whose body is `unreachable`,
 * called from a timer (an event handler's path) or from a promise (a task's path). */
async function trapIn(page: Page, how: 'timer' | 'promise'): Promise<void> {
  await page.evaluate((how) => {
    // prettier-ignore
    const bytes = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
      0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // one type: () -> ()
      0x03, 0x02, 0x01, 0x00, // one function of that type
      0x07, 0x05, 0x01, 0x01, 0x74, 0x00, 0x00, // exported as "t"
      0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b, // body: unreachable, end
    ]);
    const trap = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.t as () => void;
    if (how === 'timer') setTimeout(trap);
    else void Promise.resolve().then(trap);
  }, how);
}

test('a trap in the wasm (a panic) puts up the internal-error banner, once, as text', async ({ page }) => {
  for (const how of ['timer', 'promise'] as const) {
    await page.goto(consoleUrl());
    await expect(page.getByTestId('connect')).toBeVisible();
    await trapIn(page, how);
    const banner = page.locator('.panic-banner');
    await expect(banner, how).toHaveCount(1);
    await expect(banner).toHaveAttribute('role', 'alert');
    await expect(banner.locator('.banner-title')).toHaveText('keyturn hit an internal error and stopped.');
    await expect(banner.locator('.banner-meta')).toContainText('Reload the page to continue.');
    expect(await banner.locator('.banner-title, .banner-meta').evaluateAll((es) => es.map((e) => e.childElementCount))).toEqual([0, 0]);
    // A second trap adds no second banner.
    await trapIn(page, how === 'timer' ? 'promise' : 'timer');
    await page.waitForTimeout(200);
    await expect(banner).toHaveCount(1);
  }
});
