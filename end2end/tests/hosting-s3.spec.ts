// The console as scripts/deploy.sh ships it: uploaded to the peer's S3 (scripts/deploy-local.sh,
// run by scripts/test.sh before the end-to-end stage), loaded from the bucket's URL in Chromium,
// and connected to KMS. The peer's S3 sends no security headers: the <meta> policy of index.html
// (the exact KMS/STS hosts, with the peer added by deploy.sh --local-peer) is the only one.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { Fleet, loadFleet } from './support/fleet';
import { AWS_CLI, peerUrl, PYTHON, REPO_ROOT, resetPeer, StsCredentials } from './support/peer';
import { connect, waitForInventory } from './support/ui';

const execFileAsync = promisify(execFile);
const S3_URL = process.env.KEYTURN_S3_URL;

test.skip(!S3_URL, 'KEYTURN_S3_URL is not set (scripts/test.sh deploys to the peer and sets it)');

let creds: StsCredentials;
let fleet: Fleet;

test.beforeAll(async () => {
  // A peer reset drops the bucket with every other moto state, and the other end-to-end files
  // reset the peer: upload the build scripts/test.sh made again (same script, no rebuild).
  creds = await resetPeer();
  fleet = await loadFleet(creds);
  const { stdout } = await execFileAsync('bash', ['scripts/deploy-local.sh', peerUrl(), '--skip-build'], {
    cwd: REPO_ROOT,
    timeout: 170_000,
  });
  expect(stdout.trim(), 'scripts/deploy-local.sh deployed to another URL than KEYTURN_S3_URL').toBe(S3_URL);
});

/** `aws s3api head-object` with the peer's IAM user (what deploy.sh uploaded with). */
async function headObject(bucket: string, key: string): Promise<{ CacheControl?: string; ContentType?: string }> {
  const user = (await (await fetch(`${peerUrl()}/_keyturn/user`)).json()) as { AccessKeyId: string; SecretAccessKey: string };
  const { stdout } = await execFileAsync(
    AWS_CLI,
    ['s3api', 'head-object', '--bucket', bucket, '--key', key, '--endpoint-url', peerUrl(), '--region', 'us-east-1', '--output', 'json'],
    {
      cwd: REPO_ROOT,
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: user.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: user.SecretAccessKey,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_PAGER: '',
      },
    },
  );
  return JSON.parse(stdout);
}

test('the deployed console loads from the S3 URL and connects', async ({ page }) => {
  const url = new URL(S3_URL!);
  const bucket = url.pathname.split('/')[1];
  const failed: string[] = [];
  page.on('response', (r) => {
    if (r.url().startsWith(`${url.origin}/${bucket}/`) && r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const wasm: string[] = [];
  page.on('response', (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(`${r.status()} ${r.headers()['content-type']} ${r.url()}`);
  });

  await page.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  const response = await page.goto(S3_URL!);
  expect(response?.status()).toBe(200);
  // The uploaded index.html carries the generated <meta> policy with the peer's origin added.
  const { stdout: metaPolicy } = await execFileAsync(PYTHON, ['scripts/csp.py', 'meta-csp', '--local-peer', peerUrl()], {
    cwd: REPO_ROOT,
    timeout: 60_000,
  });
  const metas = await page.evaluate(() =>
    [...document.querySelectorAll('meta')]
      .filter((m) => (m.getAttribute('http-equiv') ?? '').toLowerCase() === 'content-security-policy')
      .map((m) => m.getAttribute('content')),
  );
  expect(metas, 'the <meta> Content-Security-Policy of the deployed index.html').toEqual([metaPolicy.trim()]);
  await connect(page, creds, { goto: false });
  await waitForInventory(page, fleet.ids());
  expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), 'CSP violations').toEqual([]);

  // Every asset came from the bucket (relative public URL), the wasm as application/wasm.
  expect(wasm.length, 'no .wasm was loaded').toBeGreaterThan(0);
  for (const w of wasm) expect(w).toMatch(new RegExp(`^200 application/wasm ${url.origin}/${bucket}/`));
  expect(failed, 'requests to the bucket that failed').toEqual([]);
  expect(pageErrors, 'uncaught page errors').toEqual([]);

  // The object metadata deploy.sh set: index.html revalidated, hashed files immutable.
  const index = await headObject(bucket, 'index.html');
  expect(index.CacheControl).toBe('no-cache');
  const wasmKey = new URL(wasm[0].split(' ').pop()!).pathname.split('/').slice(2).join('/');
  const wasmHead = await headObject(bucket, wasmKey);
  expect(wasmHead.CacheControl).toBe('public, max-age=31536000, immutable');
  expect(wasmHead.ContentType).toBe('application/wasm');
});
