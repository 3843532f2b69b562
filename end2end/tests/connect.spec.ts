// Issue 3, item 1: connect (every paste format and three fields), identity and expiry countdown,
// expired and rejected credentials, "Remember in this tab", Disconnect, region switch.
import { expect, Page, test } from '@playwright/test';
import { Fleet, loadFleet } from './support/fleet';
import {
  accountOf,
  cliKeyIds,
  consoleUrl,
  credentialStringsOf,
  expiredCredentials,
  peerCredentials,
  peerUrl,
  peerUrlAlias,
  resetPeer,
  StsCredentials,
} from './support/peer';
import {
  connect,
  expectNoneOf,
  PasteFormat,
  setRegion,
  storageSnapshot,
  waitForInventory,
  wholeNumber,
} from './support/ui';

let creds: StsCredentials;

/**
 * The reason the user is (back) on the connect form: in "error-banner" or "notice" (the contract's
 * test ids for errors and notices) or another live region (role alert or status).
 */
async function expectReason(page: Page, text: RegExp): Promise<void> {
  const candidates = page
    .getByTestId('error-banner')
    .or(page.getByTestId('notice'))
    .or(page.getByRole('alert'))
    .or(page.getByRole('status'));
  await expect(
    candidates.filter({ hasText: text }).first(),
    `no "error-banner", "notice", alert or status saying ${text}`,
  ).toBeVisible();
}

test.beforeAll(async () => {
  // A pristine demo fleet for this file; nothing below changes KMS state.
  creds = await resetPeer();
});

test.describe('connect', () => {
  const formats: PasteFormat[] = ['sts-json', 'export-json', 'env', 'ini', 'fields'];
  for (const format of formats) {
    test(`connects with credentials given as ${format}`, async ({ page }) => {
      await connect(page, creds, { format });
      const identity = page.getByTestId('identity');
      await expect(identity).toContainText(accountOf(creds));
      await expect(identity).toContainText(creds.AssumedRoleUser!.Arn!);
      // The connect form is gone once connected.
      await expect(page.getByTestId('credentials-paste')).toBeHidden();
      await expect(page.getByTestId('disconnect')).toBeVisible();
    });
  }

  test('shows account, ARN and a live countdown to the expiry', async ({ page }) => {
    await page.clock.install();
    await connect(page, creds);
    await expect(page.getByTestId('identity')).toContainText(accountOf(creds));
    await expect(page.getByTestId('identity')).toContainText(creds.AssumedRoleUser!.Arn!);
    const expiry = page.getByTestId('credentials-expiry');
    await expect(expiry).toBeVisible();
    // The time left, in whatever unit the console picks: "11 h 59 min", "11:59:58", "12 hours".
    const left = (Date.parse(creds.Credentials.Expiration) - Date.now()) / 1000;
    const [unit, amount] = left >= 3600 ? ['hours', left / 3600] : ['minutes', left / 60];
    const candidates = [Math.floor(amount), Math.ceil(amount)];
    const text = await expiry.innerText();
    expect(
      candidates.some((n) => wholeNumber(n).test(text)),
      `"${text}" does not show the ${amount.toFixed(1)} ${unit} left`,
    ).toBe(true);
    // Live: an hour later (on the page's clock; less if the credentials are short-lived) it moved.
    await page.clock.fastForward(Math.min(61 * 60_000, left * 500));
    await expect.poll(() => expiry.innerText(), { message: 'the expiry countdown does not tick' }).not.toBe(text);
    await expect(page.getByTestId('identity')).toBeVisible();
  });

  test('the region list is grouped by partition', async ({ page }) => {
    await page.goto(consoleUrl() + '/');
    const region = page.getByTestId('region');
    await expect(region).toBeVisible({ timeout: 60_000 });
    const info = await region.evaluate((el) => {
      const options: { value: string; group: string | null }[] = [];
      let groups = 0;
      if (el instanceof HTMLSelectElement) {
        groups = el.querySelectorAll('optgroup').length;
        for (const o of Array.from(el.options)) {
          const g = o.parentElement instanceof HTMLOptGroupElement ? o.parentElement.label : null;
          options.push({ value: o.value, group: g });
        }
      } else if (el instanceof HTMLInputElement && el.list) {
        groups = -1;
        for (const o of Array.from(el.list.querySelectorAll('option'))) options.push({ value: o.value, group: null });
      }
      return { tag: el.tagName, groups, options };
    });
    const values = info.options.map((o) => o.value);
    for (const r of ['us-east-1', 'us-west-2', 'eu-west-1', 'cn-north-1', 'us-gov-west-1']) {
      expect(values, `region ${r} is not offered`).toContain(r);
    }
    if (info.tag === 'SELECT') {
      expect(info.groups, 'the region select has no partition groups (<optgroup>)').toBeGreaterThanOrEqual(3);
      const groupOf = (v: string) => info.options.find((o) => o.value === v)?.group;
      expect(groupOf('us-east-1')).toBe(groupOf('eu-west-1'));
      expect(groupOf('us-east-1')).not.toBe(groupOf('cn-north-1'));
      expect(groupOf('us-east-1')).not.toBe(groupOf('us-gov-west-1'));
    }
  });

  test('an STS endpoint URL gets GetCallerIdentity; KMS requests keep the endpoint URL', async ({ page }) => {
    // As with a KMS VPC endpoint, which does not serve STS: here the peer under another name.
    const sts = peerUrlAlias();
    const sent: { target: string; url: string }[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') sent.push({ target: r.headers()['x-amz-target'] ?? 'STS', url: r.url() });
    });
    await connect(page, creds, { stsEndpoint: sts });
    await expect(page.getByTestId('identity')).toContainText(accountOf(creds));
    await expect(page.getByTestId('key-row').first()).toBeVisible();
    expect(sent.filter((r) => r.target === 'STS').map((r) => r.url)).toEqual([`${sts}/`]);
    const kms = sent.filter((r) => r.target !== 'STS');
    expect(kms.length).toBeGreaterThan(0);
    expect(kms.filter((r) => !r.url.startsWith(peerUrl())), 'KMS requests sent elsewhere').toEqual([]);
  });

  test('expired credentials keep the user on connect with the reason', async ({ page }) => {
    const expired = await expiredCredentials();
    await connect(page, expired, { expectIdentity: false });
    await expectReason(page, /expired/i);
    await expect(page.getByTestId('identity')).toBeHidden();
    await expect(page.getByTestId('credentials-paste')).toBeVisible();
    await expect(page.getByTestId('connect')).toBeVisible();
  });

  test('credentials that expire while connected bring the user back to connect with the reason', async ({ page }) => {
    await page.clock.install();
    await connect(page, creds);
    await expect(page.getByTestId('key-table')).toBeVisible();
    await expect(page.getByTestId('inventory-progress')).toBeHidden({ timeout: 90_000 });
    const expiresAt = Date.parse(creds.Credentials.Expiration);
    expect(Number.isNaN(expiresAt), `unparseable Expiration ${creds.Credentials.Expiration}`).toBe(false);
    // Jump the page's clock past the expiry; the countdown reaches zero.
    await page.clock.fastForward(expiresAt - Date.now() + 120_000);
    await page.clock.runFor(3_000);
    await expect(page.getByTestId('credentials-paste')).toBeVisible();
    await expect(page.getByTestId('identity')).toBeHidden();
    await expectReason(page, /expired/i);
  });

  test('rejected credentials keep the user on connect with the AWS error code', async ({ page }) => {
    const wrong: StsCredentials = {
      ...creds,
      Credentials: { ...creds.Credentials, SecretAccessKey: creds.Credentials.SecretAccessKey.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) },
    };
    await connect(page, wrong, { expectIdentity: false });
    const banner = page.getByTestId('error-banner');
    await expect(banner).toBeVisible();
    await expect(banner).toHaveAttribute('role', 'alert');
    await expect(banner).toContainText(/SignatureDoesNotMatch|InvalidSignatureException/);
    await expect(page.getByTestId('identity')).toBeHidden();
    await expect(page.getByTestId('credentials-paste')).toBeVisible();
  });
});

test.describe('remember in this tab and disconnect', () => {
  test('is off by default and then nothing survives a reload', async ({ page }) => {
    await page.goto(consoleUrl() + '/');
    await expect(page.getByTestId('remember-in-tab')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('remember-in-tab')).not.toBeChecked();
    await connect(page, creds, { goto: false });
    let snap = await storageSnapshot(page);
    for (const [where, text] of Object.entries(snap)) expectNoneOf(text, credentialStringsOf(creds), where);
    await page.reload();
    await expect(page.getByTestId('credentials-paste')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('identity')).toBeHidden();
    snap = await storageSnapshot(page);
    for (const [where, text] of Object.entries(snap)) expectNoneOf(text, credentialStringsOf(creds), where);
  });

  test('when on, keeps the session in sessionStorage across a reload; Disconnect forgets it everywhere', async ({ page }) => {
    await connect(page, creds, { remember: true });
    let snap = await storageSnapshot(page);
    expect(snap.session, 'opted in, but sessionStorage holds no credentials').toContain(creds.Credentials.SecretAccessKey);
    expectNoneOf(snap.local, credentialStringsOf(creds), 'localStorage');
    expectNoneOf(snap.url, credentialStringsOf(creds), 'the URL');
    expectNoneOf(snap.cookies, credentialStringsOf(creds), 'cookies');

    await page.reload();
    await expect(page.getByTestId('identity'), 'not reconnected after a reload with "remember in this tab"').toBeVisible({
      timeout: 60_000,
    });
    await expect(page.getByTestId('identity')).toContainText(accountOf(creds));

    await page.getByTestId('disconnect').click();
    await expect(page.getByTestId('credentials-paste')).toBeVisible();
    await expect(page.getByTestId('identity')).toBeHidden();
    await expect(page.getByTestId('key-table')).toBeHidden();
    snap = await storageSnapshot(page);
    for (const [where, text] of Object.entries(snap)) expectNoneOf(text, credentialStringsOf(creds), `${where} after Disconnect`);

    await page.reload();
    await expect(page.getByTestId('credentials-paste')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('identity')).toBeHidden();
  });
});

test.describe('region switch', () => {
  let fleet: Fleet;
  test.beforeAll(async () => {
    fleet = await loadFleet(await peerCredentials());
  });

  test('switches region without re-entering credentials (us-west-2 lists the replica)', async ({ page }) => {
    const east = await cliKeyIds(creds, 'us-east-1');
    const west = await cliKeyIds(creds, 'us-west-2');
    const replica = fleet.replica();
    // A multi-Region key has the same id in both regions; us-west-2 holds only the replica.
    expect(west).toContain(replica.KeyId);
    expect(west.length).toBeLessThan(east.length);

    await connect(page, creds);
    await waitForInventory(page, east);

    await setRegion(page, 'us-west-2');
    await waitForInventory(page, west);
    await expect(page.getByTestId('identity')).toBeVisible();
    await expect(page.getByTestId('credentials-paste')).toBeHidden();

    await setRegion(page, 'us-east-1');
    await waitForInventory(page, east);
    await expect(page.getByTestId('credentials-paste')).toBeHidden();
  });
});
