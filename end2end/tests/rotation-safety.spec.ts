// One confirmation never costs two rotations, and an unknown outcome is reconciled from KMS's own
// state before anything is offered again (docs/rotation-safety.md). The peer produces the real
// failures: a 500 after the work, a dropped connection, an unreadable 2xx, an answer slower than
// the console's timeout, eventual consistency, throttling. The peer's request log says how many
// RotateKeyOnDemand arrived; the AWS CLI says how many rotations happened.
import { expect, Locator, Page, test } from '@playwright/test';
import { FleetKey, loadFleet, Fleet } from './support/fleet';
import {
  addFault,
  cliOnDemandCount,
  Fault,
  peerRequests,
  resetPeer,
  ResetOptions,
  StsCredentials,
} from './support/peer';
import { connect, firstInt, openKeyPanel, waitForInventory } from './support/ui';

let creds: StsCredentials;
let fleet: Fleet;

async function fresh(options: ResetOptions = {}): Promise<void> {
  creds = await resetPeer({ consistency_seconds: 0, quotas: false, ...options });
  fleet = await loadFleet(creds);
}

// Back to the plain demo fleet for whatever runs next.
test.afterAll(async () => {
  await resetPeer({ consistency_seconds: 0, quotas: false });
});

async function connected(page: Page): Promise<void> {
  await connect(page, creds);
  await waitForInventory(page, fleet.ids());
}

/** RotateKeyOnDemand requests the peer received for `key`. */
async function rotationsArrived(key: FleetKey): Promise<number> {
  return (await peerRequests({ operation: 'RotateKeyOnDemand', key_id: key.KeyId })).length;
}

const onDemand = (key: FleetKey) => cliOnDemandCount(creds, 'us-east-1', key.KeyId);
const remaining = async (panel: Locator) => firstInt(await panel.getByTestId('remaining-rotations').innerText());

/** Opens the key's panel and confirms "Rotate now". */
async function rotate(page: Page, key: FleetKey): Promise<Locator> {
  const panel = await openKeyPanel(page, key.KeyId);
  await expect(panel.getByTestId('rotate-now')).toBeEnabled();
  await panel.getByTestId('rotate-now').click();
  await page.getByTestId('confirm-rotate').click();
  return panel;
}

/** While the outcome is being found out: no retry, "Rotate now" off with its reason. */
async function expectNoRetryOffered(panel: Locator): Promise<void> {
  await expect(panel.getByTestId('rotate-now')).toBeDisabled();
  await expect(panel.getByTestId('rotate-blocked-reason')).toBeVisible();
  await expect(panel.getByRole('button', { name: /try again|retry/i })).toHaveCount(0);
}

async function expectCompletedOnce(page: Page, panel: Locator, key: FleetKey, before: number): Promise<void> {
  await expect(panel.getByTestId('rotation-outcome')).toContainText(/complete/i, { timeout: 150_000 });
  await expect(panel.getByTestId('rotation-unknown')).toHaveCount(0);
  expect(await rotationsArrived(key), 'RotateKeyOnDemand requests that reached the peer').toBe(1);
  await expect.poll(() => onDemand(key), { timeout: 60_000 }).toBe(before + 1);
  await expect.poll(() => remaining(panel)).toBe(25 - before - 1);
}

for (const [fault, what] of [
  ['internal-after', 'a 500 after the work'],
  ['drop-after', 'a connection dropped after the work'],
  ['bad-body', 'a 200 whose body cannot be read'],
  ['cut-body', 'a 200 whose body the connection drops half way'],
] as [Fault['fault'], string][]) {
  test(`${what}, with reads 20 s behind: followed to one rotation, never called "not applied"`, async ({ page }) => {
    test.setTimeout(300_000);
    await fresh({ consistency_seconds: 20 });
    const key = fleet.plainRotatable();
    const before = await onDemand(key);
    await connected(page);
    await addFault({ operation: 'RotateKeyOnDemand', fault, key_id: key.KeyId });
    const panel = await rotate(page, key);
    if (fault === 'bad-body' || fault === 'cut-body') {
      // A 2xx means KMS acted: followed as a rotation in progress, never reconciled as unknown.
      await expect(panel.getByTestId('rotate-blocked-reason')).toContainText(/in progress/i);
      await expect(panel).not.toContainText(/no clear answer/i);
    } else {
      // The outcome is being found out: nothing can be retried meanwhile.
      await expect(panel.getByTestId('rotate-blocked-reason')).toContainText(/no clear answer|in progress/i);
    }
    await expectNoRetryOffered(panel);
    await expectCompletedOnce(page, panel, key, before);
    await expect(panel).not.toContainText(/not applied|try again/i);
  });
}

test('an answer slower than the 30 s timeout: reconciled to one rotation', async ({ page }) => {
  test.setTimeout(300_000);
  await fresh();
  const key = fleet.plainRotatable();
  const before = await onDemand(key);
  await connected(page);
  await addFault({ operation: 'RotateKeyOnDemand', fault: 'slow', key_id: key.KeyId, delay_ms: 40_000 });
  const panel = await rotate(page, key);
  await expect(panel.getByTestId('rotate-blocked-reason')).toContainText(/sending|no clear answer|in progress/i);
  await expectNoRetryOffered(panel);
  await expectCompletedOnce(page, panel, key, before);
});

test('nothing happened and the history cannot be read: unknown, never "try again", until a full read after 2 minutes says so', async ({ page }) => {
  test.setTimeout(420_000);
  await fresh();
  const key = fleet.plainRotatable();
  const before = await onDemand(key);
  await connected(page);
  // The proxy in front of KMS answers an HTML 502 (nothing done); every history read is throttled.
  await addFault({ operation: 'RotateKeyOnDemand', fault: 'html-502', key_id: key.KeyId });
  const started = Date.now();
  const panel = await rotate(page, key);
  // Once the request is out (the check before sending read the history fine).
  await expect.poll(() => rotationsArrived(key), { timeout: 30_000 }).toBe(1);
  await addFault({ operation: 'ListKeyRotations', fault: 'throttle', key_id: key.KeyId, count: 1000 });
  await expectNoRetryOffered(panel);
  // A successful GetKeyRotationStatus is not enough: after the window it is "unknown".
  const unknown = panel.getByTestId('rotation-unknown');
  await expect(unknown).toBeVisible({ timeout: 240_000 });
  expect(Date.now() - started, 'concluded before the 2-minute window').toBeGreaterThan(120_000);
  await expect(unknown).toContainText(/never rotated twice/i);
  await expectNoRetryOffered(panel);
  await expect(page.getByTestId('key-outcome-unknown')).toBeVisible();
  // The throttling ends: "Check again" reads the full history, finds no new rotation.
  await fetch(`${process.env.KEYTURN_PEER_URL}/_keyturn/faults`, { method: 'DELETE' });
  await unknown.getByTestId('check-again').click();
  await expect(panel.getByTestId('rotation-outcome')).toContainText(/not applied/i, { timeout: 60_000 });
  await expect(panel.getByTestId('rotate-now')).toBeEnabled();
  expect(await rotationsArrived(key)).toBe(1);
  expect(await onDemand(key), 'nothing rotated').toBe(before);
});

test('a reload while the outcome is being checked: the next connection reconciles it first, one rotation', async ({ page }) => {
  test.setTimeout(300_000);
  await fresh({ consistency_seconds: 25 });
  const key = fleet.plainRotatable();
  const before = await onDemand(key);
  await connected(page);
  await addFault({ operation: 'RotateKeyOnDemand', fault: 'internal-after', key_id: key.KeyId });
  const panel = await rotate(page, key);
  await expect(panel.getByTestId('rotate-blocked-reason')).toContainText(/no clear answer/i);
  // Leaving asks first; the user leaves anyway.
  page.on('dialog', (d) => void d.accept());
  await page.reload();
  // Credentials were not remembered: connect again. The record (no credential) is in the tab.
  const stored = await page.evaluate(() => sessionStorage.getItem('keyturn.rotations') ?? '');
  expect(stored).toContain(key.KeyId);
  for (const secret of [creds.Credentials.SecretAccessKey, creds.Credentials.SessionToken, creds.Credentials.AccessKeyId]) {
    expect(stored.includes(secret), 'a credential in the rotation record').toBe(false);
  }
  await connect(page, creds, { goto: false });
  await expect(page.getByTestId('notice')).toContainText(/checking what became of 1 rotation request/i);
  const again = await openKeyPanel(page, key.KeyId);
  await expectNoRetryOffered(again);
  await expectCompletedOnce(page, again, key, before);
  await expect.poll(() => page.evaluate(() => sessionStorage.getItem('keyturn.rotations'))).toBeNull();
});

test('two tabs confirm the same key: one RotateKeyOnDemand, the other tab is told and sends nothing', async ({ context }) => {
  test.setTimeout(300_000);
  await fresh();
  const key = fleet.plainRotatable();
  const before = await onDemand(key);
  const a = await context.newPage();
  const b = await context.newPage();
  await connected(a);
  await connected(b);
  for (const p of [a, b]) {
    const panel = await openKeyPanel(p, key.KeyId);
    await panel.getByTestId('rotate-now').click();
    await expect(p.getByTestId('rotate-dialog')).toBeVisible();
  }
  // Tab A's rotation takes 8 s to be answered: it holds the key's lock meanwhile.
  await addFault({ operation: 'RotateKeyOnDemand', fault: 'slow', key_id: key.KeyId, delay_ms: 8_000 });
  await a.getByTestId('confirm-rotate').click();
  await expect.poll(() => rotationsArrived(key)).toBe(1);
  await b.getByTestId('confirm-rotate').click();
  await expect(b.getByTestId('error-banner')).toContainText(/another keyturn tab|in progress|count changed/i);
  await expect(a.getByTestId('key-panel').getByTestId('rotation-outcome')).toContainText(/complete/i, { timeout: 120_000 });
  expect(await rotationsArrived(key), 'RotateKeyOnDemand requests from both tabs').toBe(1);
  await expect.poll(() => onDemand(key)).toBe(before + 1);
});

test('Disconnect while an outcome is being checked asks first; the record survives and is reconciled on reconnect', async ({ page }) => {
  test.setTimeout(300_000);
  await fresh({ consistency_seconds: 20 });
  const key = fleet.plainRotatable();
  const before = await onDemand(key);
  await connected(page);
  await addFault({ operation: 'RotateKeyOnDemand', fault: 'drop-after', key_id: key.KeyId });
  const panel = await rotate(page, key);
  await expect(panel.getByTestId('rotate-blocked-reason')).toContainText(/no clear answer/i);
  const asked: string[] = [];
  page.once('dialog', (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await page.getByTestId('disconnect').click();
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toMatch(/not settled/i);
  await expect(page.getByTestId('identity'), 'dismissing the question must keep the session').toBeVisible();
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('disconnect').click();
  await expect(page.getByTestId('credentials-paste')).toBeVisible();
  await connect(page, creds, { goto: false });
  await expect(page.getByTestId('notice')).toContainText(/checking what became of/i);
  const again = await openKeyPanel(page, key.KeyId);
  await expectCompletedOnce(page, again, key, before);
});

test('after a disconnect with a rotation unsettled, no other tab can rotate that key until this one settles it', async ({ context }) => {
  test.setTimeout(300_000);
  await fresh({ consistency_seconds: 30 });
  const key = fleet.plainRotatable();
  const before = await onDemand(key);
  const a = await context.newPage();
  await connected(a);
  await addFault({ operation: 'RotateKeyOnDemand', fault: 'internal-after', key_id: key.KeyId });
  const panel = await rotate(a, key);
  await expect(panel.getByTestId('rotate-blocked-reason')).toContainText(/no clear answer/i);
  a.once('dialog', (d) => void d.accept());
  await a.getByTestId('disconnect').click();
  await expect(a.getByTestId('credentials-paste')).toBeVisible();
  // Another tab: KMS's reads still lag, so its own check before sending would find nothing.
  const b = await context.newPage();
  await connected(b);
  const other = await openKeyPanel(b, key.KeyId);
  await expect(other.getByTestId('rotate-now')).toBeEnabled();
  await other.getByTestId('rotate-now').click();
  await b.getByTestId('confirm-rotate').click();
  await expect(b.getByTestId('error-banner')).toContainText(/another keyturn tab/i);
  expect(await rotationsArrived(key), 'the second tab sent a rotation').toBe(1);
  // The first tab connects again: it reconciles its record first, to one rotation.
  await connect(a, creds, { goto: false });
  const again = await openKeyPanel(a, key.KeyId);
  await expectCompletedOnce(a, again, key, before);
});

test('with KMS request quotas on, throttled reads back off and the inventory completes', async ({ page }) => {
  test.setTimeout(300_000);
  // Ten times below the default quotas: ListKeyRotations 10 rps, DescribeKey 200 rps.
  await fresh({ quotas: true, quota_scale: 0.1 });
  await connected(page);
  await expect(page.getByTestId('error-banner')).toBeHidden();
  await expect(page.getByTestId('key-problem')).toHaveCount(1); // only the key the role may not read
});

test('KMS redirecting a request is an error, and the signed request is not re-sent elsewhere', async ({ page }) => {
  await fresh();
  const peer = process.env.KEYTURN_PEER_URL ?? '';
  const elsewhere: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/steal')) elsewhere.push(r.url());
  });
  await page.route(`${peer}/`, async (route) => {
    const target = route.request().headers()['x-amz-target'] ?? '';
    if (target.endsWith('.ListKeys')) {
      await route.fulfill({
        status: 307,
        // Same origin as the endpoint, so only the redirect rule (not the CSP) can stop it.
        headers: { Location: `${peer}/steal`, 'Access-Control-Allow-Origin': '*' },
        body: '',
      });
    } else {
      await route.continue();
    }
  });
  await connect(page, creds);
  await expect(page.getByTestId('error-banner')).toBeVisible({ timeout: 60_000 });
  expect(elsewhere, 'the signed request followed the redirect').toEqual([]);
});

test('an answer without Date exposed to the page still connects and loads', async ({ page }) => {
  await fresh();
  await addFault({ operation: 'GetCallerIdentity', fault: 'no-date-cors', count: 5 });
  await addFault({ operation: 'ListKeys', fault: 'no-date-cors', count: 5 });
  await connected(page);
  await expect(page.getByTestId('error-banner')).toBeHidden();
});
