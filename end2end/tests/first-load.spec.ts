// First load (issue 13, docs/performance.md §4): index.html paints the connect card's look before the
// wasm is ready, the wasm is compiled while it downloads (WebAssembly.instantiateStreaming on the
// fetch Response), every file comes from index.html in one hop (no request chain longer than two,
// one wasm request), and a failed start says so on the page instead of leaving "Starting…".
import { expect, Page, test } from '@playwright/test';
import { consoleUrl } from './support/peer';

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
  // Requests by URL with what started them: the document's parser (one hop) or a script.
  const requests: { url: string; type: string }[] = [];
  page.on('request', (r) => requests.push({ url: r.url(), type: r.resourceType() }));
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

  // One request for the wasm (the boot script's fetch is served from the preload), and none of
  // the page's own files is asked for by a later hop than index.html's links.
  const own = requests.filter((r) => r.url.startsWith(base.replace(/\/$/, '')));
  expect(own.filter((r) => r.url.endsWith('.wasm'))).toHaveLength(1);
  const html = await (await page.request.get(base)).text();
  for (const r of own) {
    const path = new URL(r.url).pathname;
    if (path === '/' || path.endsWith('.html')) continue;
    expect(html, `${path} is named by index.html itself (one hop)`).toContain(`"${path}"`);
  }
});

test('a wasm that cannot be fetched leaves a clear sentence on the page, not "Starting…"', async ({ page }) => {
  await page.route('**/*_bg.wasm', (route) => route.fulfill({ status: 503, contentType: 'text/html', body: '<h1>Service Unavailable</h1>' }));
  await page.goto(consoleUrl(), { waitUntil: 'domcontentloaded' });
  const status = page.locator('#boot-shell .boot-status');
  await expect(status).toContainText('keyturn could not start:');
  await expect(status).toContainText('Reload the page to try again.');
  await expect(status).toHaveClass(/failed/);
  // Server text is never rendered as HTML.
  await expect(page.locator('#boot-shell h1', { hasText: 'Service Unavailable' })).toHaveCount(0);
  await expect(page.getByTestId('connect')).toHaveCount(0);
});
