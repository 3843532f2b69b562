// Security behaviour of a session (issue 4 item 5), beyond security.spec.ts and connect.spec.ts:
// the console log never carries a credential, "remember in this tab" is per tab, Disconnect empties
// sessionStorage, and the console talks to KMS across origins (CORS) and says so plainly when the
// endpoint does not allow its origin.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, Page, test } from '@playwright/test';
import { useDemoFleet } from './support/demo';
import { consoleUrl, credentialStringsOf, peerUrl, PYTHON, REPO_ROOT, StsCredentials } from './support/peer';
import {
  connect,
  expectNoneOf,
  openAdvancedIfPresent,
  openKeyPanel,
  requestLog,
  storageSnapshot,
  waitForInventory,
} from './support/ui';

const demo = useDemoFleet('each');

/** Every console message of the page (all levels), with its arguments' text. */
function collectConsole(page: Page): string[] {
  const messages: string[] = [];
  page.on('console', (msg) => messages.push(`[${msg.type()}] ${msg.text()}`));
  page.on('pageerror', (e) => messages.push(`[pageerror] ${e.message}\n${e.stack ?? ''}`));
  return messages;
}

async function expectNotStored(page: Page, when: string): Promise<void> {
  const snap = await storageSnapshot(page);
  expectNoneOf(snap.local, credentialStringsOf(demo.creds), `localStorage ${when}`);
  expectNoneOf(snap.cookies, credentialStringsOf(demo.creds), `cookies ${when}`);
  expectNoneOf(snap.url, credentialStringsOf(demo.creds), `the URL ${when}`);
  const cookies = JSON.stringify(await page.context().cookies());
  expectNoneOf(cookies, credentialStringsOf(demo.creds), `the browser's cookie jar ${when}`);
}

test('no credential reaches the console log, storage, cookies or the URL; without "remember" a reload returns to connect', async ({
  page,
}) => {
  const messages = collectConsole(page);
  await connect(page, demo.creds, { remember: false });
  await expectNotStored(page, 'after connecting');
  await waitForInventory(page, demo.fleet.ids());

  const key = demo.fleet.plainRotatable();
  const panel = await openKeyPanel(page, key.KeyId);
  await panel.getByTestId('rotate-now').click();
  await expect(page.getByTestId('rotate-dialog')).toBeVisible();
  await page.getByTestId('confirm-rotate').click();
  await expect(panel.getByTestId('rotation-in-progress')).toBeHidden({ timeout: 90_000 });
  // The demo fleet's denied and unsupported keys make some calls fail: error paths log too.
  await expect(page.getByTestId('request-log-row').first()).toBeAttached();
  await requestLog(page);
  await expectNotStored(page, 'after a rotation');
  const snap = await storageSnapshot(page);
  expectNoneOf(snap.session, credentialStringsOf(demo.creds), 'sessionStorage without "remember in this tab"');

  await page.reload();
  await expect(page.getByTestId('credentials-paste'), 'a reload without "remember" did not return to connect').toBeVisible({
    timeout: 60_000,
  });
  await expect(page.getByTestId('identity')).toBeHidden();
  await expectNotStored(page, 'after a reload');

  expect(messages.length, 'no console message was seen at all (is the listener attached?)').toBeGreaterThan(0);
  expectNoneOf(messages.join('\n'), credentialStringsOf(demo.creds), 'the console log');
});

test('with "remember" a reload reconnects but a new tab does not; Disconnect empties sessionStorage', async ({ page, context }) => {
  const messages = collectConsole(page);
  await connect(page, demo.creds, { remember: true });
  await waitForInventory(page, demo.fleet.ids());

  await page.reload();
  await expect(page.getByTestId('identity'), 'a reload with "remember in this tab" did not reconnect').toBeVisible({
    timeout: 60_000,
  });
  await waitForInventory(page, demo.fleet.ids());

  // A new tab of the same browser (same origin, same context) starts with its own, empty
  // sessionStorage: it must ask for credentials again.
  const other = await context.newPage();
  const otherMessages = collectConsole(other);
  await other.goto(consoleUrl() + '/');
  await expect(other.getByTestId('credentials-paste'), 'a new tab reconnected with the first tab\'s session').toBeVisible({
    timeout: 60_000,
  });
  // Give a (wrong) restore the time it would take, then check it did not happen.
  await other.waitForTimeout(2_000);
  await expect(other.getByTestId('identity')).toBeHidden();
  const otherSnap = await storageSnapshot(other);
  expectNoneOf(JSON.stringify(otherSnap), credentialStringsOf(demo.creds), 'the new tab\'s storage and URL');
  await other.close();
  // The first tab is still connected.
  await expect(page.getByTestId('identity')).toBeVisible();

  await page.getByTestId('disconnect').click();
  await expect(page.getByTestId('credentials-paste')).toBeVisible();
  const session = await page.evaluate(() => {
    const out: Record<string, string | null> = {};
    for (let i = 0; i < sessionStorage.length; i++) {
      const k = sessionStorage.key(i);
      if (k !== null) out[k] = sessionStorage.getItem(k);
    }
    return out;
  });
  expect(session, 'sessionStorage is not empty after Disconnect').toEqual({});
  await expectNotStored(page, 'after Disconnect');

  // Even opted in, nothing is logged.
  expectNoneOf([...messages, ...otherMessages].join('\n'), credentialStringsOf(demo.creds), 'the console log');
});

test('the console calls KMS and STS across origins (CORS)', async ({ page }) => {
  const consoleOrigin = new URL(consoleUrl()).origin;
  const kmsOrigin = new URL(peerUrl()).origin;
  expect(consoleOrigin, 'the console and the KMS endpoint share an origin: this test would prove nothing').not.toBe(kmsOrigin);

  const calls: { url: string; method: string; origin?: string; allowOrigin?: string; status: number }[] = [];
  page.on('requestfinished', async (request) => {
    if (!request.url().startsWith(kmsOrigin + '/') || request.url().includes('/_keyturn/')) return;
    const response = await request.response();
    const headers = await request.allHeaders();
    calls.push({
      url: request.url(),
      method: request.method(),
      origin: headers['origin'],
      allowOrigin: response ? (await response.allHeaders())['access-control-allow-origin'] : undefined,
      status: response?.status() ?? 0,
    });
  });
  await connect(page, demo.creds);
  await waitForInventory(page, demo.fleet.ids());

  const posts = calls.filter((c) => c.method === 'POST');
  expect(posts.length, 'no signed request reached the KMS endpoint').toBeGreaterThan(0);
  for (const c of posts) {
    // The browser marked each as cross-origin, and the endpoint's CORS answer let the page read it.
    expect(c.origin, `${c.url}: no Origin header (not a cross-origin fetch?)`).toBe(consoleOrigin);
    expect([consoleOrigin, '*'], `${c.url}: Access-Control-Allow-Origin`).toContain(c.allowOrigin);
  }
});

test.describe('an endpoint that does not allow the console\'s origin', () => {
  let peer: ChildProcess | undefined;
  let stateDir: string;
  let url: string;
  let otherCreds: StsCredentials;
  let peerLog = '';

  test.beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-cors-peer-'));
    peer = spawn(
      PYTHON,
      ['-m', 'peer.keyturn_peer', '--port', '0', '--state-dir', stateDir, '--seed', 'none', '--cors-origins', 'http://example.invalid'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    peer.stdout?.on('data', (d) => (peerLog += d));
    peer.stderr?.on('data', (d) => (peerLog += d));
    const ready = path.join(stateDir, 'ready');
    const deadline = Date.now() + 90_000;
    while (!fs.existsSync(ready)) {
      if (peer.exitCode !== null) throw new Error(`the second peer exited (${peer.exitCode}): ${peerLog}`);
      if (Date.now() > deadline) throw new Error(`the second peer was not ready in 90 s: ${peerLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The file is written whole once bound, but read it until it parses to be safe.
    let port = 0;
    while (!port) {
      try {
        port = JSON.parse(fs.readFileSync(ready, 'utf8')).port;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    url = `http://127.0.0.1:${port}`;
    otherCreds = JSON.parse(fs.readFileSync(path.join(stateDir, 'credentials.json'), 'utf8'));
  });

  test.afterAll(async () => {
    if (peer && peer.exitCode === null) {
      const exited = new Promise((r) => peer!.once('exit', r));
      peer.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (peer.exitCode === null) peer.kill('SIGKILL');
    }
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  test('connecting shows a clear message naming CORS', async ({ page }) => {
    // The endpoint itself works (outside a browser there is no CORS): only the origin is refused.
    const health = await fetch(`${url}/_keyturn/health`);
    expect(health.ok).toBe(true);
    const preflight = await fetch(url + '/', {
      method: 'OPTIONS',
      headers: { Origin: new URL(consoleUrl()).origin, 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin'), 'the second peer allows the console\'s origin').toBeNull();

    await connect(page, otherCreds, { endpoint: url, expectIdentity: false });
    const banner = page.getByTestId('error-banner');
    await expect(banner, 'no error banner after a connection the browser blocked').toBeVisible({ timeout: 60_000 });
    await expect(banner).toHaveAttribute('role', 'alert');
    const text = (await banner.innerText()).replace(/\s+/g, ' ').trim();
    expect(text, 'the message does not name CORS').toMatch(/CORS/);
    expect(text, 'the message does not say the endpoint could not be reached or was blocked').toMatch(
      /could not reach|blocked|not allow|network/i,
    );
    // A sentence with a next step, not a bare "TypeError: Failed to fetch".
    expect(text).toMatch(/[A-Z][^.]*\b(check|try)\b[^.]*\./i);
    expect(text).not.toMatch(/^TypeError/);
    await expect(page.getByTestId('identity')).toBeHidden();
    await expect(page.getByTestId('credentials-paste')).toBeVisible();
  });
});

test('no password manager capture: no <form>, no password input; secret fields are masked, not autocompleted or spell-checked', async ({ page }) => {
  await page.goto(consoleUrl() + '/');
  await expect(page.getByTestId('credentials-paste')).toBeVisible({ timeout: 60_000 });
  expect(await page.locator('input[type="password"]').count(), 'a password-type input').toBe(0);
  expect(await page.locator('form').count(), 'a <form> a password manager can capture').toBe(0);
  for (const id of ['secret-access-key', 'session-token']) {
    const field = page.getByTestId(id);
    await expect(field).toHaveAttribute('autocomplete', 'off');
    await expect(field).toHaveAttribute('spellcheck', 'false');
    const masked = await field.evaluate((el) => getComputedStyle(el).getPropertyValue('-webkit-text-security'));
    expect(masked, `${id} is not masked on screen`).toBe('disc');
  }
  // Enter in a one-line field connects, as a form would.
  await page.getByTestId('credentials-paste').fill(JSON.stringify(demo.creds));
  await openAdvancedIfPresent(page);
  await page.getByTestId('endpoint-url').fill(peerUrl());
  await page.getByTestId('endpoint-url').press('Enter');
  await expect(page.getByTestId('identity')).toBeVisible({ timeout: 60_000 });
});

test('"remember in this tab" never keeps long-term keys (no expiry), and says so', async ({ page }) => {
  const key = (await (await fetch(`${peerUrl()}/_keyturn/user`)).json()) as { AccessKeyId: string; SecretAccessKey: string };
  expect(key.AccessKeyId, 'the peer gave no IAM user key').toMatch(/^AKIA/);
  await page.goto(consoleUrl() + '/');
  await expect(page.getByTestId('credentials-paste')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('access-key-id').fill(key.AccessKeyId);
  await page.getByTestId('secret-access-key').fill(key.SecretAccessKey);
  await openAdvancedIfPresent(page);
  await page.getByTestId('endpoint-url').fill(peerUrl());
  await page.getByTestId('remember-in-tab').check();
  await page.getByTestId('connect').click();
  await expect(page.getByTestId('identity')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('notice')).toContainText(/long-term credentials/i);
  const session = await page.evaluate(() => JSON.stringify(Object.entries(sessionStorage)));
  expect(session.includes(key.SecretAccessKey), 'the long-term secret in sessionStorage').toBe(false);
  expect(session.includes(key.AccessKeyId), 'the long-term key id in sessionStorage').toBe(false);
  await page.reload();
  await expect(page.getByTestId('credentials-paste'), 'a reload reconnected with a long-term key').toBeVisible({ timeout: 60_000 });
});

test('a session that stops working goes back to connect and takes its request log with it', async ({ page }) => {
  await demo.connected(page);
  await expect(page.getByTestId('request-log-row').first()).toBeAttached();
  // A reset issues new identities: the console's session credentials stop working.
  await fetch(`${peerUrl()}/_keyturn/reset`, { method: 'POST', body: '{"seed":"demo"}', headers: { 'Content-Type': 'application/json' } });
  await page.getByTestId('inventory-reload').click();
  await expect(page.getByTestId('credentials-paste'), 'a rejected session stayed connected').toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('connect-reason').or(page.getByTestId('error-banner')).first()).toBeVisible();
  await expect(page.getByTestId('request-log-row'), 'the ended session\'s requests are still shown').toHaveCount(0);
});
