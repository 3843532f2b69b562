// Bad answers get a clear message and lose nothing. The peer gives real failures on request
// (peer/keyturn_peer/faults.py): throttling, a 500 after the work was done, an HTML 502 page from
// something in front of the endpoint. The AWS CLI checks what really happened.
import { expect, Locator, Page, test } from '@playwright/test';
import { useDemoFleet } from './support/demo';
import { addFault, cliOnDemandCount, Fault, pendingFaults } from './support/peer';
import { connect, countOps, firstInt, keyRow, openKeyPanel, SeenRequest, trackAwsRequests } from './support/ui';

// Every test sets its own faults (a reset clears them) and some rotate: a fresh fleet each.
const demo = useDemoFleet('each');

/** Fails the test on any uncaught page error: a panic in the wasm shows up as one. */
function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

const remaining = async (panel: Locator) => firstInt(await panel.getByTestId('remaining-rotations').innerText());

const rotateRequests = (seen: SeenRequest[], keyId: string) =>
  seen.filter((r) => r.operation === 'RotateKeyOnDemand' && r.body.includes(keyId)).length;

/** With `fault` set on the plain rotatable key's RotateKeyOnDemand: connect, open its panel,
 *  and confirm "Rotate now". Returns what the checks need. */
async function rotateUnderFault(page: Page, fault: Fault['fault']) {
  const key = demo.fleet.plainRotatable();
  const before = await cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId);
  await addFault({ operation: 'RotateKeyOnDemand', fault, key_id: key.KeyId });
  const seen = await demo.connected(page);
  const panel = await openKeyPanel(page, key.KeyId);
  const left = await remaining(panel);
  await panel.getByTestId('rotate-now').click();
  await page.getByTestId('confirm-rotate').click();
  const onDemandCount = () => cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId);
  return { key, before, seen, panel, left, onDemandCount };
}

test('throttled reads are retried with backoff and the inventory completes without an error', async ({ page }) => {
  const errors = watchPageErrors(page);
  await addFault({ operation: 'DescribeKey', fault: 'throttle', count: 3 });
  await addFault({ operation: 'ListKeyRotations', fault: 'throttle', count: 2 });
  const seen = await demo.connected(page);
  expect(await pendingFaults(), 'every throttled request was sent again').toEqual([]);
  const keys = demo.fleet.ids().length;
  expect(countOps(seen, 'DescribeKey'), 'one DescribeKey per key, plus one per throttle').toBe(keys + 3);
  // Only the key the demo role may not read has a problem; no throttle is left on any row.
  await expect(page.getByTestId('key-problem')).toHaveCount(1);
  await expect(keyRow(page, demo.fleet.denied().KeyId).getByTestId('key-problem')).toBeVisible();
  await expect(page.getByTestId('error-banner')).toBeHidden();
  expect(errors).toEqual([]);
});

/** A read throttled through its three attempts is sent again up to three more times, each with
 * three attempts (docs/kms.md §4.2, inventory::THROTTLED_READ_ROUNDS): this many throttles
 * exhaust it. */
const THROTTLED_READ_CALLS = 3 * (1 + 3);

test('a key still throttled after the retries shows ThrottlingException, and "Retry" reads it', async ({ page }) => {
  const key = demo.fleet.autoRotationOn();
  await addFault({ operation: 'GetKeyRotationStatus', fault: 'throttle', count: THROTTLED_READ_CALLS, key_id: key.KeyId });
  await demo.connected(page);
  expect(await pendingFaults(), 'three attempts in each of four rounds').toEqual([]);
  const row = keyRow(page, key.KeyId);
  await expect(row.getByTestId('key-problem')).toContainText('ThrottlingException', { timeout: 60_000 });
  await expect(page.getByTestId('key-problem')).toHaveCount(2); // and the denied key

  const retry = page.getByTestId('inventory-retry-failed');
  await expect(retry).toBeEnabled();
  await retry.click();
  await expect(row.getByTestId('key-problem')).toHaveCount(0);
  await expect(row.getByTestId('key-auto-rotation')).toContainText(/on/i);
  // The denied key is still denied: it stays listed with its reason.
  await expect(page.getByTestId('key-problem')).toHaveCount(1);
});

test('ListKeys throttled past the retries: the reason is shown and "Reload" lists the keys', async ({ page }) => {
  const errors = watchPageErrors(page);
  await addFault({ operation: 'ListKeys', fault: 'throttle', count: THROTTLED_READ_CALLS });
  const seen = trackAwsRequests(page);
  await connect(page, demo.creds);
  const banner = page.getByTestId('error-banner');
  await expect(banner).toContainText('ThrottlingException', { timeout: 60_000 });
  expect(countOps(seen, 'ListKeys')).toBe(THROTTLED_READ_CALLS);
  await expect(page.getByTestId('key-row')).toHaveCount(0);

  await page.getByTestId('inventory-reload').click();
  await expect.poll(async () => (await page.getByTestId('key-row').count())).toBe(demo.fleet.ids().length);
  await expect(page.getByTestId('inventory-progress')).toBeHidden({ timeout: 60_000 });
  expect(errors).toEqual([]);
});

test('an HTML error page in front of STS is a clear message, and the pasted credentials stay', async ({ page }) => {
  const errors = watchPageErrors(page);
  // GetCallerIdentity is read-only: the console tries it three times, as the SDKs do.
  await addFault({ operation: 'GetCallerIdentity', fault: 'html-502', count: 3 });
  await connect(page, demo.creds, { expectIdentity: false });
  const banner = page.getByTestId('error-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('502');
  await expect(banner).toContainText('Bad Gateway');
  expect(await banner.innerHTML(), 'markup from the page must not be rendered').not.toContain('<h1');
  await expect(page.getByTestId('identity')).toBeHidden();
  const paste = page.getByTestId('credentials-paste');
  await expect(paste).toHaveValue(new RegExp(demo.creds.Credentials.AccessKeyId));

  // Nothing to re-enter: connecting again works once the proxy recovers.
  await page.getByTestId('connect').click();
  await expect(page.getByTestId('identity')).toBeVisible({ timeout: 60_000 });
  expect(errors).toEqual([]);
});

test('a rotation KMS carried out but answered with a 500 is reconciled, never sent again', async ({ page }) => {
  const { key, before, seen, panel, left, onDemandCount } = await rotateUnderFault(page, 'internal-after');
  // The console reads the key's state to learn what happened, finds the rotation, and follows it.
  await expect(panel.getByTestId('rotation-outcome')).toContainText(/complete/i, { timeout: 90_000 });
  await expect.poll(() => remaining(panel), { timeout: 90_000 }).toBe((left ?? 0) - 1);
  await expect.poll(onDemandCount, { timeout: 90_000 }).toBe(before + 1);
  await page.waitForTimeout(2_000);
  expect(rotateRequests(seen, key.KeyId), 'RotateKeyOnDemand re-sent after a 500').toBe(1);
  expect(await onDemandCount()).toBe(before + 1);
});

test('a throttled rotation did not happen: it is sent again and rotates exactly once', async ({ page }) => {
  const { key, before, seen, panel, onDemandCount } = await rotateUnderFault(page, 'throttle');
  await expect.poll(onDemandCount, { timeout: 90_000 }).toBe(before + 1);
  await expect(panel.getByTestId('rotation-in-progress')).toBeHidden({ timeout: 90_000 });
  // ThrottlingException means KMS did nothing (docs/kms.md §4.1 The quotas), so the retry is safe.
  expect(rotateRequests(seen, key.KeyId)).toBe(2);
  expect(await onDemandCount()).toBe(before + 1);
});
